/**
 * Where the kit's files are, resolved from this module so that commands work from any
 * working directory.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The kit's root directory (the one holding `deno.json`), with a trailing slash. */
export const KIT_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/**
 * A path inside the kit.
 *
 * @param parts path segments below the root, e.g. `"data", "tiny", "config.json"`
 * @returns the absolute path
 * @example
 * ```ts
 * import { kitPath } from "./paths.ts";
 * kitPath("data", "tokenizer", "vocab.json");
 * ```
 */
export function kitPath(...parts: string[]): string {
  return KIT_ROOT + parts.join("/");
}
