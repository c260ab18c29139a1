/**
 * Multi-threaded WASM for onnxruntime-web inside Deno.
 *
 * onnxruntime-web runs its WASM build on several threads (Web Workers sharing memory), which
 * about doubles prefill and speeds up decoding on two cores. Out of the box this fails in Deno:
 * the package's default (bundled) build loads its thread workers from `blob:` URLs, which Deno
 * cannot import. What works, measured here:
 *
 * - run Deno with `--conditions onnxruntime-web-use-extern-wasm`, which selects the build that
 *   imports its worker script from a `file:` URL next to it;
 * - make onnxruntime-web see that URL as same-origin (it compares `location.origin` with the
 *   URL's origin, and a `file:` URL's origin is opaque): a `location` with origin `file://`
 *   (`wasm_location.ts`, before onnxruntime-web loads) and `file:` URLs reporting that origin;
 * - hand it the `.wasm` bytes (`env.wasm.wasmBinary`), which its workers cannot fetch.
 *
 * The second step changes `URL.prototype.origin` for `file:` URLs in the whole process, so it
 * is applied only when more than one thread is asked for. onnxruntime-web sets its thread count
 * once per process, at its first session.
 *
 * @module
 */
import "./wasm_location.ts"; // before onnxruntime-web
import * as ort from "onnxruntime-web/webgpu";

/** What {@linkcode useWasmThreads} could arrange. */
export interface WasmThreads {
  /** The threads onnxruntime-web will use. */
  threads: number;
  /** Why fewer threads than asked for, if so. */
  notice?: string;
}

let shimmed = false;

function shimFileOrigin(): void {
  if (shimmed) return;
  shimmed = true;
  const origin = Object.getOwnPropertyDescriptor(URL.prototype, "origin")!;
  Object.defineProperty(URL.prototype, "origin", {
    configurable: true,
    get(this: URL) {
      return this.protocol === "file:" ? "file://" : origin.get!.call(this);
    },
  });
}

let first: { requested: number; result: WasmThreads } | undefined;

/**
 * Sets the number of WASM threads for the process's onnxruntime-web sessions. The first call
 * settles it (onnxruntime-web starts its threads once): a later call asking for another count
 * gets the settled one, with a notice.
 *
 * @param requested the threads wanted (1: the portable default, nothing is changed)
 * @returns the threads that will be used and, when not those asked for, why
 */
export function useWasmThreads(requested: number): WasmThreads {
  requested = Math.max(1, requested);
  first ??= { requested, result: startThreads(requested) };
  const { threads } = first.result;
  if (requested === first.requested) return first.result;
  if (requested === threads) return { threads };
  return {
    threads,
    notice: `onnxruntime-web already runs on ${threads} WASM thread(s) in this process (it ` +
      `sets the count once); running on ${threads}.`,
  };
}

function startThreads(requested: number): WasmThreads {
  ort.env.wasm.numThreads = 1;
  if (requested <= 1) return { threads: 1 };
  const entry = import.meta.resolve("onnxruntime-web/webgpu");
  if (entry.includes(".bundle.")) {
    return {
      threads: 1,
      notice: `WASM threads need Deno's --conditions onnxruntime-web-use-extern-wasm (the ` +
        `deno tasks pass it); running on 1 thread.`,
    };
  }
  if (typeof SharedArrayBuffer === "undefined") {
    return { threads: 1, notice: "No SharedArrayBuffer here: running WASM on 1 thread." };
  }
  shimFileOrigin();
  ort.env.wasm.wasmBinary = Deno.readFileSync(
    new URL("ort-wasm-simd-threaded.asyncify.wasm", entry),
  );
  ort.env.wasm.numThreads = requested;
  return { threads: requested };
}
