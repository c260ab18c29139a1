/**
 * Export by tracing: runs a model's `forward` once on a dummy sequence while every tensor op
 * it performs is recorded (see `trace_hook.ts` and `tracer.ts`), and turns the record into an
 * ONNX graph whose weights are the model's parameters and whose sequence length is dynamic.
 *
 * How one graph serves every length: the trace runs at a length `T` chosen so that no size of
 * the model is a multiple of it. Any size the forward pass computes that equals `T` (a
 * reshape's `T`, `arange(T)`, the mask's `[:T, :T]`) is then known to be the sequence length
 * and is exported as `Shape(input_ids)[1]`, computed when the graph runs; a reshape size that
 * is a multiple of `T` becomes `-1`. Bounds written negative (`x[:, -1]`) stay relative to the
 * end. A model with a KV cache (stage 6) is traced with a past of another distinctive length
 * `P`: sizes equal to `P` or `P + T` become the cache's length read from `past_key_0`, and
 * their sum.
 *
 * What cannot be traced — code that reads a tensor's numbers (`.data`, `.item()`,
 * `.toNested()`) and computes with plain JavaScript — fails with {@linkcode ExportError}
 * naming the op and the caller's line.
 *
 * @module
 */
import type { GPT2Config } from "../config.ts";
import type { Module } from "../module.ts";
import { Tensor } from "../tensor.ts";
import { withRecorder } from "../trace_hook.ts";
import { DType, type ExternalFile } from "./onnx_graph.ts";
import { cacheNames, INPUT_IDS, LOGITS } from "./names.ts";
import { ExportError, type SizeSymbol, Tracer } from "./tracer.ts";

export { cacheNames, ExportError, INPUT_IDS, LOGITS };

/** A model the exporter can trace: ids `[B, T]` in, logits `[B, T, V]` out. */
export type Forwardable = Module & { forward(ids: Tensor): Tensor };

/** One layer's KV cache: keys and values `[B, nh, P, hs]`. */
export interface KVCache {
  /** Keys. */
  k: Tensor;
  /** Values. */
  v: Tensor;
}

/**
 * One step of a model with a KV cache (stage 6): the new tokens and the caches of the earlier
 * ones in, their logits and the grown caches out.
 */
export type CachedStep = (
  ids: Tensor,
  past: KVCache[] | undefined,
) => { logits: Tensor; present: KVCache[] };

/** The result of an export. */
export interface ExportedModel {
  /** The `.onnx` bytes. */
  bytes: Uint8Array;
  /**
   * With {@linkcode ExportOptions.externalData}, the weights as external files (views of the
   * model's tensors), for onnxruntime's `externalData` session option; else empty.
   */
  externalData: ExternalFile[];
  /** The sequence length the trace ran at. */
  traceLength: number;
  /** Number of ONNX nodes after pruning. */
  nodes: number;
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n > 1;
}

function modelSizes(config: GPT2Config): number[] {
  const C = config.n_embd;
  return [
    C,
    config.n_head,
    C / config.n_head,
    2 * C,
    3 * C,
    4 * C,
    config.vocab_size,
    config.n_positions,
    config.n_layer,
  ];
}

/**
 * A trace length no size of the model is a multiple of (a prime from 5 up).
 *
 * @param config the model's sizes
 * @returns the length
 */
export function chooseTraceLength(config: GPT2Config): number {
  const sizes = modelSizes(config);
  for (let p = 5; p <= config.n_positions; p++) {
    if (isPrime(p) && sizes.every((s) => s % p !== 0)) return p;
  }
  throw new ExportError(`No trace length fits n_positions ${config.n_positions}`);
}

/**
 * Lengths for tracing a cached step: new tokens `T` (as {@linkcode chooseTraceLength}) and a
 * past `P` such that `P` and `P + T` equal no size of the model either.
 *
 * @param config the model's sizes
 * @returns `T` and `P`
 */
export function chooseCachedTraceSizes(config: GPT2Config): { T: number; P: number } {
  const T = chooseTraceLength(config);
  const sizes = new Set(modelSizes(config));
  for (let P = T + 1; P + T <= config.n_positions; P++) {
    if (isPrime(P) && !sizes.has(P) && !sizes.has(P + T)) return { T, P };
  }
  throw new ExportError(`No cached trace lengths fit n_positions ${config.n_positions}`);
}

/** Options of an export. */
export interface ExportOptions {
  /**
   * Output only the last position's logits `[1, 1, vocab]` — all that generation needs — and
   * compute only that row of the LM head.
   */
  lastPosition?: boolean;
  /**
   * Keep the large weights out of the `.onnx` bytes, as external data that shares the model's
   * memory: onnxruntime then holds one copy of them instead of two (the 124M model needs about
   * 1.5 GB less).
   */
  externalData?: boolean;
}

function logitsDims(config: GPT2Config, options: ExportOptions): (number | string)[] {
  return [1, options.lastPosition ? 1 : "sequence", config.vocab_size];
}

interface GraphIO {
  name: string;
  type: number;
  dims: (number | string)[];
}

function trace(
  model: Module,
  symbols: SizeSymbol[],
  inputs: { tensor: Tensor; io: GraphIO }[],
  outputs: GraphIO[],
  run: () => Record<string, unknown>,
  what: string,
  options: ExportOptions,
): ExportedModel {
  const tracer = new Tracer(model, symbols);
  for (const i of inputs) tracer.bindInput(i.tensor, i.io.name, i.io.type);
  const result = withRecorder(tracer, run);
  for (const o of outputs) {
    tracer.bindOutput(result[o.name], o.name, what, !!options.lastPosition && o.name === LOGITS);
  }
  tracer.graph.prune(outputs.map((o) => o.name));
  const ins = inputs.map((i) => i.io);
  const encoded = options.externalData
    ? tracer.graph.encodeWithExternalData(ins, outputs)
    : { model: tracer.graph.encode(ins, outputs), files: [] };
  return {
    bytes: encoded.model,
    externalData: encoded.files,
    traceLength: symbols[0].value,
    nodes: tracer.graph.size,
  };
}

/**
 * Exports a model to ONNX by tracing its forward pass: input `input_ids` int64
 * `[1, sequence]`, output `logits` `[1, sequence, vocab]`.
 *
 * @param model the model (weights loaded)
 * @param config its sizes
 * @param options what to output
 * @returns the ONNX bytes and facts about the trace
 * @throws {ExportError} when the forward pass does something a graph cannot express
 * @example
 * ```ts ignore
 * const { bytes } = exportModel(model, config);
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export function exportModel(
  model: Forwardable,
  config: GPT2Config,
  options: ExportOptions = {},
): ExportedModel {
  const T = chooseTraceLength(config);
  const ids = Tensor.zeros([1, T]);
  return trace(
    model,
    [{ value: T, input: INPUT_IDS, axis: 1 }],
    [{ tensor: ids, io: { name: INPUT_IDS, type: DType.INT64, dims: [1, "sequence"] } }],
    [{ name: LOGITS, type: DType.FLOAT, dims: logitsDims(config, options) }],
    () => ({ [LOGITS]: model.forward(ids) }),
    "forward(ids)",
    options,
  );
}

/**
 * Exports one cached step of a model (stage 6): inputs `input_ids` `[1, sequence]` and, per
 * layer, `past_key_i` / `past_value_i` `[1, n_head, past, head_size]` (empty at the start);
 * outputs `logits` and `present_key_i` / `present_value_i` `[1, n_head, past + sequence,
 * head_size]`. One graph serves the prefill (the whole prompt, empty past) and every decode
 * step (one token).
 *
 * @param model the model (weights loaded)
 * @param config its sizes
 * @param step the cached forward of the model
 * @param options what to output
 * @returns the ONNX bytes and facts about the trace
 * @throws {ExportError} when the step does something a graph cannot express
 */
export function exportCachedModel(
  model: Module,
  config: GPT2Config,
  step: CachedStep,
  options: ExportOptions = {},
): ExportedModel {
  const { T, P } = chooseCachedTraceSizes(config);
  const hs = config.n_embd / config.n_head;
  const ids = Tensor.zeros([1, T]);
  const past = Array.from({ length: config.n_layer }, () => ({
    k: Tensor.zeros([1, config.n_head, P, hs]),
    v: Tensor.zeros([1, config.n_head, P, hs]),
  }));
  const cacheDims = (len: string) => [1, config.n_head, len, hs];
  const inputs: { tensor: Tensor; io: GraphIO }[] = [{
    tensor: ids,
    io: { name: INPUT_IDS, type: DType.INT64, dims: [1, "sequence"] },
  }];
  const outputs: GraphIO[] = [
    { name: LOGITS, type: DType.FLOAT, dims: logitsDims(config, options) },
  ];
  past.forEach((kv, i) => {
    const n = cacheNames(i);
    inputs.push(
      { tensor: kv.k, io: { name: n.pastKey, type: DType.FLOAT, dims: cacheDims("past") } },
      { tensor: kv.v, io: { name: n.pastValue, type: DType.FLOAT, dims: cacheDims("past") } },
    );
    outputs.push(
      { name: n.presentKey, type: DType.FLOAT, dims: cacheDims("total") },
      { name: n.presentValue, type: DType.FLOAT, dims: cacheDims("total") },
    );
  });
  return trace(
    model,
    [
      { value: T, input: INPUT_IDS, axis: 1 },
      { value: P, input: cacheNames(0).pastKey, axis: 2 },
      { value: P + T, sum: [P, T] },
    ],
    inputs,
    outputs,
    () => {
      const { logits, present } = step(ids, past);
      const out: Record<string, unknown> = { [LOGITS]: logits };
      present.forEach((kv, i) => {
        out[cacheNames(i).presentKey] = kv?.k;
        out[cacheNames(i).presentValue] = kv?.v;
      });
      return out;
    },
    "the cached step",
    options,
  );
}
