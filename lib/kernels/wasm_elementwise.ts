/**
 * Elementwise functions on the WebAssembly kernels (`kernels.wat`): the elements are gathered in
 * row-major order into the kernels' scratch block, computed there four at a time, and copied
 * out. Only what a profile shows is here: `tanh`, GPT-2's GELU's costliest step (`Math.tanh`
 * takes about 18 ns an element, the kernel about 1).
 *
 * @module
 */
import { elementwise, type StridedView } from "./strided.ts";
import type { Kernels } from "./wasm.ts";

const gather = elementwise(1, "x0");

/**
 * `out = tanh(x)` for a strided view, on the kernels: Eigen's float rational, within 7 float
 * ulps of `Math.tanh` (the TypeScript kernels' `tanh`), the same bits on every CPU.
 *
 * @param k the loaded kernels
 * @param out where the elements go, row-major (`shape`'s element count)
 * @param shape the view's shape
 * @param x the view
 */
export function wasmTanh(
  k: Kernels,
  out: Float32Array,
  shape: readonly number[],
  x: StridedView,
): void {
  const n = out.length;
  if (n === 0) return;
  const padded = Math.ceil(n / 4) * 4;
  const at = k.heap.scratch(4 * padded);
  const floats = new Float32Array(k.heap.buffer(), at, padded);
  gather(floats, shape, [x]);
  floats.fill(0, n); // the last vector's spare lanes: computed, never read
  k.exports.tanh(at, at, padded);
  out.set(floats.subarray(0, n));
}
