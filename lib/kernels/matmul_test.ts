import { assertEquals } from "@std/assert";
import { matmulInto, matrixOf, packRight } from "./matmul.ts";
import { assertProduct, type Layout, makeMatrix } from "./test_matrices.ts";

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
