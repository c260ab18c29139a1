import { assert, assertEquals } from "@std/assert";
import { matmulInto, type Matrix } from "./matmul.ts";
import { assertProduct, type Home, type Layout, makeMatrix } from "./test_matrices.ts";
import { k, simd128 } from "./test_builds.ts";
import { kernelFloats, kernels } from "./wasm.ts";
import { wasmMatmulInto } from "./wasm_matmul.ts";
import { Tensor } from "../tensor.ts";

/** `A · B` by the WebAssembly kernels and by the TypeScript kernel (the reference). */
function both(M: number, N: number, K: number, a: Matrix, b: Matrix, build = k) {
  const wasm = new Float32Array(M * N).fill(NaN), ts = new Float32Array(M * N).fill(NaN);
  wasmMatmulInto(build, wasm, 0, M, N, K, a, b);
  matmulInto(ts, 0, M, N, K, a, b);
  return { wasm, ts };
}

/** Asserts the kernels' product right within float32 rounding, and close to TypeScript's. */
function check(
  M: number,
  N: number,
  K: number,
  a: Matrix,
  b: Matrix,
  label: string,
  build = k,
): void {
  const { wasm, ts } = both(M, N, K, a, b, build);
  assertProduct(wasm, 0, [M, N, K], a, b, label);
  for (let i = 0; i < M * N; i++) {
    // both within K roundings of the exact value, whose size is at most K (|values| < 1)
    const tol = 2 * (K + 1) * 2 ** -24 * K + 1e-30;
    assert(Math.abs(wasm[i] - ts[i]) <= tol, `${label}: ${wasm[i]} vs TypeScript's ${ts[i]}`);
  }
}

Deno.test("the WebAssembly kernels load (relaxed SIMD on this engine)", () => {
  assert(kernels, "kernels did not load");
  assert(k.relaxed, "this Deno has relaxed SIMD: the relaxed build should load");
});

Deno.test("`wasmMatmulInto()` matches the TypeScript kernel on odd and degenerate shapes", () => {
  const sizes = [0, 1, 2, 3, 7, 8, 12, 13, 65];
  for (const build of [k, simd128]) {
    for (const home of ["js", "heap"] as Home[]) {
      for (const lb of ["rowMajor", "transposed"] as Layout[]) {
        for (const M of sizes) {
          for (const N of sizes) {
            for (const K of [0, 1, 3, 4, 7, 65]) {
              const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, home);
              const label = `${M}x${N}x${K}, B ${lb} in ${home}, relaxed ${build.relaxed}`;
              check(M, N, K, a, b, label, build);
            }
          }
        }
      }
    }
  }
});

Deno.test("`wasmMatmulInto()` handles 1023 rows, columns or inner size", () => {
  for (const [M, N, K] of [[1023, 13, 7], [7, 1023, 13], [13, 7, 1023], [1, 1023, 65]]) {
    for (const lb of ["rowMajor", "transposed"] as Layout[]) {
      const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, "heap");
      check(M, N, K, a, b, `${M}x${N}x${K}, B ${lb}`);
    }
  }
});

Deno.test("`wasmMatmulInto()` streams rows wider than 4096 and 65536 columns", () => {
  // the row path reads 4 rows of B per pass past 4096 columns, and keeps at most 65536 partial
  // sums at once: wider rows take several passes
  for (const build of [k, simd128]) {
    for (const [M, N, K] of [[1, 4097, 67], [1, 65536 + 13, 6], [2, 2 * 65536 + 4, 5]]) {
      const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, "rowMajor", "heap");
      check(M, N, K, a, b, `${M}x${N}x${K}, relaxed ${build.relaxed}`, build);
    }
  }
});

Deno.test("`wasmMatmulInto()` reads transposed and sliced operands, in either memory", () => {
  const layouts: Layout[] = ["rowMajor", "transposed", "strided"];
  for (const [M, N, K] of [[1, 9, 7], [2, 13, 9], [3, 12, 4], [6, 25, 5], [13, 3, 17]]) {
    for (const la of layouts) {
      for (const lb of layouts) {
        for (const home of ["js", "heap"] as Home[]) {
          const a = makeMatrix(M, K, la, home), b = makeMatrix(K, N, lb, home);
          check(M, N, K, a, b, `${M}x${N}x${K} A ${la}, B ${lb}, in ${home}`);
        }
      }
    }
  }
});

Deno.test("`wasmMatmulInto()` propagates NaN and Infinity as the TypeScript kernel does", () => {
  for (const [M, N, K] of [[1, 9, 5], [2, 8, 6], [5, 13, 7]]) {
    for (const lb of ["rowMajor", "transposed"] as Layout[]) {
      const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, "heap");
      a.data[a.offset + 1] = NaN; // A[0, 1]: row 0 of C
      a.data[a.offset + (M - 1) * a.rowStride + 2] = Infinity; // A[M-1, 2]: row M-1, ±Inf or NaN
      b.data[b.offset + 3 * b.rowStride + 4 * b.colStride] = -Infinity; // B[3, 4]: column 4
      b.data[b.offset + 2 * b.rowStride + 5 * b.colStride] = 0; // B[2, 5]: Inf · 0 = NaN
      const { wasm, ts } = both(M, N, K, a, b);
      for (let i = 0; i < M * N; i++) {
        const label = `${M}x${N}x${K} B ${lb}: C[${Math.floor(i / N)}, ${i % N}]`;
        if (Number.isFinite(ts[i])) assert(Number.isFinite(wasm[i]), `${label} = ${wasm[i]}`);
        else assertEquals(wasm[i], ts[i], label);
      }
      assert(Number.isNaN(wasm[0]) && Number.isNaN(wasm[N - 1]), "row 0 is NaN");
      assert(Number.isNaN(wasm[(M - 1) * N + 5]), "Inf · 0 gives NaN");
    }
  }
});

Deno.test("`wasmMatmulInto()` writes only its block of `out`, at `outOffset`", () => {
  for (const [M, N, K] of [[2, 3, 3], [5, 14, 9], [4, 20, 3]]) {
    for (const lb of ["rowMajor", "transposed"] as Layout[]) {
      const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, "heap");
      const out = new Float32Array(M * N + 10).fill(-7);
      wasmMatmulInto(k, out, 4, M, N, K, a, b);
      assertProduct(out, 4, [M, N, K], a, b, `${M}x${N}x${K}`);
      assertEquals([...out.subarray(0, 4)], [-7, -7, -7, -7]);
      assertEquals([...out.subarray(4 + M * N)], new Array(6).fill(-7));
    }
  }
});

Deno.test("`wasmMatmulInto()` gives a row the same bits alone as among 40 rows", () => {
  // what lets a KV cache's one-token steps match a full recomputation exactly
  for (const lb of ["rowMajor", "transposed"] as Layout[]) {
    const [M, N, K] = [40, 50, 67];
    const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, "heap");
    const all = new Float32Array(M * N);
    wasmMatmulInto(k, all, 0, M, N, K, a, b);
    for (const i of [0, 17, 39]) {
      const row = new Float32Array(N);
      wasmMatmulInto(k, row, 0, 1, N, K, { ...a, offset: a.offset + i * a.rowStride }, b);
      assertEquals([...row], [...all.subarray(i * N, (i + 1) * N)], `B ${lb}, row ${i}`);
    }
  }
});

Deno.test("`wasmMatmulInto()` gives the same bits with B's panels packed (12 rows on) or read in place", () => {
  // 3072 columns: rows of B 12 KB apart, where the packing matters most
  for (const [N, K] of [[3072, 40], [37, 129]]) {
    const a = makeMatrix(12, K, "rowMajor"), b = makeMatrix(K, N, "rowMajor", "heap");
    const packed = new Float32Array(12 * N), inPlace = new Float32Array(11 * N);
    wasmMatmulInto(k, packed, 0, 12, N, K, a, b);
    wasmMatmulInto(k, inPlace, 0, 11, N, K, a, b);
    assertEquals([...packed.subarray(0, 11 * N)], [...inPlace], `[12, ${K}] x [${K}, ${N}]`);
    check(12, N, K, a, b, `packed [12, ${K}] x [${K}, ${N}]`);
  }
});

Deno.test("`Tensor.matmul()` broadcasts a batch over a weight held in the kernels' memory", () => {
  const w = kernelFloats(24);
  w.forEach((_, i) => (w[i] = (i % 7) - 3));
  const weight = new Tensor(w, [6, 4]); // like wte: used transposed
  const x = Tensor.arange(0, 2 * 3 * 4).reshape(2, 3, 4).div(10);
  const got = x.matmul(weight.transpose(0, 1));
  const expected = x.matmul(weight.transpose(0, 1).contiguous().clone());
  assertEquals(got.shape, [2, 3, 6]);
  assertEquals(got.toNested(), expected.toNested());
});
