/**
 * What the reports read off a graded stage, the same way in each format.
 *
 * @module
 */
import type { CheckResult, StageResult } from "../stage.ts";

/**
 * A check's whole text: its message, its details and its hint, one per line.
 *
 * @param c the check
 * @returns the text
 */
export function checkText(c: CheckResult): string {
  return [c.message, ...(c.details ?? []), ...(c.hint ? [`hint: ${c.hint}`] : [])].join("\n");
}

/**
 * The hint for a stage not started yet: its error's, else its first unwritten check's.
 *
 * @param r the stage
 * @returns the hint, if any
 */
export function notStartedHint(r: StageResult): string | undefined {
  return r.error?.hint ?? r.checks.find((c) => c.status === "todo")?.hint;
}

/**
 * What to do about a stage not started yet: write its file, or first finish the earlier stage
 * it builds on.
 *
 * @param r the stage
 * @returns one sentence
 */
export function notStartedAdvice(r: StageResult): string {
  const w = r.waitsFor;
  return w
    ? `It runs the code of your earlier stages, and stage ${w.stage} (${w.file}) is not ` +
      `written yet: finish it first, \`deno task check ${w.stage}\`.`
    : `Open ${r.file} and replace the first todo(...) with your code.`;
}

/**
 * Whether any of a stage's checks ran (a stage that could not run has only skipped or n/a ones).
 *
 * @param r the stage
 * @returns true when a check ran
 */
export function stageRan(r: StageResult): boolean {
  return r.checks.some((c) => c.status !== "skipped" && c.status !== "n/a");
}

/**
 * How many of a stage's checks pass, out of those graded on this model: a check that does not
 * apply to it (`n/a`, one that needs the real GPT-2) is not counted, so that `check` and
 * `progress` give the same figures.
 *
 * @param checks the stage's checks
 * @returns the passing checks and the graded ones
 * @example
 * ```ts
 * import { checkCounts } from "./results.ts";
 * const check = { name: "a", layer: "runs", points: 0, maxPoints: 1, message: "" } as const;
 * checkCounts([{ ...check, status: "pass" }, { ...check, status: "n/a" }]); // { passed: 1, graded: 1 }
 * ```
 */
export function checkCounts(checks: readonly CheckResult[]): { passed: number; graded: number } {
  const graded = checks.filter((c) => c.status !== "n/a");
  return { passed: graded.filter((c) => c.status === "pass").length, graded: graded.length };
}
