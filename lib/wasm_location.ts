/**
 * Gives Deno a `location` whose origin is `file://` before onnxruntime-web loads, where it has
 * none (the main thread) or where it is `"null"` (a worker started from a `file:` URL).
 * onnxruntime-web reads `location.origin` once, as it loads: to decide whether it may import its
 * thread workers from `file:` URLs (see `wasm_threads.ts`), and in a worker as the base URL of
 * its own script (`"null"` is not a URL, and loading fails). Import it before `onnxruntime-web`.
 *
 * @module
 */
const place = (globalThis as { location?: { origin: string; href: string } }).location;
if (place === undefined || place.origin === "null") {
  Object.defineProperty(globalThis, "location", {
    configurable: true,
    value: Object.freeze({ origin: "file://", href: place?.href ?? "file:///" }),
  });
}
