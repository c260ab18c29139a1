import { assert, assertEquals } from "@std/assert";
import { Tensor } from "../tensor.ts";
import { k, simd128 } from "./test_builds.ts";
import { wasmTanh } from "./wasm_elementwise.ts";

function tanhOf(xs: Float32Array, build = k): Float32Array {
  const out = new Float32Array(xs.length).fill(NaN);
  wasmTanh(build, out, [xs.length], { data: xs, offset: 0, strides: [1] });
  return out;
}

// Float32 ulps between two finite floats of the same sign (or one of them zero).
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  return Math.abs(bits[0] - bits[1]);
}

Deno.test("tanh on the kernels is within 7 float ulps of Math.tanh, on both builds, the same bits", () => {
  // a sweep of magnitudes from 1e-6 to 20, both signs, and every float around the worst case
  // (7 ulps at 5.7402925; a search over every float from 3.9e-4 to 9 found no worse)
  const xs: number[] = [];
  for (let e = -6; e < 1.31; e += 1e-5) xs.push(10 ** e, -(10 ** e));
  const near = new Int32Array(new Float32Array([5.7402925]).buffer)[0];
  const around = new Float32Array(
    new Int32Array(Array.from({ length: 2001 }, (_, i) => near - 1000 + i)).buffer,
  );
  xs.push(...around);
  const x = Float32Array.from(xs);
  const y = tanhOf(x);
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const d = ulps(y[i], Math.fround(Math.tanh(x[i])));
    if (d > worst) [worst, at] = [d, i];
  }
  assert(worst <= 7, `${worst} ulps at x = ${x[at]}: ${y[at]} against ${Math.tanh(x[at])}`);
  assertEquals(tanhOf(x, simd128), y);
});

Deno.test("tanh on the kernels keeps NaN, signed zeros and tiny values, and gives ±1 past 9", () => {
  const x = Float32Array.from([NaN, 0, -0, 1e-30, -1e-45, 3e-4, Infinity, -Infinity, 9, -9, 3e38]);
  const y = tanhOf(x);
  assert(Number.isNaN(y[0]));
  assert(Object.is(y[1], 0) && Object.is(y[2], -0), `${y[1]} ${y[2]}`);
  assertEquals([...y.subarray(3, 6)], [...x.subarray(3, 6)]);
  assertEquals([...y.subarray(6)], [1, -1, 1, -1, 1]);
});

Deno.test("tanh on the kernels reads strided and broadcast views, any length, and writes only out", () => {
  for (const n of [0, 1, 7, 65, 1023]) {
    const flat = Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i) * 5);
    // every other element: [n] with stride 2, from offset 1
    const strided = new Float32Array(n);
    wasmTanh(k, strided, [n], { data: flat, offset: 1, strides: [2] });
    const gathered = Float32Array.from({ length: n }, (_, i) => flat[1 + 2 * i]);
    assertEquals(strided, tanhOf(gathered), `n = ${n}`);
    // one element broadcast over [3, n]
    const wide = new Float32Array(3 * n);
    wasmTanh(k, wide, [3, n], { data: flat, offset: 0, strides: [0, 0] });
    assertEquals(wide, n ? new Float32Array(3 * n).fill(tanhOf(flat.subarray(0, 1))[0]) : wide);
  }
});

Deno.test("Tensor.tanh runs on the kernels: a transposed view gives the kernels' bits", () => {
  const x = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i / 3 - 2), [3, 4]);
  const t = x.transpose(0, 1);
  const expected = tanhOf(t.contiguous().data);
  assertEquals(t.tanh().shape, [4, 3]);
  assertEquals(t.tanh().data, expected);
});
