/**
 * The `native` backend's runtime: onnxruntime-node, onnxruntime's native CPU build, loaded into
 * Deno as a Node-API addon. It is optional and never chosen by `auto`: WASM is the portable
 * default, and native is worth it where it measurably beats WASM (prefill, and decoding on more
 * than one thread; see the README's performance section).
 *
 * Loading it needs Deno's `--allow-ffi` (for the addon). The package is pinned in `deno.json`, so
 * Deno installs it with the kit's other npm packages.
 *
 * @module
 */
import type * as ort from "onnxruntime-web/webgpu";

/** The parts of an onnxruntime JavaScript API the runners use (shared by web and node). */
export interface OrtApi {
  /** Sessions. */
  InferenceSession: typeof ort.InferenceSession;
  /** Tensors. */
  Tensor: typeof ort.Tensor;
}

let loaded: Promise<OrtApi> | undefined;

/**
 * Loads onnxruntime-node once per process.
 *
 * @returns its API
 * @throws {Error} when it cannot load; the message says why and what to do
 */
export function loadNativeOrt(): Promise<OrtApi> {
  loaded ??= import("onnxruntime-node").then(
    (m) => m as unknown as OrtApi,
    (e: Error) => {
      loaded = undefined;
      const ffi = e.name === "NotCapable" || /--allow-ffi/.test(e.message);
      throw new Error(
        ffi
          ? "onnxruntime-node is a native addon: run Deno with --allow-ffi (the tasks do)."
          : `onnxruntime-node did not load (${e.message.split("\n")[0]}).`,
      );
    },
  );
  return loaded;
}
