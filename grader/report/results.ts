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
 * How reports name a stage.
 *
 * @param r the stage
 * @returns e.g. `Stage 3 · Attention`
 */
export function stageTitle(r: StageResult): string {
  return `Stage ${r.stage} · ${r.name}`;
}

/**
 * How the platforms' reports name a check: its stage and its own name, unique in a run.
 *
 * @param r the stage
 * @param c one of its checks
 * @returns e.g. `Stage 3 · Attention: CausalSelfAttention state dict`
 */
export function testName(r: StageResult, c: CheckResult): string {
  return `${stageTitle(r)}: ${c.name}`;
}

/**
 * The command that grades a stage again, what the platforms show as a test's code.
 *
 * @param r the stage
 * @returns e.g. `deno task check 3`
 */
export function checkCommand(r: StageResult): string {
  return `deno task check ${r.stage}`;
}

/**
 * A stage's checks that apply to the model graded on (`n/a` ones left out), in the order the
 * stage defines them (the platforms' "file order"; reports on a screen list them by layer).
 *
 * @param r the stage
 * @returns the checks
 */
export function applicableChecks(r: StageResult): CheckResult[] {
  return r.checks.filter((c) => c.status !== "n/a").sort((a, b) => a.number - b.number);
}

/**
 * Text cut to a length, saying how much was left out.
 *
 * @param s any text
 * @param max the most characters to keep, the note included (leave it room: 30 or more)
 * @returns the text, or its start and `… (N more characters)`
 * @example
 * ```ts
 * import { clip } from "./results.ts";
 * clip("abcdefghijklmnopqrstuvwxyz0123456789", 30); // "abcdefgh… (28 more characters)"
 * ```
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const note = (left: number) => `… (${left} more characters)`;
  let keep = Math.max(0, max - note(s.length).length);
  while (keep + 1 + note(s.length - keep - 1).length <= max) keep++;
  if (/[\uD800-\uDBFF]/.test(s[keep - 1] ?? "")) keep--; // never half a surrogate pair
  return s.slice(0, keep) + note(s.length - keep);
}

/** How a run or a test went, in the words the test platforms use. */
export type RunStatus = "pass" | "fail" | "error";

/**
 * How a run went: `error` when nothing could be graded (every stage stopped before any check
 * ran, e.g. a syntax error), `pass` when every stage passes, else `fail`.
 *
 * @param results the graded stages
 * @returns the status
 */
export function runStatus(results: readonly StageResult[]): RunStatus {
  if (results.length && results.every((r) => r.status === "error" && !stageRan(r))) {
    return "error";
  }
  return results.every((r) => r.status === "pass") ? "pass" : "fail";
}

/**
 * How a check went, as a test: `pass` when it passes, `error` when it never ran because its
 * stage could not be graded (a crash, the time limit), else `fail` (failed, not written yet,
 * or skipped until another check passes).
 *
 * @param r the stage
 * @param c one of its checks
 * @returns the status
 */
export function testStatus(r: StageResult, c: CheckResult): RunStatus {
  if (c.status === "pass") return "pass";
  return r.status === "error" && c.status === "skipped" ? "error" : "fail";
}

/**
 * A check's one-line message as a test shows it: for a check that never ran because its stage
 * could not be graded or is not started, why.
 *
 * @param r the stage
 * @param c one of its checks
 * @returns the message
 */
export function testMessage(r: StageResult, c: CheckResult): string {
  if (c.status !== "skipped" || r.status === "fail" || r.status === "pass") return c.message;
  return r.status === "error"
    ? `${stageTitle(r)} could not be graded: ${r.message}`
    : `${stageTitle(r)} is not started. ${notStartedAdvice(r)}`;
}

/**
 * A check's whole text as a test shows it: its message ({@linkcode testMessage}), details and
 * hint, one per line.
 *
 * @param r the stage
 * @param c one of its checks
 * @returns the text
 */
export function testText(r: StageResult, c: CheckResult): string {
  const message = testMessage(r, c);
  if (message === c.message) return checkText(c);
  const hint = r.status === "not-started" ? notStartedHint(r) : undefined;
  return [message, ...(hint ? [`hint: ${hint}`] : [])].join("\n");
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
