/**
 * `deno task progress`: grades every stage of `exercises/` on the bundled tiny model and shows
 * one table — stage, name, file, status — then the one next step (or, when everything passes,
 * what to try next).
 *
 * ```
 * deno task progress
 * ```
 *
 * Exit code 0 (it reports, it does not judge); 2 for bad arguments.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import { absolute, hasRealModel } from "../grader/context.ts";
import { nextStep, type Styles } from "../grader/report/pretty.ts";
import { checkCounts } from "../grader/report/results.ts";
import type { Stage, StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { exerciseGrader, type Grade, parseCommandLine, runTool, stdoutStyles } from "./_cli.ts";

const USAGE = `Usage: deno task progress [--exercises DIR]

Grades every stage of exercises/ on the bundled tiny model and says what to do next.

Options:
  --exercises DIR   grade the stage files in DIR instead`;

/**
 * A stage's status in words, e.g. `failing (7 of 9 checks pass)`.
 *
 * @param r the graded stage
 * @returns the words
 */
export function statusText(r: StageResult): string {
  switch (r.status) {
    case "pass":
      return "passed";
    case "not-started":
      return "not started";
    case "fail": {
      const { passed, graded } = checkCounts(r.checks);
      return `failing (${passed} of ${graded} checks pass)`;
    }
    case "error":
      return `could not be graded: ${r.message}`;
  }
}

/**
 * The progress table: a header, one row per stage, and a bar with the count of stages passed.
 *
 * @param results the graded stages, in order
 * @param s styles
 * @returns the lines
 */
export function progressTable(results: StageResult[], s: Styles): string[] {
  const rows = results.map((r) => [String(r.stage), r.name, r.file, statusText(r)]);
  const header = ["Stage", "Name", "File", "Status"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (cells: string[]) => cells.slice(0, 3).map((c, i) => c.padEnd(widths[i])).join("  ");
  const colour = (r: StageResult) =>
    r.status === "pass" ? s.ok : r.status === "not-started" ? s.todo : s.bad;
  const mark = { pass: "✓", "not-started": "○", fail: "✗", error: "✗" } as const;
  const passed = results.filter((r) => r.status === "pass").length;
  const width = 20;
  const filled = results.length ? Math.round((width * passed) / results.length) : 0;
  return [
    s.bold(`  ${pad(header)}  ${header[3]}`),
    ...results.map((r, i) => `  ${pad(rows[i])}  ${colour(r)(`${mark[r.status]} ${rows[i][3]}`)}`),
    "",
    `  ${s.ok("█".repeat(filled))}${s.dim("░".repeat(width - filled))}  ` +
    `${passed} of ${results.length} stages pass`,
  ];
}

/**
 * What to do after the table: the next step of {@linkcode nextStep}, or congratulations and
 * what to try next when every stage passes.
 *
 * @param results the graded stages, in order
 * @param realModel whether the real GPT-2 has been downloaded
 * @returns the lines
 */
export function closingLines(results: StageResult[], realModel: boolean): string[] {
  if (results.some((r) => r.status !== "pass")) {
    return [nextStep(results, results[results.length - 1].stage)];
  }
  const onGpt2 = "`deno task check all --model gpt2` grades your code on the real GPT-2 weights.";
  return [
    `Congratulations: every stage passes. You have built GPT-2 from scratch.`,
    realModel
      ? `Next: ${onGpt2}`
      : `Next: \`deno task setup\` downloads the real GPT-2; then ${onGpt2}`,
  ];
}

/**
 * Grades every stage (in parallel: each is its own child process).
 *
 * @param stages the stages, in order
 * @param grade grades one stage
 * @returns the results, in the same order
 */
export function gradeAll(stages: readonly Stage[], grade: Grade): Promise<StageResult[]> {
  return Promise.all(stages.map(grade));
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, { exercises: { type: "string" } }, 0);
  const s = stdoutStyles();
  const dir = values.exercises === undefined ? kitPath("exercises") : absolute(values.exercises);
  const results = await gradeAll(STAGES, exerciseGrader(dir));
  console.log(
    s.bold("Your progress") + s.dim(` (${relative(dir)}/, graded on the tiny model)`) + "\n",
  );
  console.log(progressTable(results, s).join("\n") + "\n");
  console.log(s.bold(closingLines(results, hasRealModel()).join("\n")));
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
