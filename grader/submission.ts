/**
 * A student's submission as the instructor grades it: a repository, as GitHub Classroom's tools
 * clone it (stage files in its `exercises/`), or a bare folder of stage files (an upload to
 * Gradescope, PrairieLearn or an Exercism-style runner). The grader never trusts the folder: it
 * copies the stage files into a fresh snapshot before each stage (`snapshot.ts`), and refuses
 * an `exercises` that is a link.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { UsageError } from "../commands/_usage.ts";
import { MAX_LEARNER_FILE_BYTES } from "./learner_file.ts";

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

/**
 * A digest of what a submission gives the grader: the entries of its stage folder (the files
 * a stage loads are found there, by name), each with its kind and content (a regular file within
 * the size cap), size (a larger one) or target (a link). Two submissions with the same digest
 * grade the same; grading again is needed only when it changes.
 *
 * @param submission the submission's folder
 * @returns the digest, hex
 */
export async function submissionDigest(submission: string): Promise<string> {
  const hash = createHash("sha256");
  const dir = submissionStageDir(submission);
  const folder = info(dir, false);
  if (!folder?.isDirectory) {
    hash.update(folder?.isSymlink ? `link ${Deno.readLinkSync(dir)}` : "no folder");
    return hash.digest("hex");
  }
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  for (const name of names) {
    const path = `${dir}/${name}`;
    const entry = info(path, false)!;
    hash.update(`\0${name}\0`);
    if (entry.isSymlink) hash.update(`link ${Deno.readLinkSync(path)}`);
    else if (!entry.isFile) hash.update("not a file");
    else if (entry.size > MAX_LEARNER_FILE_BYTES) hash.update(`${entry.size} bytes`);
    else hash.update(await Deno.readFile(path));
  }
  return hash.digest("hex");
}
