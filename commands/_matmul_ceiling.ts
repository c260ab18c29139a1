/**
 * The decode ceiling of an onnxruntime backend's matrix-vector kernel, for `deno task bench`:
 * a graph holding only the weight products one decoded token runs — each block's `c_attn`,
 * `attn.c_proj`, `mlp.c_fc` and `mlp.c_proj` as MatMul, the tied head as Gemm(transB) on `wte`,
 * the ops the export emits — with the model's own weights, at one position. Its speed bounds
 * what any graph of that model reaches on that backend, however few its other nodes; set beside
 * the memory-bandwidth limit it tells the kernel's share of the gap from the rest of the graph's.
 *
 * A LayerNormalization ends each block so that the activations keep their scale (numbers
 * shrinking towards subnormals would slow the kernels down and measure that instead).
 *
 * @module
 */
import { type OnnxBackend, openSession } from "../lib/backends.ts";
import type { GPT2Config } from "../lib/config.ts";
import { DType, OnnxGraph } from "../lib/export/onnx_graph.ts";
import type { ExportedModel } from "../lib/export/trace.ts";
import type { Tensor } from "../lib/tensor.ts";

/**
 * The graph of the weight products: input `x` `[1, 1, n_embd]`, output `logits` `[1, vocab]`.
 *
 * @param sd the model's weights (GPT-2 key names)
 * @param config its sizes
 * @param externalData whether the weights go as external data (views, not copies)
 * @returns the graph, ready for {@linkcode openSession}
 */
export function matmulGraph(
  sd: Record<string, Tensor>,
  config: GPT2Config,
  externalData: boolean,
): Pick<ExportedModel, "bytes" | "externalData"> {
  const C = config.n_embd;
  const g = new OnnxGraph();
  const weight = (name: string) => g.float(sd[name].contiguous().data, sd[name].shape, name);
  const ones = g.float(new Float32Array(C).fill(1), [C]);
  let x = "x";
  for (let l = 0; l < config.n_layer; l++) {
    const p = `h.${l}.`;
    const qkv = g.node("MatMul", [x, weight(`${p}attn.c_attn.weight`)]);
    const q = g.node("Slice", [qkv, g.int64([0]), g.int64([C]), g.int64([2])]);
    const attn = g.node("MatMul", [q, weight(`${p}attn.c_proj.weight`)]);
    const fc = g.node("MatMul", [attn, weight(`${p}mlp.c_fc.weight`)]);
    const mlp = g.node("MatMul", [fc, weight(`${p}mlp.c_proj.weight`)]);
    x = g.node("LayerNormalization", [mlp, ones], { axis: -1 });
  }
  const flat = g.node("Reshape", [x, g.int64([1, C])]);
  const logits = g.node("Gemm", [flat, weight("wte.weight")], { transB: 1 }, "logits");
  const inputs = [{ name: "x", type: DType.FLOAT, dims: [1, 1, C] }];
  const outputs = [{ name: logits, type: DType.FLOAT, dims: [1, config.vocab_size] }];
  if (!externalData) return { bytes: g.encode(inputs, outputs), externalData: [] };
  const { model, files } = g.encodeWithExternalData(inputs, outputs);
  return { bytes: model, externalData: files };
}

/**
 * Times {@linkcode matmulGraph} on a backend.
 *
 * @param sd the model's weights (GPT-2 key names)
 * @param config its sizes
 * @param backend where to run
 * @param threads threads for `wasm` and `native`
 * @param runs timed runs (after two warm-up runs)
 * @returns each timed run's milliseconds: one token's weight products
 */
export async function matmulCeiling(
  sd: Record<string, Tensor>,
  config: GPT2Config,
  backend: OnnxBackend,
  threads: number,
  runs = 16,
): Promise<number[]> {
  const graph = matmulGraph(sd, config, backend !== "native");
  const { api, session } = await openSession(graph, backend, threads);
  const C = config.n_embd;
  const x = new api.Tensor("float32", new Float32Array(C).fill(1), [1, 1, C]);
  const times: number[] = [];
  for (let r = -2; r < runs; r++) {
    const t = performance.now();
    const out = await session.run({ x });
    if (r >= 0) times.push(performance.now() - t);
    out.logits.dispose();
  }
  await session.release();
  return times;
}
