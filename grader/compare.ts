/**
 * Numeric comparison of a learner's tensor with a reference, with the report a learner needs:
 * the tolerance, the max abs and rel error, how many elements are off and where the first is.
 *
 * @module
 */
import { contiguousStrides, formatShape } from "../lib/shape.ts";
import type { TensorData } from "./wire.ts";

/** `|found - expected| <= atol + rtol * |expected|`, as `torch.allclose`. */
export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance. */
  rtol: number;
}

/** One element that is out of tolerance. */
export interface BadElement {
  /** Its multi-index, e.g. `[0, 3, 17]`. */
  index: number[];
  /** The reference value. */
  expected: number;
  /** The learner's value. */
  found: number;
}

/** The result of {@linkcode compareTensors}. */
export interface Closeness {
  /** Shapes equal and every element within tolerance. */
  ok: boolean;
  /** Set when the shapes differ (nothing else is then computed). */
  shapeMismatch?: { expected: number[]; found: number[] };
  /** Largest absolute error. */
  maxAbs: number;
  /** Largest relative error (`|d| / |expected|`, over elements with a non-zero reference). */
  maxRel: number;
  /** Elements out of tolerance (NaN and infinities included). */
  bad: number;
  /** Elements compared. */
  total: number;
  /** Elements of the learner's tensor that are NaN or infinite where the reference is finite. */
  nonFinite: number;
  /** The first element out of tolerance (row-major order). */
  first?: BadElement;
}

/**
 * Compares a learner's tensor with a reference, element by element.
 *
 * @param found the learner's tensor
 * @param expected the reference
 * @param tol the tolerance
 * @returns the closeness report
 * @example
 * ```ts
 * import { compareTensors } from "./compare.ts";
 * const r = compareTensors(
 *   { shape: [2], data: new Float32Array([1, 2.1]) },
 *   { shape: [2], data: new Float32Array([1, 2]) },
 *   { atol: 1e-4, rtol: 1e-4 },
 * );
 * r.ok; // false, r.first.index is [1]
 * ```
 */
export function compareTensors(found: TensorData, expected: TensorData, tol: Tolerance): Closeness {
  const base = { maxAbs: 0, maxRel: 0, bad: 0, nonFinite: 0, total: expected.data.length };
  if (formatShape(found.shape) !== formatShape(expected.shape)) {
    return {
      ...base,
      ok: false,
      shapeMismatch: { expected: [...expected.shape], found: [...found.shape] },
    };
  }
  const r: Closeness = { ...base, ok: true };
  const f = found.data, e = expected.data;
  let firstAt = -1;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(f[i] - e[i]);
    const finiteRef = Number.isFinite(e[i]);
    const same = Object.is(f[i], e[i]) || (Number.isNaN(f[i]) && Number.isNaN(e[i]));
    if (!Number.isFinite(f[i]) && finiteRef) r.nonFinite++;
    if (!same) {
      if (d > r.maxAbs || Number.isNaN(d)) r.maxAbs = Number.isNaN(d) ? NaN : Math.max(r.maxAbs, d);
      if (e[i] !== 0 && finiteRef) r.maxRel = Math.max(r.maxRel, d / Math.abs(e[i]));
    }
    if (!same && !(d <= tol.atol + tol.rtol * Math.abs(e[i]))) {
      r.bad++;
      if (firstAt < 0) firstAt = i;
    }
  }
  r.ok = r.bad === 0;
  if (firstAt >= 0) {
    r.first = { index: unravel(firstAt, expected.shape), expected: e[firstAt], found: f[firstAt] };
  }
  return r;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const strides = contiguousStrides(shape);
  return strides.map((s) => {
    const i = Math.floor(flat / s);
    flat -= i * s;
    return i;
  });
}

/**
 * Formats a number for a report: 6 significant digits, exponent notation when tiny or huge.
 *
 * @param x the number
 * @returns its text
 */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e6 ? x.toExponential(2) : String(Number(x.toPrecision(6)));
}

/**
 * Describes a failed comparison in a learner's terms, one fact per line.
 *
 * @param what what was compared, e.g. `"the attention output"`
 * @param c the closeness report
 * @param tol the tolerance used
 * @returns the lines of the report
 */
export function describeMismatch(what: string, c: Closeness, tol: Tolerance): string[] {
  if (c.shapeMismatch) {
    return [
      `${what}: expected shape ${formatShape(c.shapeMismatch.expected)}, found ${
        formatShape(c.shapeMismatch.found)
      }`,
    ];
  }
  const lines: string[] = [];
  if (c.first) {
    lines.push(
      `${what}: expected ${fmtNum(c.first.expected)} at [${c.first.index.join(", ")}], found ${
        fmtNum(c.first.found)
      }`,
    );
  }
  const share = c.total ? (100 * c.bad / c.total).toFixed(c.bad === c.total ? 0 : 1) : "0";
  lines.push(
    `max abs error ${fmtNum(c.maxAbs)}, max rel error ${
      fmtNum(c.maxRel)
    }; ${c.bad} of ${c.total} ` +
      `elements (${share}%) outside tolerance (atol ${fmtNum(tol.atol)} + rtol ${
        fmtNum(tol.rtol)
      } × |expected|)`,
  );
  if (c.nonFinite) {
    lines.push(`${c.nonFinite} elements are NaN or infinite where the reference is finite`);
  }
  return lines;
}
