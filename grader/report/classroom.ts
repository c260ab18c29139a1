/**
 * The GitHub Classroom report: the result a runner step hands to
 * `classroom-resources/autograding-grading-reporter@v1` through the environment variable
 * `<ID>_RESULTS`, base64 of
 * `{ version: 1, status, max_score, tests: [{ name, status, score, message, line_no, filename,
 * test_code }] }`. Every check that applies to the model is one test worth its points (the
 * reporter adds the `score`s up: they total the kit's points, and `max_score` is its possible
 * points); `n/a` checks are left out. Nothing the learner's code printed is in it, and each
 * message is cut to {@linkcode CLASSROOM_MESSAGE_CHARS} characters: an environment variable has
 * a size limit.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { StageResult } from "../stage.ts";
import { checkPlace, type ReadSource } from "./places.ts";
import {
  applicableChecks,
  checkCommand,
  clip,
  type RunStatus,
  runStatus,
  testMessage,
  testName,
  testStatus,
} from "./results.ts";
import { totals } from "./totals.ts";

/** The longest message a test keeps, in characters. */
export const CLASSROOM_MESSAGE_CHARS = 300;

/** One test of the classroom result. */
export interface ClassroomTest {
  /** `Stage 3 · Attention: CausalSelfAttention state dict`. */
  name: string;
  /** `pass`, `fail`, or `error` (its stage could not be graded). */
  status: RunStatus;
  /** Points earned. */
  score: number;
  /** The check's one-line message. */
  message: string;
  /** The line of `filename` the check points at. */
  line_no: number;
  /** The learner's file. */
  filename: string;
  /** The command that grades the stage again. */
  test_code: string;
}

/** The classroom result, before base64. */
export interface ClassroomResult {
  /** Always 1. */
  version: 1;
  /** `pass`, `fail`, or `error` when nothing could be graded. */
  status: RunStatus;
  /** The points possible. */
  max_score: number;
  /** One per check that applies. */
  tests: ClassroomTest[];
}

/**
 * The classroom result as an object.
 *
 * @param results the graded stages
 * @param read reads a learner's file, for line numbers (default: from disk)
 * @returns the result
 */
export function classroomResult(
  results: readonly StageResult[],
  read?: ReadSource,
): ClassroomResult {
  const tests = results.flatMap((r) =>
    applicableChecks(r).map((c) => {
      const place = checkPlace(r, c, read);
      return {
        name: testName(r, c),
        status: testStatus(r, c),
        score: c.points,
        message: clip(testMessage(r, c), CLASSROOM_MESSAGE_CHARS),
        line_no: place.line,
        filename: place.file,
        test_code: checkCommand(r),
      };
    })
  );
  return {
    version: 1,
    status: runStatus(results),
    max_score: totals(results).maxPoints,
    tests,
  };
}

/**
 * The classroom report: base64 of the result's JSON, as `<ID>_RESULTS` holds it.
 *
 * @param results the graded stages
 * @param read reads a learner's file, for line numbers (default: from disk)
 * @returns the base64 text, with a final newline
 * @example
 * ```ts
 * import { classroomReport } from "./classroom.ts";
 * import { Buffer } from "node:buffer";
 * JSON.parse(Buffer.from(classroomReport([]), "base64").toString()).version; // 1
 * ```
 */
export function classroomReport(results: readonly StageResult[], read?: ReadSource): string {
  return `${Buffer.from(JSON.stringify(classroomResult(results, read))).toString("base64")}\n`;
}
