/**
 * Where a model runs when it generates: `webgpu` or `wasm` (the model exported to ONNX and run
 * by onnxruntime-web), `native` (the same export run by onnxruntime-node, opt-in), or `cpu` (the
 * library's eager ops). `auto` picks WebGPU when `navigator.gpu` offers a hardware adapter, else
 * WASM; a software ("fallback") adapter is far slower than WASM, so it is used only when forced.
 *
 * @module
 */
import "./wasm_location.ts"; // before onnxruntime-web
import * as ort from "onnxruntime-web/webgpu";
import type { GPT2Config } from "./config.ts";
import {
  type CachedStep,
  cacheNames,
  exportCachedModel,
  type ExportedModel,
  ExportError,
  exportModel,
  type Forwardable,
  INPUT_IDS,
  type KVCache,
  LOGITS,
} from "./export/trace.ts";
import { loadNativeOrt, type OrtApi } from "./ort_native.ts";
import { Tensor } from "./tensor.ts";
import { withoutWaylandNoise } from "./wayland.ts";
import { useWasmThreads } from "./wasm_threads.ts";
import { setKernelThreads } from "./kernels/threads.ts";

/** The backends, in the order the tools list them. */
export const BACKENDS = ["webgpu", "wasm", "native", "cpu"] as const;

/** A backend that runs a model. */
export type Backend = typeof BACKENDS[number];

/** The backends that run an exported ONNX graph. */
export type OnnxBackend = Exclude<Backend, "cpu">;

/** Raised when a forced backend cannot start; the message says why. */
export class BackendError extends Error {
  /**
   * Creates the error.
   *
   * @param message why the backend cannot be used
   */
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

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
  /** Frees the session. */
  close(): Promise<void>;
}

/** What `navigator.gpu` offers here. */
export interface GpuProbe {
  /** No adapter at all, only a software (fallback) one, or a real GPU. */
  adapter: "none" | "software" | "hardware";
  /** Why WebGPU is not usable, or what the adapter is. */
  description: string;
}

/**
 * Asks `navigator.gpu` for an adapter.
 *
 * @returns the kind of adapter, and a description
 */
export async function probeGpu(): Promise<GpuProbe> {
  // `Navigator` is not a type in workers (`WorkerNavigator`): name only what is used
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return { adapter: "none", description: "navigator.gpu is not available here" };
  const adapter = await withoutWaylandNoise(() => gpu.requestAdapter().catch(() => null));
  if (!adapter) return { adapter: "none", description: "navigator.gpu offers no adapter" };
  const name = adapter.info.description || adapter.info.vendor || "unknown adapter";
  return adapter.info.isFallbackAdapter
    ? { adapter: "software", description: `only a software (fallback) adapter: ${name}` }
    : { adapter: "hardware", description: name };
}

/**
 * Resolves `auto` to a backend and checks that a forced one can start.
 *
 * @param requested `auto`, or a backend to force
 * @param probe how to look for a GPU (replaceable in tests)
 * @returns the backend and any notices
 * @throws {BackendError} when a forced `webgpu` has no adapter at all
 */
export async function chooseBackend(
  requested: Backend | "auto",
  probe: () => Promise<GpuProbe> = probeGpu,
): Promise<{ backend: Backend; notices: string[] }> {
  if (requested !== "auto" && requested !== "webgpu") return { backend: requested, notices: [] };
  const gpu = await probe();
  if (requested === "auto") {
    return gpu.adapter === "hardware"
      ? { backend: "webgpu", notices: [] }
      : { backend: "wasm", notices: [`WebGPU not used (${gpu.description}); running on WASM.`] };
  }
  if (gpu.adapter === "none") {
    throw new BackendError(`Cannot use --backend webgpu: ${gpu.description}`);
  }
  return {
    backend: "webgpu",
    notices: gpu.adapter === "hardware"
      ? []
      : [`WebGPU on ${gpu.description}: expect it to be much slower than WASM.`],
  };
}

/** Options of {@linkcode createRunner}. */
export interface RunnerOptions {
  /** The backend, or `auto` (the default). */
  backend?: Backend | "auto";
  /** The model's cached step (stage 6), to decode with a KV cache. */
  step?: CachedStep;
  /**
   * Threads (default 1) for `wasm`, `native` and the eager `cpu` kernels. More WASM threads
   * need Deno's
   * `--conditions onnxruntime-web-use-extern-wasm` (see `wasm_threads.ts`); onnxruntime-web
   * takes the count of a process's first session.
   */
  threads?: number;
}

/** An onnxruntime session ready to run, with the API that made it. */
export interface OpenSession {
  /** The onnxruntime API (web or node) whose tensors the session takes. */
  api: OrtApi;
  /** The session. */
  session: ort.InferenceSession;
  /** The threads it computes on. */
  threads: number;
  /** Notices for the user (fewer threads than asked for). */
  notices: string[];
}

let wasmOnly: Promise<typeof ort> | undefined;

/**
 * onnxruntime-web's WASM-only build, for WASM on one thread. The `/webgpu` build's WASM carries
 * the instrumentation WebGPU needs (asyncify), which makes it twice the size and slower to start
 * and to run: a stage of the grader that generates starts it in every sandboxed child, so this
 * is paid once per graded submission. Threaded WASM (`wasm_threads.ts`) keeps the `/webgpu`
 * build, whose workers it sets up.
 */
function wasmOnlyOrt(): Promise<typeof ort> {
  return wasmOnly ??= import("onnxruntime-web/wasm").then((m) => {
    m.env.wasm.numThreads = 1; // its default starts thread workers, which Deno cannot load
    return m;
  });
}

/**
 * Starts onnxruntime on a backend with an exported graph.
 *
 * @param exported the graph (its weights may be external data on `wasm`/`webgpu` only)
 * @param backend where to run it
 * @param threads threads for `wasm` and `native`
 * @returns the session
 * @throws {BackendError} when the backend cannot start; the message says why
 */
export async function openSession(
  exported: Pick<ExportedModel, "bytes" | "externalData">,
  backend: OnnxBackend,
  threads = 1,
): Promise<OpenSession> {
  const notices: string[] = [];
  try {
    if (backend === "native") {
      const api = await loadNativeOrt();
      const session = await api.InferenceSession.create(exported.bytes, {
        executionProviders: ["cpu"],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        logSeverityLevel: 3,
      });
      return { api, session, threads, notices };
    }
    if (backend === "wasm") {
      const wasm = useWasmThreads(threads);
      if (wasm.notice) notices.push(wasm.notice);
      threads = wasm.threads;
    } else threads = 1;
    const api = backend === "wasm" && threads === 1 ? await wasmOnlyOrt() : ort;
    api.env.logLevel = "error";
    const session = await api.InferenceSession.create(exported.bytes, {
      executionProviders: [backend],
      logSeverityLevel: 3,
      externalData: exported.externalData,
    });
    return { api, session, threads, notices };
  } catch (e) {
    const runtime = backend === "native" ? "onnxruntime-node" : `onnxruntime-web on ${backend}`;
    throw new BackendError(`Cannot start ${runtime}: ${(e as Error).message}`);
  }
}

/**
 * Prepares a model on a backend. On `webgpu`/`wasm`/`native` the model is exported to ONNX
 * first (with its KV cache when a `step` is given); a model that cannot be exported runs
 * eagerly on the CPU instead, with a notice saying why.
 *
 * @param model the model, weights loaded
 * @param config its sizes
 * @param options the backend, the cached step, the threads
 * @returns the runner
 * @throws {BackendError} when a forced backend cannot start
 */
export async function createRunner(
  model: Forwardable,
  config: GPT2Config,
  options: RunnerOptions = {},
): Promise<Runner> {
  const { step } = options;
  const { backend, notices } = await chooseBackend(options.backend ?? "auto");
  const eager = async () =>
    eagerRunner(model, notices, await setKernelThreads(options.threads ?? 1), step);
  if (backend === "cpu") return await eager();
  let exported: ExportedModel;
  try {
    // generation reads the last position only; onnxruntime-web can take the weights as
    // external data shared with the model, onnxruntime-node only inside the graph's bytes
    const exportOptions = { lastPosition: true, externalData: backend !== "native" };
    exported = step
      ? exportCachedModel(model, config, step, exportOptions)
      : exportModel(model, config, exportOptions);
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    notices.push(`${e.message}\nFalling back to the eager CPU path.`);
    return await eager();
  }
  const open = await openSession(exported, backend, options.threads ?? 1);
  notices.push(...open.notices);
  const { api, session } = open;
  const hs = config.n_embd / config.n_head;
  const emptyCache = () =>
    Array.from({ length: config.n_layer }, () => ({
      k: new api.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, hs]),
      v: new api.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, hs]),
    }));
  const run = async (ids: readonly number[], past: OrtCache | undefined) => {
    const feeds: Record<string, ort.Tensor> = {
      [INPUT_IDS]: new api.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
    };
    (past ?? []).forEach((kv, i) => {
      feeds[cacheNames(i).pastKey] = kv.k;
      feeds[cacheNames(i).pastValue] = kv.v;
    });
    const out = await session.run(feeds);
    const logits = out[LOGITS];
    const last = (await logits.getData() as Float32Array).slice();
    logits.dispose();
    past?.forEach((kv) => (kv.k.dispose(), kv.v.dispose()));
    const present = past?.map((_, i) => ({
      k: out[cacheNames(i).presentKey],
      v: out[cacheNames(i).presentValue],
    }));
    return { logits: last, present };
  };
  return {
    backend,
    notices,
    cached: step !== undefined,
    threads: open.threads,
    nextLogits: step
      ? withCache<OrtCache>((ids, past) => run(ids, past ?? emptyCache()))
      : async (ids) => (await run(ids, undefined)).logits,
    close: () => session.release(),
  };
}

type OrtCache = { k: ort.Tensor; v: ort.Tensor }[];

// Keeps the sequence the cache holds: a call that extends it runs only the new tokens.
function withCache<C>(
  run: (
    newIds: readonly number[],
    past: C | undefined,
  ) => Promise<{ logits: Float32Array; present?: C }>,
): (ids: readonly number[]) => Promise<Float32Array> {
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

function lastRow(logits: Tensor): Float32Array {
  return logits.select(1, -1).squeeze(0).contiguous().data.slice();
}

function eagerRunner(
  model: Forwardable,
  notices: string[],
  threads: number,
  step?: CachedStep,
): Runner {
  const ids = (xs: readonly number[]) => new Tensor(Float32Array.from(xs), [1, xs.length]);
  return {
    backend: "cpu",
    notices,
    cached: step !== undefined,
    threads,
    nextLogits: step
      ? withCache<KVCache[]>((newIds, past) => {
        const { logits, present } = step(ids(newIds), past);
        return Promise.resolve({ logits: lastRow(logits), present });
      })
      : (xs) => Promise.resolve(lastRow(model.forward(ids(xs)))),
    close: () => Promise.resolve(),
  };
}
