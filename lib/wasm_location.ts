/**
 * Gives Deno a `location` whose origin is `file://` (when it has none), before
 * onnxruntime-web loads: onnxruntime-web reads `location.origin` once, as it loads, to decide
 * whether it may import its thread workers from `file:` URLs (see `wasm_threads.ts`).
 * Import it before `onnxruntime-web`.
 *
 * @module
 */
if (typeof (globalThis as { location?: unknown }).location === "undefined") {
  Object.defineProperty(globalThis, "location", {
    configurable: true,
    value: Object.freeze({ origin: "file://", href: "file:///" }),
  });
}
