/**
 * Where a model runs when it generates: `webgpu` or `wasm` (the model exported to ONNX and run
 * by onnxruntime-web), or `cpu` (the library's eager ops). `auto` picks WebGPU when
 * `navigator.gpu` offers a hardware adapter, else WASM; a software ("fallback") adapter is far
 * slower than WASM, so it is used only when forced.
 *
 * @module
 */
import * as ort from "onnxruntime-web/webgpu";
import type { GPT2Config } from "./config.ts";
import { ExportError, exportModel, type Forwardable, INPUT_IDS, LOGITS } from "./export/trace.ts";
import { Tensor } from "./tensor.ts";

/** A backend that runs a model. */
export type Backend = "webgpu" | "wasm" | "cpu";

/** Raised when a forced backend cannot start; the message says why. */
export class BackendError extends Error {
  /** @param message why the backend cannot be used */
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
  /**
   * The logits of the token after `ids`.
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
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { adapter: "none", description: "navigator.gpu is not available here" };
  const adapter = await gpu.requestAdapter().catch(() => null);
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
  if (requested === "cpu" || requested === "wasm") return { backend: requested, notices: [] };
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

/**
 * Prepares a model on a backend. On `webgpu`/`wasm` the model is exported to ONNX first; a
 * model that cannot be exported runs eagerly on the CPU instead, with a notice saying why.
 *
 * @param model the model, weights loaded
 * @param config its sizes
 * @param requested the backend, or `auto`
 * @returns the runner
 * @throws {BackendError} when a forced backend cannot start
 */
export async function createRunner(
  model: Forwardable,
  config: GPT2Config,
  requested: Backend | "auto",
): Promise<Runner> {
  const { backend, notices } = await chooseBackend(requested);
  if (backend === "cpu") return eagerRunner(model, notices);
  let bytes: Uint8Array;
  try {
    bytes = exportModel(model, config).bytes;
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    notices.push(`${e.message}\nFalling back to the eager CPU path.`);
    return eagerRunner(model, notices);
  }
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = "error";
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      logSeverityLevel: 3,
    });
  } catch (e) {
    throw new BackendError(`Cannot start onnxruntime-web on ${backend}: ${(e as Error).message}`);
  }
  const vocab = config.vocab_size;
  return {
    backend,
    notices,
    async nextLogits(ids) {
      const input = new ort.Tensor("int64", BigInt64Array.from(ids, (i) => BigInt(i)), [
        1,
        ids.length,
      ]);
      const out = await session.run({ [INPUT_IDS]: input });
      const logits = out[LOGITS];
      const all = await logits.getData() as Float32Array;
      const last = all.slice((ids.length - 1) * vocab, ids.length * vocab);
      logits.dispose();
      return last;
    },
    close: () => session.release(),
  };
}

function eagerRunner(model: Forwardable, notices: string[]): Runner {
  return {
    backend: "cpu",
    notices,
    nextLogits(ids) {
      const logits = model.forward(new Tensor(Float32Array.from(ids), [1, ids.length]));
      return Promise.resolve(logits.select(1, -1).squeeze(0).contiguous().data.slice());
    },
    close: () => Promise.resolve(),
  };
}
