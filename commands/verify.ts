/**
 * `deno task verify`: checks that a submission left the kit alone — the grader, the library,
 * the commands, the tokenizer, the tiny and English models, the reference data, `deno.json`,
 * `deno.lock` and the CI files — by comparing each file's sha256 with the manifest
 * `grader/integrity.json` of the copy of the kit that runs the command. `exercises/` is not
 * checked: that is where students work.
 *
 * ```
 * deno task verify [DIR]      # compare DIR (default: this kit) with grader/integrity.json
 * deno task verify --update   # rewrite grader/integrity.json from this kit's files
 * ```
 *
 * Run it from the instructor's own copy with the student's checkout as DIR: a submission can
 * change its own manifest and its own copy of this tool, not the instructor's. For a DIR, it
 * also names every symbolic link or other non-regular file in it and anything under
 * `node_modules/` or `data/gpt2/` (see {@linkcode submissionProblems}). Exit code 0 when
 * nothing is wrong, 1 naming each file added, changed or removed and each problem, 2 for bad
 * arguments.
 *
 * @module
 */
import { KIT_ROOT } from "../lib/paths.ts";
import { absolute } from "../grader/context.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";
import { sha256File } from "./_files.ts";

const USAGE = `Usage: deno task verify [DIR] [--update]

Compares the kit's files in DIR (default: this kit) — grader, library, commands, data,
deno.json, deno.lock, CI files; not exercises/ — with the sha256 hashes in this kit's
grader/integrity.json, and names each file added, changed or removed. For a DIR, also names
each symbolic link or non-regular file in it, and any node_modules/ or data/gpt2/.

Options:
  --update   rewrite grader/integrity.json from this kit's files (after changing them)
  --help     this text`;

/** The manifest, relative to a kit's root. */
export const INTEGRITY_FILE = "grader/integrity.json";

/** What the manifest covers, relative to a kit's root: files, and folders with all inside. */
export const INTEGRITY_SCOPE: readonly string[] = [
  "mod.ts",
  "deno.json",
  "deno.lock",
  "compat",
  "lib",
  "grader",
  "commands",
  "studio",
  "pytorch",
  "data/tokenizer",
  "data/tiny",
  "data/english",
  "data/reference",
  ".github",
  ".ci",
];

/** sha256 (hex) by path relative to the kit's root, sorted by path. */
export type Hashes = Record<string, string>;

async function walk(root: string, rel: string, out: Hashes): Promise<void> {
  let info;
  try {
    info = await Deno.lstat(`${root}/${rel}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (info.isSymlink) {
    out[rel] = `symlink to ${await Deno.readLink(`${root}/${rel}`)}`;
  } else if (info.isDirectory) {
    for await (const entry of Deno.readDir(`${root}/${rel}`)) {
      // packages Deno installs are not the kit's files (a submission's are named apart)
      if (entry.name === "node_modules") continue;
      await walk(root, `${rel}/${entry.name}`, out);
    }
  } else if (rel !== INTEGRITY_FILE) {
    out[rel] = await sha256File(`${root}/${rel}`);
  }
}

/**
 * Hashes the files a kit's manifest covers.
 *
 * @param root the kit's root directory
 * @returns sha256 by relative path, sorted (a symbolic link is recorded as its target)
 * @example
 * ```ts
 * import { kitHashes } from "./verify.ts";
 * import { KIT_ROOT } from "../lib/paths.ts";
 * (await kitHashes(KIT_ROOT))["deno.json"].length; // 64
 * ```
 */
export async function kitHashes(root: string): Promise<Hashes> {
  const out: Hashes = {};
  for (const rel of INTEGRITY_SCOPE) await walk(root.replace(/\/$/, ""), rel, out);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The files that differ between a manifest and a kit, in path order.
 *
 * @param manifest the expected hashes
 * @param found the kit's hashes
 * @returns one line per file: `changed: …`, `added: …` or `removed: …`
 * @example
 * ```ts
 * import { hashDifferences } from "./verify.ts";
 * hashDifferences({ a: "1", b: "2" }, { a: "1", b: "3", c: "4" });
 * // ["changed: b", "added: c"]
 * ```
 */
export function hashDifferences(manifest: Hashes, found: Hashes): string[] {
  const paths = [...new Set([...Object.keys(manifest), ...Object.keys(found)])].sort();
  return paths.flatMap((p) =>
    !(p in found)
      ? [`removed: ${p}`]
      : !(p in manifest)
      ? [`added: ${p}`]
      : manifest[p] !== found[p]
      ? [`changed: ${p}`]
      : []
  );
}

/**
 * The manifest file's text for a kit's hashes.
 *
 * @param hashes the hashes
 * @returns stable, pretty JSON
 */
export function integrityText(hashes: Hashes): string {
  return `${JSON.stringify({ sha256: hashes }, null, 2)}\n`;
}

/**
 * Rewrites a kit's manifest from its files.
 *
 * @param root the kit's root
 * @returns how many files it covers
 */
export async function writeIntegrity(root: string): Promise<number> {
  const hashes = await kitHashes(root);
  await writeFileAtomic(`${root.replace(/\/$/, "")}/${INTEGRITY_FILE}`, integrityText(hashes));
  return Object.keys(hashes).length;
}

/** What the grader would use from a submission if it were there: never committed. */
const NEVER_SUBMITTED: Record<string, string> = {
  node_modules: "installed packages, which run inside the grader: delete them",
  "data/gpt2": "a model and references of its own, which the grader could pick up: delete it",
};

/**
 * What a submission must not hold, whatever the manifest says: symbolic links and other files
 * that are not regular files anywhere in it (a link in `exercises/` reaches outside it), a
 * `node_modules/` at any depth, and `data/gpt2/`. Nothing is followed or read.
 *
 * @param root the submission's root
 * @returns one line per finding, in path order (`.git/` is not looked at)
 * @example
 * ```ts ignore
 * import { submissionProblems } from "./verify.ts";
 * await submissionProblems("../submissions/alice");
 * // ["symbolic link: exercises/3_attention.ts -> ../solutions/3_attention.ts"]
 * ```
 */
export async function submissionProblems(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const path = rel ? `${root}/${rel}` : root;
    const entries = [];
    for await (const e of Deno.readDir(path)) entries.push(e.name);
    for (const name of entries.sort()) {
      const child = rel ? `${rel}/${name}` : name;
      if (child === ".git") continue;
      const info = await Deno.lstat(`${root}/${child}`);
      const never = NEVER_SUBMITTED[name === "node_modules" ? name : child];
      if (never && (info.isDirectory || info.isSymlink)) {
        found.push(`${child}/: ${never}`);
      } else if (info.isSymlink) {
        found.push(`symbolic link: ${child} -> ${await Deno.readLink(`${root}/${child}`)}`);
      } else if (info.isDirectory) {
        await visit(child);
      } else if (!info.isFile) {
        found.push(`not a regular file: ${child}`);
      }
    }
  };
  await visit("");
  return found;
}

async function readManifest(): Promise<Hashes> {
  const path = `${KIT_ROOT}${INTEGRITY_FILE}`;
  try {
    return JSON.parse(await Deno.readTextFile(path)).sha256;
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(Deno.args, {
    update: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  }, 1);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.update) {
    if (positionals.length) throw new UsageError("--update rewrites this kit's manifest: no DIR.");
    const n = await writeIntegrity(KIT_ROOT);
    console.log(`Wrote ${INTEGRITY_FILE}: ${n} files.`);
    return 0;
  }
  const dir = positionals.length ? absolute(positionals[0]) : KIT_ROOT;
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw new Error();
  } catch {
    throw new UsageError(`"${positionals[0]}" is not a directory.`);
  }
  const differences = hashDifferences(await readManifest(), await kitHashes(dir));
  const problems = positionals.length ? await submissionProblems(dir) : [];
  if (differences.length) {
    console.log(
      `${differences.length} of the kit's files differ from ${INTEGRITY_FILE} ` +
        `(exercises/ is not checked):\n  ${differences.join("\n  ")}`,
    );
  } else console.log(`The kit's files match ${INTEGRITY_FILE} (exercises/ is not checked).`);
  if (problems.length) {
    console.log(`The submission holds what it must not:\n  ${problems.join("\n  ")}`);
  }
  return differences.length || problems.length ? 1 : 0;
}

if (import.meta.main) await runTool(USAGE, main);
