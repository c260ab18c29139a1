/**
 * The kit's matmul (through `Tensor.matmul`) beside the textbook loop, on GPT-2 small's shapes:
 * the `c_attn` projection of 32 tokens and of one token, and attention scores `q · kᵀ`.
 *
 * Run with `deno bench lib/kernels/matmul_bench.ts`; GFLOP/s = 2·M·N·K / time.
 *
 * @module
 */
import { randn, Rng } from "../random.ts";

const rng = new Rng(0);

/** `C = A · B` for row-major `A [M, K]` and `B [K, N]`, i-k-j order, no tricks. */
function naive(a: Float32Array, b: Float32Array, M: number, K: number, N: number): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k];
      for (let j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
    }
  }
  return c;
}

// c_attn: x [32, 768] · W [768, 2304]
const x32 = randn([32, 768], { rng }), x1 = randn([1, 768], { rng });
const w = randn([768, 2304], { rng, std: 0.02 });
const x32Data = x32.data, x1Data = x1.data, wData = w.data;

Deno.bench("naive i-k-j loop", { group: "matmul 32x768x2304", baseline: true }, () => {
  naive(x32Data, wData, 32, 768, 2304);
});

Deno.bench("Tensor.matmul", { group: "matmul 32x768x2304" }, () => {
  x32.matmul(w);
});

Deno.bench("naive i-k-j loop", { group: "matmul 1x768x2304", baseline: true }, () => {
  naive(x1Data, wData, 1, 768, 2304);
});

Deno.bench("Tensor.matmul", { group: "matmul 1x768x2304" }, () => {
  x1.matmul(w);
});

// attention scores: q [12, 32, 64] · kᵀ, with k [12, 32, 64] transposed as a view
const q = randn([12, 32, 64], { rng }), k = randn([12, 32, 64], { rng });
const kT = k.transpose(1, 2);
const qData = q.data, kTData = kT.contiguous().data;

Deno.bench("naive i-k-j loop (kᵀ pre-copied)", {
  group: "q·kᵀ 12x[32x64x32]",
  baseline: true,
}, () => {
  for (let h = 0; h < 12; h++) {
    naive(
      qData.subarray(h * 2048, (h + 1) * 2048),
      kTData.subarray(h * 2048, (h + 1) * 2048),
      32,
      64,
      32,
    );
  }
});

Deno.bench("Tensor.matmul (transposed view)", { group: "q·kᵀ 12x[32x64x32]" }, () => {
  q.matmul(kT);
});
