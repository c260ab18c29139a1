/**
 * The Exercism report: a test runner's `results.json`, version 3 — `version`, `status`
 * (`pass`, `fail`, or `error` when nothing could be graded, with `message` saying why) and one
 * test per check that applies to the model, in the order the grader's stage files define them:
 * `name`, `status`, `message` (when it does not pass), `output` (what the learner's code
 * printed during the stage, on its first test that does not pass, at most
 * {@linkcode EXERCISM_OUTPUT_CHARS} characters), `test_code` and `task_id` (the stage).
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import {
  applicableChecks,
  checkCommand,
  clip,
  type RunStatus,
  runStatus,
  testName,
  testStatus,
  testText,
} from "./results.ts";

/** The longest `output` of a test, in characters (Exercism's limit). */
export const EXERCISM_OUTPUT_CHARS = 500;

/** One test of Exercism's results. */
export interface ExercismTest {
  /** `Stage 3 · Attention: CausalSelfAttention state dict`. */
  name: string;
  /** `pass`, `fail`, or `error` (its stage could not be graded). */
  status: RunStatus;
  /** What went wrong, when it does not pass: message, details, hint. */
  message?: string;
  /** What the learner's code printed, on the stage's first test that does not pass. */
  output?: string;
  /** The command that grades the stage again. */
  test_code: string;
  /** The stage. */
  task_id: number;
}

/** Exercism's test-runner results, version 3. */
export interface ExercismResult {
  /** Always 3. */
  version: 3;
  /** `pass`, `fail`, or `error` when nothing could be graded. */
  status: RunStatus;
  /** Why nothing could be graded (with `error` only). */
  message?: string;
  /** One per check that applies. */
  tests: ExercismTest[];
}

/**
 * Exercism's results as an object.
 *
 * @param results the graded stages
 * @returns the result
 */
export function exercismResult(results: readonly StageResult[]): ExercismResult {
  const status = runStatus(results);
  const tests = results.flatMap((r) => {
    const checks = applicableChecks(r);
    const printedOn = r.output ? checks.find((c) => c.status !== "pass") : undefined;
    return checks.map((c): ExercismTest => {
      const s = testStatus(r, c);
      return {
        name: testName(r, c),
        status: s,
        ...(s === "pass" ? {} : { message: testText(r, c) }),
        ...(c === printedOn ? { output: clip(r.output!, EXERCISM_OUTPUT_CHARS) } : {}),
        test_code: checkCommand(r),
        task_id: r.stage,
      };
    });
  });
  return {
    version: 3,
    status,
    ...(status === "error" ? { message: results.map((r) => r.message).join("\n") } : {}),
    tests,
  };
}

/**
 * The Exercism report: `results.json`'s text.
 *
 * @param results the graded stages
 * @returns the JSON document, with a final newline
 * @example
 * ```ts
 * import { exercismReport } from "./exercism.ts";
 * JSON.parse(exercismReport([])).version; // 3
 * ```
 */
export function exercismReport(results: readonly StageResult[]): string {
  return `${JSON.stringify(exercismResult(results), null, 2)}\n`;
}
