/**
 * Maintainer tool: writes `grader/points.json`, the classroom points manifest, from the
 * checks' defaults (each check's `points`, else 1). Instructors then edit the file.
 *
 * ```
 * deno task points           # rewrite grader/points.json from the checks' defaults
 * deno task points --check   # exit 1 when it names a stage or check that does not exist
 * ```
 *
 * @module
 */
import {
  defaultPoints,
  loadPoints,
  POINTS_PATH,
  PointsError,
  pointsOf,
  pointsText,
} from "../grader/points.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { checkOrWrite, runTool } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task points [--check]

Writes grader/points.json (what each check is worth in a classroom) from the checks' defaults.

Options:
  --check   write nothing; exit 1 when grader/points.json names a stage or check that does not
            exist (checks it does not name are worth their default)
  --help    this text`;

async function main(): Promise<number> {
  const mode = checkOrWrite(Deno.args, USAGE);
  if (mode === undefined) return 0;
  if (mode === "write") {
    await writeFileAtomic(POINTS_PATH, pointsText(defaultPoints(STAGES)));
    console.log("Wrote grader/points.json from the checks' defaults.");
    return 0;
  }
  let manifest;
  try {
    manifest = loadPoints(STAGES);
  } catch (e) {
    if (!(e instanceof PointsError)) throw e;
    console.log(e.message);
    return 1;
  }
  const unnamed = STAGES.flatMap((s) =>
    s.checks.filter((c) => manifest[String(s.number)]?.[c.name] === undefined)
      .map((c) => `stage ${s.number}, "${c.name}": ${pointsOf(manifest, s, c)} (its default)`)
  );
  console.log("grader/points.json matches the checks.");
  if (unnamed.length) console.log(`Not in it, so worth their default:\n  ${unnamed.join("\n  ")}`);
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
