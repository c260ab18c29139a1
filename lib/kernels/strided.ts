/**
 * Loops over strided (possibly non-contiguous, possibly broadcast) float32 views.
 *
 * Each kernel is compiled once from a small expression, so that the hot loop is monomorphic
 * (a shared loop calling a per-op callback runs several times slower in V8). The generated
 * code walks the output in row-major order with an odometer over the outer dimensions and a
 * tight inner loop over the last one.
 *
 * @module
 */

/** A strided read-only window onto a float32 buffer. */
export interface StridedView {
  /** The storage buffer. */
  readonly data: Float32Array;
  /** Index of element `[0, 0, ...]` in `data`. */
  readonly offset: number;
  /** Step in `data` per unit step of each dimension (0 for a broadcast dimension). */
  readonly strides: readonly number[];
}

/** Writes `expr(x0, x1, ...)` for every index of `shape` into `out` (row-major). */
export type ElementwiseKernel = (
  out: Float32Array,
  shape: readonly number[],
  inputs: readonly StridedView[],
) => void;

/** Reduces dimension `dim` of a view of `shape` into `out` (row-major over the other dims). */
export type ReduceKernel = (
  out: Float32Array,
  shape: readonly number[],
  input: StridedView,
  dim: number,
) => void;

// Source of a loop over the dims [0, last) of `shape`, keeping one pointer p<i> per input at the
// start of the current row. `body` runs once per row.
function odometer(arity: number, body: string): string {
  const ids = Array.from({ length: arity }, (_, i) => i);
  const each = (f: (i: number) => string, sep = "; ") => ids.map(f).join(sep);
  return `
    let outer = 1;
    for (let d = 0; d < last; d++) outer *= shape[d];
    const idx = new Int32Array(last > 0 ? last : 1);
    ${each((i) => `let p${i} = v${i}.offset`)};
    for (let r = 0; r < outer; r++) {
      ${body}
      for (let d = last - 1; d >= 0; d--) {
        ${each((i) => `p${i} += s${i}[d]`)};
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
        ${each((i) => `p${i} -= s${i}[d] * shape[d]`)};
      }
    }`;
}

const elementwiseCache = new Map<string, ElementwiseKernel>();

/**
 * Compiles (once) an elementwise kernel over `arity` inputs named `x0`, `x1`, ...
 *
 * @param arity number of inputs
 * @param expr a JavaScript expression of `x0`, `x1`, ... giving the output element
 * @param prelude JavaScript declaring helpers `expr` calls (e.g. a `function erf(x)`)
 * @returns the kernel
 * @example
 * ```ts
 * import { elementwise } from "./strided.ts";
 * const add = elementwise(2, "x0 + x1");
 * const out = new Float32Array(2);
 * const a = { data: new Float32Array([1, 2]), offset: 0, strides: [1] };
 * add(out, [2], [a, a]); // out = [2, 4]
 * ```
 */
export function elementwise(arity: number, expr: string, prelude = ""): ElementwiseKernel {
  const key = `${arity}:${expr}:${prelude}`;
  let kernel = elementwiseCache.get(key);
  if (kernel) return kernel;
  const ids = Array.from({ length: arity }, (_, i) => i);
  const each = (f: (i: number) => string) => ids.map(f).join("; ");
  const source = `
    ${prelude}
    ${each((i) => `const v${i} = inputs[${i}], d${i} = v${i}.data, s${i} = v${i}.strides`)};
    if (shape.length === 0) {
      ${each((i) => `const x${i} = d${i}[v${i}.offset]`)};
      out[0] = ${expr};
      return;
    }
    const last = shape.length - 1, inner = shape[last];
    ${each((i) => `const t${i} = s${i}[last]`)};
    let o = 0;
    ${
    odometer(
      arity,
      `for (let k = 0; k < inner; k++) {
        ${each((i) => `const x${i} = d${i}[p${i} + k * t${i}]`)};
        out[o++] = ${expr};
      }`,
    )
  }`;
  kernel = new Function("out", "shape", "inputs", source) as ElementwiseKernel;
  elementwiseCache.set(key, kernel);
  return kernel;
}

const reduceCache = new Map<string, ReduceKernel>();

/** How a reduction folds a row: initial state, a step per element `x` at index `k`, a result. */
export interface Reduction {
  /** Statements declaring and initialising the accumulator(s). */
  readonly init: string;
  /** Statements folding element `x` (at position `k` along the reduced dim) in. */
  readonly step: string;
  /** Expression giving the row's result. */
  readonly result: string;
}

/**
 * Compiles (once) a kernel reducing one dimension of a strided view.
 *
 * @param r the reduction's init, step and result code
 * @returns the kernel
 * @example
 * ```ts
 * import { reduce } from "./strided.ts";
 * const sum = reduce({ init: "let acc = 0", step: "acc += x", result: "acc" });
 * const out = new Float32Array(2);
 * sum(out, [2, 3], { data: new Float32Array([1, 2, 3, 4, 5, 6]), offset: 0, strides: [3, 1] }, 1);
 * // out = [6, 15]
 * ```
 */
export function reduce(r: Reduction): ReduceKernel {
  const key = `${r.init}|${r.step}|${r.result}`;
  let kernel = reduceCache.get(key);
  if (kernel) return kernel;
  const source = `
    const n = shape[dim], rs = input.strides[dim], d0 = input.data;
    const keep = [];
    const s0 = [];
    for (let d = 0; d < shape.length; d++) {
      if (d !== dim) { keep.push(shape[d]); s0.push(input.strides[d]); }
    }
    shape = keep;
    const v0 = input;
    const last = shape.length;
    let o = 0;
    ${
    odometer(
      1,
      `${r.init};
      for (let k = 0; k < n; k++) {
        const x = d0[p0 + k * rs];
        ${r.step};
      }
      out[o++] = ${r.result};`,
    )
  }`;
  kernel = new Function("out", "shape", "input", "dim", source) as ReduceKernel;
  reduceCache.set(key, kernel);
  return kernel;
}
