/**
 * The studio's probes: what the studio asks of the learner's code, run like the grader's probes
 * in the sandboxed child (`grader/child.ts` finds them here by stage number). They return plain
 * data; the studio's server never imports the learner's code.
 *
 * - stage 2, `similarities`: the learner's `Embedding`, loaded with `wte`, and their
 *   `cosineSimilarity` over a list of words;
 * - stage 3, `attention`: the attention weights of the learner's `CausalSelfAttention` (loaded
 *   with `h.0.attn`) on a given input;
 * - stage 5, `attention`: the attention weights of every layer of the learner's `GPT2`;
 * - stages 5 and 6, `export`: the learner's model exported to ONNX for the browser (stage 6: with
 *   its KV cache), its weights named by checkpoint key where they are the checkpoint's own.
 *
 * @module
 */
import type { CachedStep, Forwardable } from "../lib/export/trace.ts";
import { extract, type Module } from "../lib/module.ts";
import { Tensor } from "../lib/tensor.ts";
import { exported, loadedModule } from "../grader/probe_helpers.ts";
import { idsTensor } from "../grader/prompts.ts";
import type { Probe, ProbeEnv } from "../grader/stage.ts";
import { captureAttention } from "./attention_capture.ts";

type Layer = Module & { forward(x: Tensor): Tensor };
type Cosine = (a: Tensor, b: Tensor) => unknown;
type CachedForward = (
  model: Module,
  ids: Tensor,
  past: Parameters<CachedStep>[1],
  config: unknown,
) => ReturnType<CachedStep>;

/** One external weight file of an export: a checkpoint entry by key, or its bytes. */
export type ExternalFile =
  | {
    /** The name the graph gives the file. */
    path: string;
    /** The checkpoint key whose float32 values the file holds. */
    checkpoint: string;
  }
  | {
    /** The name the graph gives the file. */
    path: string;
    /** The bytes, base64 (a constant the model computed, not a checkpoint entry). */
    base64: string;
  };

/** What the `export` probe returns. */
export interface BrowserExport {
  /** The `.onnx` bytes without the large weights, base64. */
  graph: string;
  /** The large weights, as external data files. */
  external: ExternalFile[];
  /** Whether the graph has the KV cache's inputs and outputs (stage 6). */
  cached: boolean;
}

// A module's parameters and buffers.
function tensorsOf(m: Module): Tensor[] {
  return [...m.namedParameters(), ...m.namedBuffers()].map(([, t]) => t);
}

function similarities(
  learner: Record<string, unknown>,
  args: Record<string, unknown>,
  env: ProbeEnv,
) {
  const Embedding = exported<new (rows: number, dim: number) => Layer>(learner, "Embedding");
  const embedding = new Embedding(env.config.vocab_size, env.config.n_embd);
  embedding.loadStateDict(extract(env.weights(["wte."]), "wte."));
  const cosine = exported<Cosine>(learner, "cosineSimilarity");
  // a word of several tokens is the mean of their vectors
  const vectors = (args.words as number[][]).map((ids) =>
    embedding.forward(new Tensor(Float32Array.from(ids), [ids.length])).mean(0)
  );
  return vectors.map((a) => vectors.map((b) => cosine(a, b)));
}

function layerAttention(
  learner: Record<string, unknown>,
  args: Record<string, unknown>,
  env: ProbeEnv,
) {
  const attn = loadedModule<Layer>(learner, env, "CausalSelfAttention", "h.0.attn.");
  const x = args.x as Tensor;
  const options = { T: x.size(1), matrices: env.config.n_head, constants: tensorsOf(attn) };
  return captureAttention(() => attn.forward(x), options);
}

function modelAttention(
  learner: Record<string, unknown>,
  args: Record<string, unknown>,
  env: ProbeEnv,
) {
  const model = loadedModule<Forwardable>(learner, env, "GPT2", "");
  const ids = args.ids as number[];
  const { n_head, n_layer } = env.config;
  const options = { T: ids.length, matrices: n_head * n_layer, constants: tensorsOf(model) };
  return captureAttention(() => model.forward(idsTensor(ids)), options);
}

async function exportFor(
  model: Forwardable,
  env: ProbeEnv,
  step?: CachedStep,
): Promise<BrowserExport> {
  // imported here so that only this probe loads the exporter
  const { exportCachedModel, exportModel } = await import("../lib/export/trace.ts");
  const options = { lastPosition: true, externalData: true };
  const onnx = step
    ? exportCachedModel(model, env.config, step, options)
    : exportModel(model, env.config, options);
  const checkpoint = env.weights();
  const external = onnx.externalData.map((f): ExternalFile => {
    const entry = checkpoint[f.name];
    return entry && sameBytes(f.data, Tensor.rowMajor(entry))
      ? { path: f.path, checkpoint: f.name }
      : { path: f.path, base64: f.data.toBase64() };
  });
  return { graph: onnx.bytes.toBase64(), external, cached: step !== undefined };
}

function sameBytes(a: Uint8Array, b: Float32Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  const x = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (a[i] !== x[i]) return false;
  return true;
}

/** The studio's probes, by stage number. */
export const STUDIO_PROBES: Readonly<Record<number, Record<string, Probe>>> = {
  2: { similarities },
  3: { attention: layerAttention },
  5: {
    attention: modelAttention,
    export: (learner, _args, env) =>
      exportFor(loadedModule<Forwardable>(learner, env, "GPT2", ""), env),
  },
  6: {
    async export(learner, _args, env) {
      const stage5 = await env.learnerModule("5_gpt2.ts");
      const model = loadedModule<Forwardable>(stage5, env, "GPT2", "");
      const step = exported<CachedForward>(learner, "gpt2WithCache");
      return exportFor(model, env, (ids, past) => step(model, ids, past, env.config));
    },
  },
};
