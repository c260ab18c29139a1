/**
 * The studio's page script, `studio/assets/studio.js`: the TypeScript of `studio/browser/` (and
 * the parts of the library it uses) bundled for the browser by `deno bundle`, which Deno ships.
 * The bundle is committed, so that the studio starts at once and works offline; `deno task
 * studio-bundle` rebuilds it, and a test fails when it is out of date.
 *
 * @module
 */
import { KIT_ROOT, kitPath } from "../lib/paths.ts";

/** Where the bundle lives. */
export const BUNDLE_PATH: string = kitPath("studio", "assets", "studio.js");

/** The entry point of the page's code. */
const ENTRY = "studio/browser/main.ts";

const HEADER = "// Built by `deno task studio-bundle` from studio/browser/: do not edit.\n";

/**
 * Bundles the page's code.
 *
 * @returns the bundle's text
 * @throws {Error} with `deno bundle`'s message when it fails
 */
export async function bundleBrowserCode(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--format", "esm", ENTRY],
    cwd: KIT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) throw new Error(`deno bundle failed: ${text(out.stderr).trim()}`);
  return HEADER + text(out.stdout);
}
