/**
 * Grade a snapshot, not a path. Before a stage runs, the learner files it loads are copied
 * into a fresh temporary folder under `.cache/grading/` — the stage's file, the stage files its
 * probes import, and the files those import with `./name.ts`, each a regular file under the size
 * cap (see `learner_file.ts`) — and the sandboxed child may read that folder, not the learner's.
 * A symbolic link (or a linked folder), a pipe, a device or an oversized file is refused with a
 * message that names it, so nothing the submission controls can make the child read outside the
 * snapshot: Deno checks `--allow-read` against the path as written, and a link inside an
 * allowed folder would reach anywhere.
 *
 * Beside the copies sits a `mod.ts` that re-exports the kit's library, so that a learner's
 * `import { nn } from "../mod.ts"` works wherever their folder was: in `exercises/`, in a
 * student's repository, or in a folder of submissions on the instructor's side.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { kitPath, relative } from "../lib/paths.ts";
import { importSpecifiers } from "./imports.ts";
import { checkLearnerFolder, LearnerFileError, readLearnerFile } from "./learner_file.ts";

/** A stage's learner files, copied where the child reads them; removed on dispose. */
export interface Snapshot extends AsyncDisposable {
  /** The folder holding the copies (in the place of the learner's folder). */
  dir: string;
  /** The names of the files copied, e.g. `["5_gpt2.ts", "2_embedding.ts", ...]`. */
  files: string[];
}

/**
 * Where snapshots are made: the kit's git-ignored scratch folder, which the commands that grade
 * may write (`--allow-write=.cache`), wherever the system keeps its temporary files.
 */
export const SNAPSHOTS: string = kitPath(".cache", "grading");

/**
 * Deno's cache for the sandboxed child, apart from the user's: what Deno compiles of a snapshot
 * is kept there under the snapshot's path, and removed with the snapshot.
 */
export const SANDBOX_CACHE: string = kitPath(".cache", "sandbox-deno");

/** The most learner files one stage may load (the six stage files and helpers of their own). */
export const MAX_SNAPSHOT_FILES = 32;

/** The most bytes the learner files one stage loads may have together: 4 MiB. */
export const MAX_SNAPSHOT_BYTES: number = 4 << 20;

/** A file a learner's module imports from its own folder: `./name.ts` (or `.js`). */
const SIBLING = /^\.\/([\w.-]+\.(?:ts|js|mts|mjs))$/;

/**
 * Copies the learner files a stage loads into a fresh temporary folder.
 *
 * @param learnerDir the learner's folder (`exercises/`, a submission, `solutions/`)
 * @param entries the files the stage loads by name, its own first
 * @returns the snapshot; dispose of it (`await using`) to remove the folder
 * @throws {LearnerFileError} when the folder is a link, or one of the files is a link, a
 *   directory, a pipe, a device or oversized, or the files are too many or too large together
 *   (nothing is left behind then)
 * @example
 * ```ts ignore
 * import { snapshot } from "./snapshot.ts";
 * await using snap = await snapshot("exercises", ["3_attention.ts"]);
 * snap.files; // ["3_attention.ts"]
 * ```
 */
export async function snapshot(
  learnerDir: string,
  entries: readonly string[],
): Promise<Snapshot> {
  checkLearnerFolder(learnerDir);
  await Deno.mkdir(SNAPSHOTS, { recursive: true });
  const root = await Deno.makeTempDir({ dir: SNAPSHOTS, prefix: "grade-" });
  const remove = async () => {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(`${SANDBOX_CACHE}/gen/file${root}`, { recursive: true }).catch(() => {});
  };
  try {
    await Deno.writeTextFile(
      `${root}/mod.ts`,
      `// The kit's library, for the learner's "../mod.ts".\nexport * from "${
        pathToFileURL(kitPath("mod.ts")).href
      }";\n`,
    );
    const dir = `${root}/exercises`;
    await Deno.mkdir(dir);
    const files: string[] = [];
    let bytes = 0;
    const queue = [...entries];
    for (let name; (name = queue.shift()) !== undefined;) {
      if (files.includes(name)) continue;
      const text = readLearnerFile(`${learnerDir}/${name}`);
      if (text === undefined) continue; // missing: importing it says so, in the learner's words
      const encoded = new TextEncoder().encode(text);
      bytes += encoded.length;
      if (files.length === MAX_SNAPSHOT_FILES || bytes > MAX_SNAPSHOT_BYTES) {
        throw new LearnerFileError(
          `the files this stage loads from ${relative(learnerDir)} (${
            entries[0]
          } and what it imports ` +
            `with ./name.ts) are more than ${MAX_SNAPSHOT_FILES} files or ` +
            `${MAX_SNAPSHOT_BYTES >> 20} MiB together: import only the files you wrote`,
        );
      }
      await Deno.writeFile(`${dir}/${name}`, encoded);
      files.push(name);
      for (const s of importSpecifiers(text)) {
        const sibling = s.match(SIBLING)?.[1];
        if (sibling) queue.push(sibling);
      }
    }
    return { dir, files, [Symbol.asyncDispose]: remove };
  } catch (e) {
    await remove();
    throw e;
  }
}
