/**
 * Running an exported GPT-2 graph (see `export/trace.ts`) on an onnxruntime session: the ids
 * in, the last position's logits out, and with a cached graph the KV cache carried from one
 * call to the next. Shared by the runners of `deno task generate` (onnxruntime-web or -node in
 * Deno) and the studio's page (onnxruntime-web in the browser).
 *
 * @module
 */
import type * as ort from "onnxruntime-web/webgpu";
import type { Backend } from "./backend_choice.ts";
import type { GPT2Config } from "./config.ts";
import { cacheNames, INPUT_IDS, LOGITS } from "./export/names.ts";
import type { OrtApi } from "./ort_native.ts";

/** A model ready to run: ids in, the last position's logits out. */
export interface Runner {
  /** The backend in use. */
  backend: Backend;
  /** Notices for the user (a fallback, a slow adapter). */
  notices: string[];
  /** Whether it decodes with a KV cache (stage 6), feeding only the new tokens. */
  cached: boolean;
  /** The threads it computes on. */
  threads: number;
  /**
   * The logits of the token after `ids`. With a cache, when `ids` extends the previous call's
   * sequence only the new tokens are run; otherwise the cache starts again from `ids`.
   *
   * @param ids the sequence so far (at most n_positions long)
   * @returns `[vocab]` logits of the last position
   */
  nextLogits(ids: readonly number[]): Promise<Float32Array>;
  /**
   * Every position's logits of `ids` from one pass, flat `[ids.length * vocab]`: present when the
   * runner has them (a graph exported with every position, or the eager model without a cache).
   */
  allLogits?: AllLogits;
  /** Frees the session. */
  close(): Promise<void>;
}

/** The logits of the token after `ids`. */
export type NextLogits = (ids: readonly number[]) => Promise<Float32Array>;

/** Every position's logits of `ids`, flat `[ids.length * vocab]`. */
export type AllLogits = (ids: readonly number[]) => Promise<Float32Array>;

type OrtCache = { k: ort.Tensor; v: ort.Tensor }[];

/**
 * The next-token logits of an exported graph, run on a session.
 *
 * @param api the onnxruntime API (web or node) whose tensors the session takes
 * @param session the session of the graph
 * @param config the model's sizes
 * @param cached whether the graph has the KV cache's inputs and outputs: then a call whose ids
 *   extend the previous call's runs only the new tokens
 * @returns the function
 */
export function sessionLogits(
  api: OrtApi,
  session: ort.InferenceSession,
  config: Pick<GPT2Config, "n_layer" | "n_head" | "n_embd">,
  cached: boolean,
): NextLogits {
  const hs = config.n_embd / config.n_head;
  const emptyCache = () =>
    Array.from({ length: config.n_layer }, () => ({
      k: new api.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, hs]),
      v: new api.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, hs]),
    }));
  const run = async (ids: readonly number[], past: OrtCache | undefined) => {
    const feeds = idsFeeds(api, ids);
    (past ?? []).forEach((kv, i) => {
      feeds[cacheNames(i).pastKey] = kv.k;
      feeds[cacheNames(i).pastValue] = kv.v;
    });
    const out = await session.run(feeds);
    const logits = out[LOGITS];
    const data = await logits.getData() as Float32Array;
    // the last position's row (a graph exported with every position has them all)
    const last = data.slice(data.length - logits.dims[logits.dims.length - 1]);
    logits.dispose();
    past?.forEach((kv) => (kv.k.dispose(), kv.v.dispose()));
    const present = past?.map((_, i) => ({
      k: out[cacheNames(i).presentKey],
      v: out[cacheNames(i).presentValue],
    }));
    return { logits: last, present };
  };
  return cached
    ? withCache<OrtCache>((ids, past) => run(ids, past ?? emptyCache()))
    : async (ids) => (await run(ids, undefined)).logits;
}

/**
 * Every position's logits of an exported graph without a cache, run on a session.
 *
 * @param api the onnxruntime API (web or node) whose tensors the session takes
 * @param session the session of a graph exported with every position's logits
 * @returns the function
 */
export function sessionAllLogits(api: OrtApi, session: ort.InferenceSession): AllLogits {
  return async (ids) => {
    const logits = (await session.run(idsFeeds(api, ids)))[LOGITS];
    const data = (await logits.getData() as Float32Array).slice();
    logits.dispose();
    return data;
  };
}

/** The graph's `input_ids` feed: `[1, ids.length]` int64. */
function idsFeeds(api: OrtApi, ids: readonly number[]): Record<string, ort.Tensor> {
  return {
    [INPUT_IDS]: new api.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
  };
}

/**
 * Keeps the sequence a cache holds: a call whose ids extend it runs only the new tokens (with
 * the cache), any other starts again from all of its ids (without).
 *
 * @param run one step: the new ids and the cache of the earlier ones (undefined at the start)
 *   in, the logits and the grown cache out
 * @returns the next-token logits of a whole sequence
 */
export function withCache<C>(
  run: (
    newIds: readonly number[],
    past: C | undefined,
  ) => Promise<{ logits: Float32Array; present?: C }>,
): NextLogits {
  let seen: number[] = [];
  let cache: C | undefined;
  return async (ids) => {
    const extends_ = cache !== undefined && ids.length > seen.length &&
      seen.every((id, i) => ids[i] === id);
    const { logits, present } = extends_
      ? await run(ids.slice(seen.length), cache)
      : await run(ids, undefined);
    cache = present;
    seen = [...ids];
    return logits;
  };
}
