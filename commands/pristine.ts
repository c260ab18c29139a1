/**
 * Maintainer tool: snapshots the exercise stubs of `exercises/` into `grader/pristine.json`,
 * from which `deno task reset N` restores a learner's stage. Run it whenever a stub changes.
 *
 * ```
 * deno task pristine           # write grader/pristine.json from exercises/
 * deno task pristine --check   # exit 1 when grader/pristine.json differs from exercises/
 * ```
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { checkOrWrite, runTool } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";
import { loadPristine, PRISTINE, type Pristine } from "./reset.ts";

const USAGE = `Usage: deno task pristine [--check]

Writes grader/pristine.json, the original stubs that \`deno task reset\` restores, from
exercises/.

Options:
  --check   write nothing; exit 1 when grader/pristine.json differs from exercises/
  --help    this text`;

/**
 * Every exercise file (`*.ts` directly in the directory), by name.
 *
 * @param dir the exercises directory
 * @returns the files' contents by name, sorted by name
 */
export async function readExercises(dir: string): Promise<Pristine> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
  }
  names.sort();
  const files: Pristine = {};
  for (const name of names) files[name] = await Deno.readTextFile(`${dir}/${name}`);
  return files;
}

/**
 * The snapshot file's text: the files as JSON, sorted by name, as `deno fmt` formats it.
 *
 * @param files the files by name
 * @returns the text
 */
export function snapshotText(files: Pristine): string {
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a < b ? -1 : 1));
  return JSON.stringify(sorted, null, 2) + "\n";
}

/**
 * How a snapshot differs from the exercise files, one sentence per file.
 *
 * @param snapshot the snapshot
 * @param exercises the exercise files
 * @returns the differences; empty when they agree
 */
export function differences(snapshot: Pristine, exercises: Pristine): string[] {
  const names = [...new Set([...Object.keys(snapshot), ...Object.keys(exercises)])].sort();
  return names.flatMap((name) => {
    if (!(name in snapshot)) return [`${name} is in exercises/ but not in the snapshot`];
    if (!(name in exercises)) return [`${name} is in the snapshot but not in exercises/`];
    return snapshot[name] === exercises[name] ? [] : [`${name} differs from the snapshot`];
  });
}

/**
 * How the snapshot differs from the exercise files that are still stubs: what the kit's test
 * suite guards (a maintainer who changed a stub must run `deno task pristine`). A file with
 * fewer `todo(...)` calls than its stub holds a learner's work and is left alone, so that the
 * suite passes at every point of a learner's course; `--check` compares every file.
 *
 * @param snapshot the snapshot
 * @param exercises the exercise files
 * @returns the differences of the files still stubs; empty when they agree
 * @example
 * ```ts
 * import { staleStubs } from "./pristine.ts";
 * staleStubs({ "1_a.ts": "todo(1) todo(2)" }, { "1_a.ts": "done todo(2)" }); // [] (learner's)
 * staleStubs({ "1_a.ts": "todo(1)" }, { "1_a.ts": "todo(1) todo(2)" }); // ["1_a.ts differs ..."]
 * ```
 */
export function staleStubs(snapshot: Pristine, exercises: Pristine): string[] {
  const todos = (text: string) => text.match(/\btodo\(/g)?.length ?? 0;
  const learners = Object.keys(exercises).filter((name) =>
    name in snapshot && todos(exercises[name]) < todos(snapshot[name])
  );
  return differences(snapshot, exercises).filter((d) => !learners.some((n) => d.startsWith(n)));
}

async function main(argv: string[]): Promise<number> {
  const mode = checkOrWrite(argv, USAGE);
  if (mode === undefined) return 0;
  const exercises = await readExercises(kitPath("exercises"));
  const names = Object.keys(exercises).join(", ");
  if (mode === "check") {
    const snapshot = await loadPristine().catch((e) => {
      throw new Error(`${e.message}. Run \`deno task pristine\` to write it.`);
    });
    const diff = differences(snapshot, exercises);
    if (diff.length === 0) {
      console.log(`grader/pristine.json matches exercises/ (${names}).`);
      return 0;
    }
    console.error(
      `grader/pristine.json is out of date:\n${diff.map((d) => `  ${d}`).join("\n")}\n` +
        "Run `deno task pristine` to update it.",
    );
    return 1;
  }
  await writeFileAtomic(PRISTINE, snapshotText(exercises));
  console.log(`Wrote grader/pristine.json from exercises/ (${names}).`);
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
