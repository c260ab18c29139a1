/**
 * Reading a file of a submission without trusting it: it must be a regular file (not a
 * symbolic link, a directory, a named pipe or a device) of at most {@linkcode MAX_LEARNER_FILE_BYTES},
 * and no more than that is ever read. Every place where the grader or a report reads a learner's
 * file goes through here, so that a stage file that is `/dev/zero`, a FIFO or a link to the
 * solutions costs one clear message, not memory, a hang or a leak.
 *
 * @module
 */
import { relative } from "../lib/paths.ts";

/** The largest learner file the grader reads: 1 MiB (the solutions' largest is 10 KB). */
export const MAX_LEARNER_FILE_BYTES = 1 << 20;

/** A learner file the grader refuses to read, with a message that names it and says why. */
export class LearnerFileError extends Error {
  /** @param message what is wrong with which file, and what to submit instead */
  constructor(message: string) {
    super(message);
    this.name = "LearnerFileError";
  }
}

/**
 * Why a file is refused, from its `lstat`, or undefined when it may be read.
 *
 * @param info the file's `Deno.lstat` information
 * @param shown the file's name as the learner knows it
 * @param limit the largest size allowed, in bytes
 * @returns the refusal's message, or undefined
 */
function refusal(info: Deno.FileInfo, shown: string, limit: number): string | undefined {
  if (info.isSymlink) return `${shown} is a symbolic link: submit the file itself`;
  if (info.isDirectory) return `${shown} is a directory, not a file`;
  if (!info.isFile) {
    const kind = info.isFifo
      ? "a named pipe (FIFO)"
      : info.isCharDevice || info.isBlockDevice
      ? "a device"
      : info.isSocket
      ? "a socket"
      : "not a regular file";
    return `${shown} is ${kind}: submit a regular file`;
  }
  if (info.size > limit) {
    return `${shown} is ${info.size} bytes, more than a stage file may be ` +
      `(${limit} bytes): is it really your source code?`;
  }
  return undefined;
}

/**
 * Reads a learner's file as text, refusing anything but a regular file within the size cap.
 *
 * @param path the file
 * @param limit the largest size allowed, in bytes
 * @returns its text, or undefined when there is no such file
 * @throws {LearnerFileError} for a link, a directory, a pipe, a device or an oversized file
 * @example
 * ```ts
 * import { readLearnerFile } from "./learner_file.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/a.ts`, "export {};\n");
 * readLearnerFile(`${dir}/a.ts`); // "export {};\n"
 * readLearnerFile(`${dir}/b.ts`); // undefined
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readLearnerFile(path: string, limit = MAX_LEARNER_FILE_BYTES): string | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const why = refusal(info, relative(path), limit);
  if (why) throw new LearnerFileError(why);
  // the size was checked, but the file may grow: never read more than the cap
  using file = Deno.openSync(path, { read: true });
  // opening follows links: the file opened must be the one checked, not one swapped in since
  const opened = file.statSync();
  if (!opened.isFile || opened.ino !== info.ino || opened.dev !== info.dev) {
    throw new LearnerFileError(`${relative(path)} changed while it was read: submit it again`);
  }
  const bytes = new Uint8Array(limit + 1);
  let n = 0;
  for (let r; n < bytes.length && (r = file.readSync(bytes.subarray(n))) !== null;) n += r;
  if (n > limit) throw new LearnerFileError(refusal({ ...info, size: n }, relative(path), limit)!);
  return new TextDecoder().decode(bytes.subarray(0, n));
}

/**
 * Checks a learner's folder before anything is read from it: it must be a folder itself, not a
 * symbolic link to one (Deno's and the snapshot's checks look at the files' own names, so a
 * linked folder would lead them anywhere, e.g. to the solutions).
 *
 * @param path the folder
 * @throws {LearnerFileError} for a link or anything but a folder (a missing folder is left to
 *   the files' own "does not exist")
 * @example
 * ```ts
 * import { checkLearnerFolder } from "./learner_file.ts";
 * checkLearnerFolder(Deno.makeTempDirSync()); // no error
 * ```
 */
export function checkLearnerFolder(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  const shown = relative(path);
  if (info.isSymlink) {
    throw new LearnerFileError(`${shown} is a symbolic link: submit the folder itself`);
  }
  if (!info.isDirectory) throw new LearnerFileError(`${shown} is not a folder`);
}

/**
 * {@linkcode readLearnerFile} for the reports, which must not fail: the text, or undefined
 * when the file is missing, refused or unreadable.
 *
 * @param path the file
 * @returns its text, or undefined
 */
export function learnerSource(path: string): string | undefined {
  try {
    return readLearnerFile(path);
  } catch {
    return undefined;
  }
}
