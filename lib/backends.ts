/**
 * Where a model runs when it generates: `webgpu` or `wasm` (the model exported to ONNX and run
 * by onnxruntime-web), `native` (the same export run by onnxruntime-node, opt-in), or `cpu` (the
 * library's eager ops). `auto` picks WebGPU when `navigator.gpu` offers a hardware adapter, else
 * WASM; a software ("fallback") adapter is far slower than WASM, so it is used only when forced
 * (`backend_choice.ts`, re-exported here).
 *
 * @module
 */
import "./wasm_location.ts"; // before onnxruntime-web
import * as ort from "onnxruntime-web/webgpu";
import type { GPT2Config } from "./config.ts";
import {
  type Backend,
  BackendError,
  chooseBackend,
  type GpuProbe,
  type OnnxBackend,
} from "./backend_choice.ts";
import {
  type CachedStep,
  exportCachedModel,
  type ExportedModel,
  ExportError,
  exportModel,
  type Forwardable,
  type KVCache,
} from "./export/trace.ts";
import { DType, OnnxGraph } from "./export/onnx_graph.ts";
import { loadNativeOrt, type OrtApi } from "./ort_native.ts";
import { type Runner, sessionAllLogits, sessionLogits, withCache } from "./session_runner.ts";
import { Tensor } from "./tensor.ts";
import { useWasmThreads } from "./wasm_threads.ts";
import { setKernelThreads } from "./kernels/threads.ts";

export * from "./backend_choice.ts";
export type { Runner };

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
  /**
   * Export every position's logits rather than the last one's, so that the runner has
   * {@linkcode Runner.allLogits} (without a cached step): one pass checks every next token of a
   * known sequence.
   */
  everyPosition?: boolean;
  /**
   * The session runs a handful of times (a check, not a conversation): onnxruntime does not
   * pack the weights for its matrix kernels first. On GPT-2 124M in WASM that saves about two
   * seconds of starting, more than the unpacked kernels cost a few passes.
   */
  shortLived?: boolean;
  /** What `navigator.gpu` offers, when the caller has asked already (`auto` asks otherwise). */
  gpu?: GpuProbe;
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
 * @param shortLived skip packing the weights (see {@linkcode RunnerOptions.shortLived};
 *   onnxruntime-web only)
 * @returns the session
 * @throws {BackendError} when the backend cannot start; the message says why
 */
export async function openSession(
  exported: { bytes: Uint8Array; externalData: { path: string; data: Uint8Array }[] },
  backend: OnnxBackend,
  threads = 1,
  shortLived = false,
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
      ...(shortLived ? { extra: { session: { disable_prepacking: "1" } } } : {}),
    });
    return { api, session, threads, notices };
  } catch (e) {
    const runtime = backend === "native" ? "onnxruntime-node" : `onnxruntime-web on ${backend}`;
    throw new BackendError(`Cannot start ${runtime}: ${(e as Error).message}`);
  }
}

/**
 * Starts onnxruntime-web's runtime on a backend ahead of any model, with a one-node graph: its
 * WebAssembly is compiled and initialised once per thread, about a second that a caller with a
 * model still to load can spend meanwhile (`session_thread.ts`).
 *
 * @param backend `wasm` or `webgpu`
 * @param threads threads for `wasm`
 * @throws {BackendError} when the backend cannot start
 */
export async function warmUp(backend: "wasm" | "webgpu", threads = 1): Promise<void> {
  const g = new OnnxGraph();
  const y = g.node("Identity", ["x"]);
  const io = (name: string) => ({ name, type: DType.FLOAT, dims: [1] });
  const open = await openSession(
    { bytes: g.encode([io("x")], [io(y)]), externalData: [] },
    backend,
    threads,
  );
  await open.session.release();
}

/**
 * A model made ready for a backend by {@linkcode prepareModel}: its graph exported for
 * onnxruntime, or a runner already (the eager CPU: chosen, or the model cannot be exported).
 */
export type PreparedModel = ExportedForBackend | { runner: Runner };

/** A model's graph exported for a backend of onnxruntime (plain data: it can go to a worker). */
export interface ExportedForBackend {
  /** Where it is to run. */
  backend: OnnxBackend;
  /** Notices for the user so far. */
  notices: string[];
  /** The graph and its weights. */
  exported: ExportedModel;
  /** Whether the graph takes and gives a KV cache (it was exported with a cached step). */
  cached: boolean;
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
  const prepared = await prepareModel(model, config, options);
  return "runner" in prepared ? prepared.runner : await sessionRunner(prepared, config, options);
}

/**
 * The first half of {@linkcode createRunner}: chooses the backend and exports the model (which
 * runs the model's own code once, to trace it), without starting onnxruntime. The session can
 * then start elsewhere, on another thread for instance, with {@linkcode sessionRunner}.
 *
 * @param model the model, weights loaded
 * @param config its sizes
 * @param options the backend, the cached step, the threads
 * @returns the exported graph and its backend, or the eager runner
 */
export async function prepareModel(
  model: Forwardable,
  config: GPT2Config,
  options: RunnerOptions = {},
): Promise<PreparedModel> {
  const { step, gpu } = options;
  const { backend, notices } = await chooseBackend(
    options.backend ?? "auto",
    gpu ? () => Promise.resolve(gpu) : undefined,
  );
  const eager = async () => ({
    runner: eagerRunner(model, notices, await setKernelThreads(options.threads ?? 1), step),
  });
  if (backend === "cpu") return await eager();
  try {
    // generation reads the last position only (teacher forcing every one); onnxruntime-web can
    // take the weights as external data shared with the model, onnxruntime-node only inside the
    // graph's bytes
    const exportOptions = {
      lastPosition: !options.everyPosition,
      externalData: backend !== "native",
    };
    const exported = step
      ? exportCachedModel(model, config, step, exportOptions)
      : exportModel(model, config, exportOptions);
    return { backend, notices, exported, cached: step !== undefined };
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    notices.push(`${e.message}\nFalling back to the eager CPU path.`);
    return await eager();
  }
}

/**
 * The second half of {@linkcode createRunner}: starts onnxruntime on an exported graph.
 *
 * @param prepared the graph and its backend, from {@linkcode prepareModel}
 * @param config the model's sizes
 * @param options the options given to {@linkcode prepareModel} (its step, if any, was traced
 *   into the graph already)
 * @returns the runner
 * @throws {BackendError} when the backend cannot start
 */
export async function sessionRunner(
  prepared: ExportedForBackend,
  config: GPT2Config,
  options: RunnerOptions = {},
): Promise<Runner> {
  const { backend, exported, cached } = prepared;
  const notices = [...prepared.notices];
  const open = await openSession(exported, backend, options.threads ?? 1, options.shortLived);
  notices.push(...open.notices);
  return {
    backend,
    notices,
    cached,
    threads: open.threads,
    nextLogits: sessionLogits(open.api, open.session, config, cached),
    ...(options.everyPosition && !cached
      ? { allLogits: sessionAllLogits(open.api, open.session) }
      : {}),
    close: () => open.session.release(),
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
    ...(step ? {} : {
      allLogits: (xs: readonly number[]) =>
        Promise.resolve(model.forward(ids(xs)).contiguous().data.slice()),
    }),
    close: () => Promise.resolve(),
  };
}
