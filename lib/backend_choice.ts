/**
 * Which backend runs a model: `auto` picks WebGPU when `navigator.gpu` offers a hardware
 * adapter, else WASM; a software ("fallback") adapter is far slower than WASM, so it is used
 * only when forced. Shared by `deno task generate` and the studio's page (it reads nothing but
 * `navigator.gpu`, and keeps the GPU driver quiet where `Deno` is there to ask).
 *
 * @module
 */
import { withoutWaylandNoise } from "./wayland.ts";

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
