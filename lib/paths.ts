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

/**
 * A path relative to the current directory when it is inside it, for messages.
 *
 * @param path an absolute path
 * @returns the shorter form
 * @example
 * ```ts
 * import { relative } from "./paths.ts";
 * relative(`${Deno.cwd()}/data/tiny/config.json`); // "data/tiny/config.json"
 * ```
 */
export function relative(path: string): string {
  const cwd = Deno.cwd().replace(/\/?$/, "/");
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}
