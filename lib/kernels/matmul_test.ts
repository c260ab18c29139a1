import { assert, assertEquals } from "@std/assert";
import { matmulInto, type Matrix, matrixOf, packRight } from "./matmul.ts";
import { Rng } from "../random.ts";

const rng = new Rng(7);

/** Float32 values in [-1, 1). */
function noise(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** How an operand is laid out in memory. */
type Layout = "rowMajor" | "transposed" | "strided";

/**
 * A `rows x cols` matrix of random values stored with `layout`: row-major, column-major
 * (a transposed view), or row-major inside a larger buffer with an offset and gaps between rows
 * and columns (a sliced view).
 */
function makeMatrix(rows: number, cols: number, layout: Layout): Matrix {
  if (layout === "rowMajor") {
    return { data: noise(rows * cols), offset: 0, rowStride: cols, colStride: 1 };
  }
  if (layout === "transposed") {
    return { data: noise(rows * cols), offset: 0, rowStride: 1, colStride: rows };
  }
  const colStride = 2, rowStride = cols * colStride + 3, offset = 5;
  return { data: noise(offset + rows * rowStride), offset, rowStride, colStride };
}

/** Element `[i, j]` of a matrix. */
function get(m: Matrix, i: number, j: number): number {
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

/** Asserts that `out[outOffset ..]` holds `A · B` within float32 rounding. */
function assertProduct(
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

const Ms = [0, 1, 2, 3, 4, 5, 7, 8, 13];
const Ns = [0, 1, 3, 4, 5, 9, 17];
const Ks = [0, 1, 3, 4, 7, 33];

Deno.test("`matmulInto()` equals a naive triple loop on many shapes, row-major operands", () => {
  for (const M of Ms) {
    for (const N of Ns) {
      for (const K of Ks) {
        const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, "rowMajor");
        const out = new Float32Array(M * N).fill(NaN);
        matmulInto(out, 0, M, N, K, a, b);
        assertProduct(out, 0, [M, N, K], a, b, `M=${M} N=${N} K=${K}`);
      }
    }
  }
});

Deno.test("`matmulInto()` reads transposed and sliced operands through their strides", () => {
  const layouts: Layout[] = ["rowMajor", "transposed", "strided"];
  for (const [M, N, K] of [[1, 5, 7], [3, 4, 9], [4, 4, 4], [6, 9, 5], [13, 3, 17]]) {
    for (const la of layouts) {
      for (const lb of layouts) {
        const a = makeMatrix(M, K, la), b = makeMatrix(K, N, lb);
        const out = new Float32Array(M * N).fill(NaN);
        matmulInto(out, 0, M, N, K, a, b);
        assertProduct(out, 0, [M, N, K], a, b, `${M}x${N}x${K} A ${la}, B ${lb}`);
      }
    }
  }
});

Deno.test("`matmulInto()` with K = 0 writes zeros on both the streamed and packed paths", () => {
  for (const M of [2, 6]) {
    const out = new Float32Array(M * 3).fill(NaN);
    matmulInto(out, 0, M, 3, 0, makeMatrix(M, 0, "rowMajor"), makeMatrix(0, 3, "rowMajor"));
    assertEquals([...out], new Array(M * 3).fill(0));
  }
});

Deno.test("`matmulInto()` writes only its block of `out`, at `outOffset`", () => {
  for (const M of [2, 5]) {
    const [N, K] = [6, 3];
    const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, "rowMajor");
    const out = new Float32Array(M * N + 10).fill(-7);
    matmulInto(out, 4, M, N, K, a, b);
    assertProduct(out, 4, [M, N, K], a, b, `M=${M}`);
    assertEquals([...out.subarray(0, 4)], [-7, -7, -7, -7]);
    assertEquals([...out.subarray(4 + M * N)], new Array(6).fill(-7));
  }
});

Deno.test("`packRight()` panels reused across a batch give the same products", () => {
  for (const [N, K] of [[1, 1], [5, 7], [8, 4], [17, 33]]) {
    const b = makeMatrix(K, N, "transposed");
    const packed = packRight(b, N, K);
    assertEquals(packed.length, Math.ceil(N / 4) * 4 * K);
    // M < 4 takes the packed path too when panels are given.
    for (const M of [1, 3, 4, 9]) {
      const a = makeMatrix(M, K, "strided");
      const out = new Float32Array(M * N).fill(NaN);
      matmulInto(out, 0, M, N, K, a, b, packed);
      assertProduct(out, 0, [M, N, K], a, b, `packed M=${M} N=${N} K=${K}`);
    }
  }
});

Deno.test("`matrixOf()` views the last two dims of a strided view at an offset", () => {
  const data = new Float32Array(24);
  const m = matrixOf({ data, offset: 0, strides: [12, 1, 4] }, 12);
  assertEquals(m, { data, offset: 12, rowStride: 1, colStride: 4 });
});
