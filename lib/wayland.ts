/**
 * Keeping the GPU driver quiet on Linux without a desktop session (a container, a CI runner):
 * its Wayland client library prints "error: XDG_RUNTIME_DIR is invalid or not set" twice when
 * that variable is missing. There is no Wayland display to reach either way.
 *
 * @module
 */

/** An `XDG_RUNTIME_DIR` that names no folder: no Wayland display to look for. */
export const NO_WAYLAND = "/nonexistent/gpt2-kit-no-wayland";

/**
 * Runs `fn` (which looks for a GPU) so that, on Linux with no `XDG_RUNTIME_DIR` (a container, a
 * CI runner), the Wayland client library inside the WebGPU driver does not print
 * "error: XDG_RUNTIME_DIR is invalid or not set" twice: there is no Wayland display to reach
 * either way, so the variable names a folder that does not exist while `fn` runs, and is removed
 * again afterwards. Without permission to set it, `fn` just runs.
 *
 * @param fn the GPU lookup
 * @returns what `fn` returns
 */
export async function withoutWaylandNoise<T>(fn: () => Promise<T>): Promise<T> {
  let set = false;
  try {
    if (Deno.build.os === "linux" && Deno.env.get("XDG_RUNTIME_DIR") === undefined) {
      Deno.env.set("XDG_RUNTIME_DIR", NO_WAYLAND);
      set = true;
    }
  } catch {
    // no --allow-env for it: the driver may print its note, nothing else changes
  }
  try {
    return await fn();
  } finally {
    if (set) Deno.env.delete("XDG_RUNTIME_DIR");
  }
}
