/**
 * A student's submission as the instructor grades it: a repository, as GitHub Classroom's tools
 * clone it (stage files in its `exercises/`), or a bare folder of stage files (an upload to
 * Gradescope, PrairieLearn or an Exercism-style runner). The grader never trusts the folder: it
 * copies the stage files into a fresh snapshot before each stage (`snapshot.ts`), and refuses
 * an `exercises` that is a link.
 *
 * @module
 */
import { UsageError } from "../commands/_usage.ts";

/** Where a repository keeps its stage files. */
const EXERCISES = "exercises";

function info(path: string, follow: boolean): Deno.FileInfo | undefined {
  try {
    return follow ? Deno.statSync(path) : Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * The folder of a submission's stage files: its `exercises/` when it has one (whatever that is:
 * grading refuses a link or a file there by name), else the submission's folder itself.
 *
 * @param submission the submission's folder
 * @returns the folder to grade
 * @throws {UsageError} when the submission is not a folder
 * @example
 * ```ts
 * import { submissionStageDir } from "./submission.ts";
 * const dir = Deno.makeTempDirSync();
 * submissionStageDir(dir) === dir; // true: a bare folder of stage files
 * Deno.mkdirSync(`${dir}/exercises`);
 * submissionStageDir(dir); // `${dir}/exercises`
 * ```
 */
export function submissionStageDir(submission: string): string {
  const root = submission.replace(/\/+$/, "") || "/";
  // the folder itself is the instructor's or the platform's to choose: a link there is theirs
  if (!info(root, true)?.isDirectory) {
    throw new UsageError(`There is no submission folder "${submission}".`);
  }
  const exercises = `${root}/${EXERCISES}`;
  return info(exercises, false) ? exercises : root;
}
