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
 * Whether any of a stage's checks ran (a stage that could not run has only skipped or n/a ones).
 *
 * @param r the stage
 * @returns true when a check ran
 */
export function stageRan(r: StageResult): boolean {
  return r.checks.some((c) => c.status !== "skipped" && c.status !== "n/a");
}
