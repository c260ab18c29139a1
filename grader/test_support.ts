/**
 * Helpers for the stage tests: grade a directory of stage files through the real grader (the
 * sandboxed child included) on the bundled tiny model, and plant a classic bug in a copy of
 * the solutions to prove that the stage catches it.
 *
 * @example
 * ```ts ignore
 * import { gradeDir, withMutatedCopy } from "./test_support.ts";
 * import { stage } from "./stages/4_mlp.ts";
 * const result = await withMutatedCopy("4_mlp.ts", [["x.matmul(this.weight)", "x"]], (dir) =>
 *   gradeDir(stage, dir)
 * );
 * result.status; // "fail"
 * ```
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { gradeContext, TINY } from "./context.ts";
import { gradeStage, type RunOptions } from "./run_stage.ts";
import { inCacheDir } from "../commands/_test_helpers.ts";
import type { CheckResult, GradeContext, Outcomes, Stage, StageResult } from "./stage.ts";

/**
 * Time limit of a graded stage in tests, in milliseconds: the default stage limit, a guard
 * against a hang (a stage takes seconds on a quiet machine, but minutes on a busy shared one).
 */
export const TEST_TIME_LIMIT_MS = 120_000;
/** Memory cap of a graded stage in tests, in MiB. */
export const TEST_MEMORY_LIMIT_MB = 4096;

let tinyContext: GradeContext | undefined;

/**
 * Grades the stage files in `learnerDir` on the tiny model, as `deno task check` would.
 *
 * @param stage the stage
 * @param learnerDir e.g. `kitPath("solutions")`
 * @param options other limits than the tests' defaults (e.g. a short time limit), points
 * @param ctx the grading context (default: the tiny model's)
 * @returns the graded stage
 */
export function gradeDir(
  stage: Stage,
  learnerDir: string,
  options: Partial<Pick<RunOptions, "timeLimitMs" | "memoryLimitMb" | "points">> = {},
  ctx: GradeContext = tinyContext ??= gradeContext(TINY),
): Promise<StageResult> {
  return gradeStage(stage, ctx, {
    learnerDir,
    configPath: TINY.configPath,
    weightsPath: TINY.weightsPath,
    tokenizerDir: TINY.tokenizerDir,
    timeLimitMs: TEST_TIME_LIMIT_MS,
    memoryLimitMb: TEST_MEMORY_LIMIT_MB,
    ...options,
  });
}

/**
 * The solution files, by name, for a copy of them under `<kit>/.cache/`.
 *
 * @param except files to leave out, e.g. `["2_embedding.ts"]` to keep its stub in a copy
 * @returns the files' texts by name
 */
export async function solutionCopies(
  except: readonly string[] = [],
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(kitPath("solutions"))) {
    if (!entry.isFile || !entry.name.endsWith(".ts") || except.includes(entry.name)) continue;
    files[entry.name] = await Deno.readTextFile(kitPath("solutions", entry.name));
  }
  return files;
}

/**
 * Copies every solution file into a fresh directory under `<kit>/.cache/`, applies exact
 * string replacements to `stageFile` there, runs `fn` on the directory and removes it.
 *
 * Each replacement must match exactly once in `stageFile`, so a mutation can never silently
 * do nothing (or more than intended) when the solution changes. The copies keep their
 * `"../mod.ts"` imports: the grader grades a snapshot that has the kit's library there.
 *
 * @param stageFile the file to mutate, e.g. `"2_embedding.ts"`
 * @param replacements `[from, to]` pairs, applied in order
 * @param fn what to do with the directory, e.g. grade it
 * @returns what `fn` returns
 * @throws {Error} when a replacement does not match exactly once (nothing is graded then)
 */
export async function withMutatedCopy<T>(
  stageFile: string,
  replacements: readonly (readonly [from: string, to: string])[],
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const files = await solutionCopies();
  let text = files[stageFile];
  if (text === undefined) throw new Error(`There is no solutions/${stageFile} to mutate`);
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1) {
      throw new Error(
        `Mutation of ${stageFile} expected ${JSON.stringify(from)} exactly once, found it ` +
          `${count} times`,
      );
    }
    text = text.replace(from, () => to);
  }
  return await inCacheDir(async (dir) => {
    for (const [name, t] of Object.entries({ ...files, [stageFile]: text })) {
      await Deno.writeTextFile(`${dir}/${name}`, t);
    }
    return await fn(dir);
  });
}

/**
 * The check of a graded stage with the given name.
 *
 * @param r the graded stage
 * @param name the check's name
 * @returns the check
 * @throws {Error} listing the stage's checks when none has that name
 */
export function checkNamed(r: StageResult, name: string): CheckResult {
  const c = r.checks.find((c) => c.name === name);
  if (!c) throw new Error(`No check "${name}" in ${JSON.stringify(r.checks.map((c) => c.name))}`);
  return c;
}

/**
 * Everything a learner reads about a check — message, details and hint — as one text.
 *
 * @param c the check
 * @returns the lines, joined
 */
export function learnerText(c: CheckResult): string {
  return [c.message, ...(c.details ?? []), c.hint ?? ""].join("\n");
}

/** A stage whose checks note when they read the references, and the context they read. */
export interface ReferenceWatch {
  /** The stage, each check's `run` wrapped. */
  stage: Stage;
  /** The tiny model's context, its `refs` watched. */
  ctx: GradeContext;
  /** The names of the checks that read `ctx.refs` while deciding. */
  read: Set<string>;
}

/**
 * Watches which checks of a stage read the references while they decide (what
 * `usesReferences` must say).
 *
 * @param stage the stage
 * @returns the watched stage and context, and the names read so far
 */
export function watchReferenceReads(stage: Stage): ReferenceWatch {
  const base = tinyContext ??= gradeContext(TINY);
  let deciding: string | undefined;
  const read = new Set<string>();
  const ctx: GradeContext = {
    ...base,
    get refs() {
      if (deciding) read.add(deciding);
      return base.refs;
    },
  };
  const checks = stage.checks.map((c) => ({
    ...c,
    run: (outcomes: Outcomes, x: GradeContext) => {
      deciding = c.name;
      try {
        return c.run(outcomes, x);
      } finally {
        deciding = undefined;
      }
    },
  }));
  return { stage: { ...stage, checks }, ctx, read };
}
