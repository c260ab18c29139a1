/**
 * Operands for the matmul kernels' tests: random matrices in every layout the kernels read
 * (row-major, transposed, sliced; in ordinary memory or in the WebAssembly kernels' memory),
 * and the slow, obviously right product they are checked against. Not part of the library.
 *
 * @module
 */
import { assert } from "@std/assert";
import type { Matrix } from "./matmul.ts";
import { kernelFloats } from "./wasm.ts";
import { Rng } from "../random.ts";

const rng = new Rng(7);

/** How an operand is laid out in memory. */
export type Layout = "rowMajor" | "transposed" | "strided";

/** Where an operand's buffer lives: an ordinary `Float32Array`, or the kernels' memory. */
export type Home = "js" | "heap";

/**
 * A `rows x cols` matrix of random values in [-1, 1) stored with `layout`: row-major,
 * column-major (a transposed view), or row-major inside a larger buffer with an offset and gaps
 * between rows and columns (a sliced view).
 *
 * @param rows its rows
 * @param cols its columns
 * @param layout how it is stored
 * @param home where its buffer lives
 * @returns the matrix
 */
export function makeMatrix(rows: number, cols: number, layout: Layout, home: Home = "js"): Matrix {
  const noise = (n: number) => {
    const data = home === "heap" ? kernelFloats(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.uniform() * 2 - 1;
    return data;
  };
  if (layout === "rowMajor") {
    return { data: noise(rows * cols), offset: 0, rowStride: cols, colStride: 1 };
  }
  if (layout === "transposed") {
    return { data: noise(rows * cols), offset: 0, rowStride: 1, colStride: rows };
  }
  const colStride = 2, rowStride = cols * colStride + 3, offset = 5;
  return { data: noise(offset + rows * rowStride), offset, rowStride, colStride };
}

/**
 * Element `[i, j]` of a matrix.
 *
 * @param m the matrix
 * @param i the row
 * @param j the column
 * @returns the element
 */
export function get(m: Matrix, i: number, j: number): number {
  return m.data[m.offset + i * m.rowStride + j * m.colStride];
}

/** The textbook triple loop, in float64, with the bound on rounding error of each entry. */
function naive(M: number, N: number, K: number, a: Matrix, b: Matrix) {
  const c = new Float64Array(M * N), bound = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0, abs = 0;
      for (let k = 0; k < K; k++) {
        acc += get(a, i, k) * get(b, k, j);
        abs += Math.abs(get(a, i, k) * get(b, k, j));
      }
      c[i * N + j] = acc;
      // float32 accumulation at worst: K roundings of at most 2^-24 of the running |sum|.
      bound[i * N + j] = (K + 1) * 2 ** -24 * abs + 1e-30;
    }
  }
  return { c, bound };
}

/**
 * Asserts that `out[outOffset ..]` holds `A · B` within float32 rounding.
 *
 * @param out the buffer written
 * @param outOffset where C starts in it
 * @param dims `[M, N, K]`
 * @param a the left operand
 * @param b the right operand
 * @param label names the case in a failure
 */
export function assertProduct(
  out: Float32Array,
  outOffset: number,
  dims: [number, number, number],
  a: Matrix,
  b: Matrix,
  label: string,
): void {
  const [M, N, K] = dims;
  const { c, bound } = naive(M, N, K, a, b);
  for (let i = 0; i < M * N; i++) {
    const got = out[outOffset + i];
    assert(
      Math.abs(got - c[i]) <= bound[i],
      `${label}: C[${Math.floor(i / N)}, ${i % N}] = ${got}, expected ${c[i]} (±${bound[i]})`,
    );
  }
}
