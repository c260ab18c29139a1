/**
 * The "where your numbers diverge" panel: for each failing numeric check, the error of the
 * learner's tensor against the reference, laid out as positions (rows) × channels (columns),
 * so that "only later positions are off" or "everything off by one factor" shows at a glance.
 *
 * @module
 */
import { checkText } from "../grader/report/results.ts";
import type { Compared } from "../grader/stage.ts";
import type { DivergenceItem, DivergenceView } from "./api.ts";
import type { StudioSession } from "./session.ts";

/** The most columns a heatmap draws; wider tensors (logits) put several channels in a cell. */
export const MAX_COLUMNS = 256;

/**
 * The error picture of one comparison.
 *
 * @param c the tensors a check compared (equal shapes)
 * @returns rows (every index but the last, named by their non-trivial indices), binned columns,
 *   `|found - expected|` (the largest in each cell), the rows with an element out of tolerance,
 *   and the factor when the learner's values are the reference's times one number
 * @example
 * ```ts
 * import { errorMap } from "./divergence.ts";
 * const expected = { shape: [1, 2, 2], data: new Float32Array([1, 2, 3, 4]) };
 * const found = { shape: [1, 2, 2], data: new Float32Array([1, 2, 3, 5]) };
 * errorMap({ found, expected, tolerance: { atol: 1e-4, rtol: 0 } }).badRows; // [1]
 * ```
 */
export function errorMap(c: Compared): Omit<DivergenceItem, "stage" | "check" | "text"> {
  const shape = c.expected.shape;
  const width = shape.at(-1) ?? 1;
  const rows = c.expected.data.length / width;
  const perColumn = Math.ceil(width / MAX_COLUMNS);
  const columns = Math.ceil(width / perColumn);
  const errors = new Array<number>(rows * columns).fill(0);
  const bad = new Set<number>();
  const { atol, rtol } = c.tolerance;
  let fe = 0, ee = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < width; k++) {
      const i = r * width + k, f = c.found.data[i], e = c.expected.data[i];
      const d = Math.abs(f - e);
      const cell = r * columns + Math.floor(k / perColumn);
      errors[cell] = Math.max(errors[cell], Number.isNaN(d) ? Infinity : d);
      if (!(d <= atol + rtol * Math.abs(e)) && !Object.is(f, e)) bad.add(r);
      fe += f * e;
      ee += e * e;
    }
  }
  return {
    shape: [...shape],
    rowLabels: Array.from({ length: rows }, (_, r) => rowLabel(r, shape)),
    columns,
    perColumn,
    errors,
    badRows: [...bad].sort((a, b) => a - b),
    ...scaled(c, ee > 0 ? fe / ee : NaN),
  };
}

// Leading indices of row r; dimensions of size 1 are left out (a batch of one).
function rowLabel(r: number, shape: readonly number[]): string {
  const lead = shape.slice(0, -1);
  const index: number[] = [];
  for (let d = lead.length - 1; d >= 0; d--) {
    index.unshift(r % lead[d]);
    r = Math.floor(r / lead[d]);
  }
  const shown = index.filter((_, d) => lead[d] > 1);
  return shown.length ? shown.join(", ") : "0";
}

// The factor k when found ≈ k × expected everywhere (k ≠ 1), within the check's tolerance.
function scaled(c: Compared, k: number): { factor?: number } {
  if (!Number.isFinite(k) || Math.abs(k - 1) < 1e-3) return {};
  const { atol, rtol } = c.tolerance;
  const fits = c.expected.data.every((e, i) =>
    Math.abs(c.found.data[i] - k * e) <= atol + rtol * Math.abs(k * e)
  );
  return fits ? { factor: k } : {};
}

/**
 * The panel: every failing numeric check of the latest grading, in stage order.
 *
 * @param session the studio
 * @returns the items
 */
export function divergenceView(session: StudioSession): DivergenceView {
  const items: DivergenceItem[] = [];
  for (const stage of session.stages) {
    for (const check of session.result(stage.number)?.checks ?? []) {
      if (check.status !== "fail" || !check.compared) continue;
      items.push({
        stage: stage.number,
        check: check.name,
        text: checkText(check),
        ...errorMap(check.compared),
      });
    }
  }
  return { items };
}
