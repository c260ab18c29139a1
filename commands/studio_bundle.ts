/**
 * Maintainer tool: rebuilds the studio's page script, `studio/assets/studio.js`, from the
 * TypeScript of `studio/browser/` with `deno bundle`. Run it whenever that code (or the part of
 * the library it uses) changes.
 *
 * ```
 * deno task studio-bundle           # write studio/assets/studio.js
 * deno task studio-bundle --check   # exit 1 when it is out of date
 * ```
 *
 * @module
 */
import { relative } from "../lib/paths.ts";
import { BUNDLE_PATH, bundleBrowserCode } from "../studio/bundle.ts";
import { checkOrWrite, runTool } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task studio-bundle [--check]

Bundles studio/browser/ into studio/assets/studio.js, the studio's page script.

Options:
  --check   write nothing; exit 1 when studio/assets/studio.js is out of date
  --help    this text`;

async function main(): Promise<number> {
  const mode = checkOrWrite(Deno.args, USAGE);
  if (mode === undefined) return 0;
  const bundle = await bundleBrowserCode();
  const current = await Deno.readTextFile(BUNDLE_PATH).catch(() => "");
  if (mode === "check") {
    if (current === bundle) return 0;
    console.error(`${relative(BUNDLE_PATH)} is out of date: run \`deno task studio-bundle\`.`);
    return 1;
  }
  if (current !== bundle) await writeFileAtomic(BUNDLE_PATH, bundle);
  console.log(`${relative(BUNDLE_PATH)}: ${current === bundle ? "up to date" : "written"}.`);
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
