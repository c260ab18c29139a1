/**
 * What the commands that grade submissions (`check`, `gradescope`, `grade-batch`) share: the
 * options that choose the model and the limits of a stage, read from the command line, and the
 * start of a grading run — the model's files, its grading context and the points — with a
 * missing model or a broken setup told apart from bad arguments.
 *
 * @module
 */
import {
  gradeContext,
  type ModelChoice,
  type ModelFiles,
  ModelMissingError,
  selectModel,
} from "../grader/context.ts";
import { loadPoints, type PointsManifest } from "../grader/points.ts";
import { DEFAULT_LIMITS } from "../grader/run_stage.ts";
import type { GradeContext } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { UsageError } from "./_usage.ts";

/** The options that choose the model and a stage's limits, as `parseCommandLine` takes them. */
export const GRADING_OPTIONS = {
  model: { type: "string" },
  weights: { type: "string" },
  config: { type: "string" },
  refs: { type: "string" },
  "time-limit": { type: "string", default: String(DEFAULT_LIMITS.timeLimitMs / 1000) },
  "memory-limit": { type: "string", default: String(DEFAULT_LIMITS.memoryLimitMb) },
} as const;

/**
 * A positive number from the command line.
 *
 * @param value the option's value as typed
 * @param flag the option, for the message
 * @returns the number
 * @throws {UsageError} when it is not a positive number
 * @example
 * ```ts
 * import { positiveNumber } from "./_grading_setup.ts";
 * positiveNumber("2.5", "--time-limit"); // 2.5
 * ```
 */
export function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${flag} takes a positive number, not "${value}".`);
  return n;
}

/**
 * A positive whole number from the command line.
 *
 * @param value the option's value as typed
 * @param flag the option, for the message
 * @returns the number
 * @throws {UsageError} when it is not a positive whole number
 */
export function positiveInteger(value: string, flag: string): number {
  const n = positiveNumber(value, flag);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} takes a whole number, not "${value}".`);
  return n;
}

/**
 * The limits of a stage that `--time-limit S` and `--memory-limit MB` give.
 *
 * @param v the options' values
 * @returns the limits, the time in milliseconds
 * @throws {UsageError} for a value that is not a positive number
 */
export function stageLimits(
  v: { "time-limit": string; "memory-limit": string },
): { timeLimitMs: number; memoryLimitMb: number } {
  return {
    timeLimitMs: positiveNumber(v["time-limit"], "--time-limit") * 1000,
    memoryLimitMb: positiveNumber(v["memory-limit"], "--memory-limit"),
  };
}

/** What a grading run starts from. */
export interface GradingStart {
  /** The model's files. */
  files: ModelFiles;
  /** Its grading context (tokenizer, config, references). */
  ctx: GradeContext;
  /** Points per check, from `grader/points.json`. */
  points: PointsManifest;
}

/**
 * Starts a grading run on the model the options choose. A missing model, a broken model file
 * or a broken points file cannot be graded with: that is said on standard error, in one
 * sentence, and the caller exits with `EXIT.cannotGrade`.
 *
 * @param choice the model options
 * @returns the start, or undefined when grading cannot start (the reason was printed)
 * @throws {UsageError} for model options that do not go together
 */
export function startGrading(choice: ModelChoice): GradingStart | undefined {
  try {
    const files = selectModel(choice, true);
    return { files, ctx: gradeContext(files), points: loadPoints(STAGES) };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.error(
      e instanceof ModelMissingError ? e.message : `Cannot start grading: ${(e as Error).message}`,
    );
    return undefined;
  }
}
