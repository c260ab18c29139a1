/**
 * The kit's matmul beside onnxruntime-web's WASM MatMul (one thread, the same shapes, the same
 * run) and beside the library's TypeScript kernel, on GPT-2 small's shapes: the `c_attn`
 * projection of 32 tokens, the LM head of one token (`[768, 50257]` row-major, as onnxruntime
 * gets it, and the tied `wteᵀ` the model multiplies by), and attention scores `q · kᵀ`.
 *
 * Run with `deno task bench-kernels` (`deno bench` with the permissions onnxruntime-web
 * needs); GFLOP/s = 2·M·N·K / time. The weights lie in the kernels' memory, as weights read by
 * `loadStateDict` do.
 *
 * @module
 */
import "../wasm_location.ts"; // before onnxruntime-web
import * as ort from "onnxruntime-web/webgpu";
import { DType, OnnxGraph } from "../export/onnx_graph.ts";
import { randn, Rng } from "../random.ts";
import { Tensor } from "../tensor.ts";
import { matmulInto, matrixOf } from "./matmul.ts";
import { kernelFloats } from "./wasm.ts";

const rng = new Rng(0);

/** A random tensor whose storage lies where the kernels read it in place (as a weight's). */
function weight(shape: number[]): Tensor {
  const values = randn(shape, { rng, std: 0.02 }).data;
  const storage = kernelFloats(values.length);
  storage.set(values);
  return new Tensor(storage, shape);
}

/** A one-MatMul onnxruntime-web session on WASM (one thread) with `b` as its initializer. */
async function ortMatmul(b: Tensor, transB: boolean): Promise<ort.InferenceSession> {
  const g = new OnnxGraph();
  const init = g.float(b.contiguous().data, b.shape, "b");
  const out = transB
    ? g.node("Gemm", ["a", init], { transB: 1 }, "c")
    : g.node("MatMul", ["a", init], {}, "c");
  const [K, N] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  const bytes = g.encode(
    [{ name: "a", type: DType.FLOAT, dims: ["m", K] }],
    [{ name: out, type: DType.FLOAT, dims: ["m", N] }],
  );
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = "error";
  return await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
}

/** Times one product three ways: onnxruntime-web (baseline), the kit's kernels, TypeScript. */
async function group(name: string, a: Tensor, b: Tensor, transB = false): Promise<void> {
  const session = await ortMatmul(b, transB);
  const feed = { a: new ort.Tensor("float32", a.data.slice(), [...a.shape]) };
  const bt = transB ? b.transpose(0, 1) : b;
  const [M, K] = a.shape, N = bt.shape[1];
  const out = new Float32Array(M * N);
  const am = matrixOf(Tensor.stridedView(a), a.offset);
  const bm = matrixOf(Tensor.stridedView(bt), bt.offset);
  Deno.bench("onnxruntime-web WASM MatMul", { group: name, baseline: true }, async () => {
    const r = await session.run(feed);
    r.c.dispose();
  });
  Deno.bench("Tensor.matmul (WebAssembly kernels)", { group: name }, () => {
    a.matmul(bt);
  });
  Deno.bench("TypeScript kernel (matmulInto)", { group: name }, () => {
    matmulInto(out, 0, M, N, K, am, bm);
  });
}

await group(
  "c_attn 32 tokens: [32,768]x[768,2304]",
  randn([32, 768], { rng }),
  weight([768, 2304]),
);
await group("LM head 1 token: [1,768]x[768,50257]", randn([1, 768], { rng }), weight([768, 50257]));
await group(
  "tied LM head 1 token: [1,768]x wte[50257,768]ᵀ",
  randn([1, 768], { rng }),
  weight([50257, 768]),
  true,
);
await group(
  "tied LM head 32 tokens: [32,768]x wte[50257,768]ᵀ",
  randn([32, 768], { rng }),
  weight([50257, 768]),
  true,
);

// attention scores: q [12, 32, 64] · kᵀ, with k [12, 32, 64] transposed as a view
const q = randn([12, 32, 64], { rng }), k = randn([12, 32, 64], { rng });
const kT = k.transpose(1, 2);
Deno.bench("Tensor.matmul (transposed view)", { group: "q·kᵀ 12x[32x64x32]" }, () => {
  q.matmul(kT);
});
