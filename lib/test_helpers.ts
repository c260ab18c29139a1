/**
 * Slow, obviously right helpers the library's tests compare the fast code against. Not part
 * of the library's API (`mod.ts` does not export them).
 *
 * @module
 */
import { contiguousStrides } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/**
 * Every multi-index of a shape, in row-major order.
 *
 * @param shape the shape
 * @returns the indices, e.g. `[[0, 0], [0, 1], [1, 0], [1, 1]]` for `[2, 2]`
 */
export function indices(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const n of shape) {
    out = out.flatMap((idx) => Array.from({ length: n }, (_, i) => [...idx, i]));
  }
  return out;
}

/**
 * Reads `t` at an index of a shape it broadcasts to (aligned from the right, size-1 dims
 * pinned to 0), from a row-major copy.
 *
 * @param t the tensor
 * @returns a reader taking an index of the broadcast shape
 */
export function reader(t: Tensor): (idx: readonly number[]) => number {
  const data = t.data.slice(), strides = contiguousStrides(t.shape), nd = t.ndim;
  return (idx) => {
    let p = 0;
    for (let k = 0; k < nd; k++) {
      p += (t.shape[k] === 1 ? 0 : idx[idx.length - nd + k]) * strides[k];
    }
    return data[p];
  };
}
