/**
 * `deno task gradebook REPORTS`: writes the class's CSV gradebook from students' JSON reports,
 * grading nothing — how the instructor's class workflow (`.github/workflows/grade_class.yml`)
 * merges the reports its matrix jobs upload, each written by `grade-batch`.
 *
 * ```
 * deno task gradebook REPORTS [--out gradebook.csv]
 * ```
 *
 * REPORTS is a folder of students' JSON reports (other files in it are ignored). Exit codes: 0
 * written, 2 bad arguments, 1 it could not be written.
 *
 * @module
 */
import { relative } from "../lib/paths.ts";
import { absolute } from "../grader/context.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";
import { gradebookCsv, readStudentReports } from "./_gradebook.ts";

const USAGE = `Usage: deno task gradebook REPORTS [--out gradebook.csv]

Writes the CSV gradebook of the students' JSON reports in the folder REPORTS (as
\`deno task grade-batch\` writes them), one row per student, grading nothing.

Options:
  --out FILE   the gradebook (default gradebook.csv)
  --help       this text`;

async function main(): Promise<number> {
  const { values: v, positionals } = parseCommandLine(Deno.args, {
    out: { type: "string", default: "gradebook.csv" },
    help: { type: "boolean", default: false },
  }, 1);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (!positionals[0]) throw new UsageError("Say which folder holds the reports: REPORTS.");
  const dir = absolute(positionals[0]);
  if (!(await Deno.stat(dir).catch(() => undefined))?.isDirectory) {
    throw new UsageError(`There is no folder "${positionals[0]}".`);
  }
  const out = absolute(v.out);
  if (!out.endsWith(".csv")) throw new UsageError(`--out names a .csv file, not "${v.out}".`);
  const reports = await readStudentReports(dir);
  if (!reports.length) throw new Error(`There is no student's report in ${relative(dir)}.`);
  await writeFileAtomic(out, gradebookCsv(reports, STAGES.map((s) => s.number)));
  console.log(`The gradebook of ${reports.length} students is in ${relative(out)}.`);
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
