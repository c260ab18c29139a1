/**
 * The Gradescope report: the `results.json` an autograder writes to
 * `/autograder/results/results.json`. Top level: `score` (the kit's points), `execution_time`
 * (seconds), `output` (the table of stages and points, in markdown), `output_format`,
 * `visibility`, `stdout_visibility`; then one test per check that applies to the model, in
 * stage order: `score`, `max_score`, `status` (`passed` or `failed`), `name`, `number`
 * (`"stage.check"`, the check's place in its stage), `output` (its message, details and hint),
 * `visibility`. The `score`s add up to the top-level `score`, the `max_score`s to the kit's
 * possible points; `n/a` checks are left out.
 *
 * With an instructor's hidden references, the checks graded on their prompts
 * (`usesReferences`) show `after_due_date`: their messages may name the prompts and the tokens
 * expected. The grader's own standard output (the pretty report, which shows them too) is
 * hidden from students.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import { stepSummary } from "./github.ts";
import { applicableChecks, clip, testName, testText } from "./results.ts";
import { totals } from "./totals.ts";

/** The longest output a test keeps, in characters. */
export const GRADESCOPE_TEST_OUTPUT_CHARS = 8000;

/** What the Gradescope report needs besides the results. */
export interface GradescopeOptions {
  /** The model graded on, e.g. `tiny`. */
  model: string;
  /** Whether the references are an instructor's hidden ones (not the kit's own). */
  hiddenReferences: boolean;
}

/** One test of `results.json`. */
export interface GradescopeTest {
  /** Points earned. */
  score: number;
  /** Points possible. */
  max_score: number;
  /** `passed` or `failed`. */
  status: "passed" | "failed";
  /** `Stage 3 · Attention: CausalSelfAttention state dict`. */
  name: string;
  /** `"3.5"`: stage 3, the fifth check it defines. */
  number: string;
  /** The check's message, details and hint. */
  output: string;
  /** `visible`, or `after_due_date` for a check on hidden references. */
  visibility: "visible" | "after_due_date";
}

/** Gradescope's `results.json`. */
export interface GradescopeResult {
  /** Points earned (the sum of the tests'). */
  score: number;
  /** Seconds the grading took. */
  execution_time: number;
  /** The table of stages and points. */
  output: string;
  /** `md`: `output` is markdown. */
  output_format: "md";
  /** `visible`. */
  visibility: "visible";
  /** `hidden`: the autograder's log is for the instructor. */
  stdout_visibility: "hidden";
  /** One per check that applies. */
  tests: GradescopeTest[];
}

/**
 * Gradescope's `results.json` as an object.
 *
 * @param results the graded stages
 * @param options the model, and whether its references are hidden
 * @returns the result
 */
export function gradescopeResult(
  results: readonly StageResult[],
  options: GradescopeOptions,
): GradescopeResult {
  const tests = results.flatMap((r) =>
    applicableChecks(r).map((c): GradescopeTest => ({
      score: c.points,
      max_score: c.maxPoints,
      status: c.status === "pass" ? "passed" : "failed",
      name: testName(r, c),
      number: `${r.stage}.${c.number}`,
      output: clip(testText(r, c), GRADESCOPE_TEST_OUTPUT_CHARS),
      visibility: options.hiddenReferences && c.usesReferences ? "after_due_date" : "visible",
    }))
  );
  return {
    score: totals(results).points,
    execution_time: Math.round(results.reduce((ms, r) => ms + r.ms, 0) / 1000),
    output: stepSummary(results, options.model),
    output_format: "md",
    visibility: "visible",
    stdout_visibility: "hidden",
    tests,
  };
}

/**
 * The Gradescope report: `results.json`'s text.
 *
 * @param results the graded stages
 * @param options the model, and whether its references are hidden
 * @returns the JSON document, with a final newline
 * @example
 * ```ts
 * import { gradescopeReport } from "./gradescope.ts";
 * JSON.parse(gradescopeReport([], { model: "tiny", hiddenReferences: false })).score; // 0
 * ```
 */
export function gradescopeReport(
  results: readonly StageResult[],
  options: GradescopeOptions,
): string {
  return `${JSON.stringify(gradescopeResult(results, options), null, 2)}\n`;
}
