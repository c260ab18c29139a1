/**
 * One grading run: a learner's stages graded one after the other on one model, and the exit
 * code that tells a wrapper what happened — a failing learner (1) apart from a grader that
 * could not grade (3).
 *
 * @module
 */
import type { ModelFiles } from "./context.ts";
import type { PointsManifest } from "./points.ts";
import { GRADER_ERROR, gradeStage } from "./run_stage.ts";
import type { GradeContext, Stage, StageResult } from "./stage.ts";

/** The exit codes of the grading commands. */
export const EXIT = {
  /** Every stage graded passes. */
  pass: 0,
  /** Graded, and some stage does not pass. */
  fail: 1,
  /** Bad arguments. */
  usage: 2,
  /** Could not grade: a broken setup, a missing model, the grader itself failed. */
  cannotGrade: 3,
} as const;

/** How to grade: the model, the limits of a stage, the points. */
export interface GradeSettings {
  /** The model's files. */
  files: ModelFiles;
  /** Wall-time limit of a stage, in milliseconds. */
  timeLimitMs: number;
  /** Memory cap of a stage, in MiB. */
  memoryLimitMb: number;
  /** Threads the library's kernels may use in a stage (default: the grader's). */
  threads?: number;
  /** Points per check. */
  points: PointsManifest;
}

/**
 * Grades stages of one learner's files, in order.
 *
 * @param stages the stages to grade
 * @param ctx the grading context of `settings.files`
 * @param learnerDir the folder of the learner's stage files
 * @param settings the model, the limits and the points
 * @param graded called with each stage as soon as it is graded (e.g. to print it)
 * @returns the graded stages, one per stage asked for (grading a stage never throws)
 */
export async function gradeStages(
  stages: readonly Stage[],
  ctx: GradeContext,
  learnerDir: string,
  settings: GradeSettings,
  graded: (r: StageResult) => void = () => {},
): Promise<StageResult[]> {
  const results: StageResult[] = [];
  for (const stage of stages) {
    const r = await gradeStage(stage, ctx, {
      learnerDir,
      configPath: settings.files.configPath,
      weightsPath: settings.files.weightsPath,
      tokenizerDir: settings.files.tokenizerDir,
      timeLimitMs: settings.timeLimitMs,
      memoryLimitMb: settings.memoryLimitMb,
      threads: settings.threads,
      points: settings.points,
    });
    results.push(r);
    graded(r);
  }
  return results;
}

/**
 * The stages the grader itself could not grade (its own failure or a broken setup, never the
 * submission's doing).
 *
 * @param results the graded stages
 * @returns those stages
 */
export function graderFailures(results: readonly StageResult[]): StageResult[] {
  return results.filter((r) => r.status === "error" && r.error?.name === GRADER_ERROR);
}

/**
 * The exit code of a grading run: {@linkcode EXIT}'s `pass` when every stage passes,
 * `cannotGrade` when the grader itself failed on a stage, else `fail`.
 *
 * @param results the graded stages
 * @returns the exit code
 */
export function gradeExitCode(results: readonly StageResult[]): number {
  if (graderFailures(results).length) return EXIT.cannotGrade;
  return results.every((r) => r.status === "pass") ? EXIT.pass : EXIT.fail;
}
