/**
 * What the learner's tools (`progress`, `hint`, `watch`, `reset`) share: picking a stage from
 * the command line, grading `exercises/` on the bundled tiny model, terminal styles, and a
 * runner that turns bad arguments into a usage message (exit 2) and any other failure into one
 * plain sentence (exit 1), never a stack trace.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { kitPath } from "../lib/paths.ts";
import { gradeContext, TINY } from "../grader/context.ts";
import { type Styles, styles } from "../grader/report/pretty.ts";
import { DEFAULT_LIMITS, gradeStage } from "../grader/run_stage.ts";
import type { Stage, StageResult } from "../grader/stage.ts";
import { UsageError } from "./_usage.ts";

export { UsageError };

/** The options a tool accepts, as `node:util`'s `parseArgs` takes them. */
export type ToolOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a tool's command line strictly (unknown options and too many positionals are
 * usage errors).
 *
 * @param args the arguments
 * @param options the options the tool accepts
 * @param maxPositionals how many positional arguments it takes
 * @returns the option values, the positionals, and `tokens`: every option and positional in
 *   command-line order (for repeatable options whose order matters)
 * @throws {UsageError} for an unknown option, a missing option value, or an extra argument
 * @example
 * ```ts
 * import { parseCommandLine } from "./_cli.ts";
 * const { values, positionals } = parseCommandLine(["3", "--all"], {
 *   all: { type: "boolean", default: false },
 * }, 1);
 * ```
 */
export function parseCommandLine<O extends ToolOptions>(
  args: string[],
  options: O,
  maxPositionals: number,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    // node's messages go on with advice about "--"; the first sentence says what was wrong
    throw new UsageError(`${(e as Error).message.split(". ")[0].replace(/\.$/, "")}.`);
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  return parsed;
}

/**
 * Parses the command line of a command that writes a generated file or, with `--check`, only
 * checks it (`--check` and `--help`, no arguments), and prints the usage for `--help`.
 *
 * @param args the arguments
 * @param usage the command's usage text
 * @returns `"check"` or `"write"`, or undefined when the usage was printed
 * @throws {UsageError} for anything else on the command line
 * @example
 * ```ts
 * import { checkOrWrite } from "./_cli.ts";
 * checkOrWrite(["--check"], "Usage: …"); // "check"
 * ```
 */
export function checkOrWrite(args: string[], usage: string): "check" | "write" | undefined {
  const { values } = parseCommandLine(args, {
    check: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  }, 0);
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  return values.check ? "check" : "write";
}

/** Grades one stage of the learner's files. */
export type Grade = (stage: Stage) => Promise<StageResult>;

/**
 * Finds the stage the learner named on the command line.
 *
 * @param arg the argument as typed, e.g. `"3"`; undefined when none was given
 * @param stages the registered stages
 * @param command the command, for the message, e.g. `"deno task hint"`
 * @returns the stage
 * @throws {UsageError} when the argument is missing or names no stage
 * @example
 * ```ts
 * import { stageArg } from "./_cli.ts";
 * import { STAGES } from "../grader/stages/mod.ts";
 * stageArg(String(STAGES[0].number), STAGES, "deno task hint").name;
 * ```
 */
export function stageArg(
  arg: string | undefined,
  stages: readonly Stage[],
  command: string,
): Stage {
  const numbers = stages.map((s) => s.number).join(", ");
  if (arg === undefined) {
    throw new UsageError(`Say which stage: \`${command} N\` with N one of ${numbers}.`);
  }
  const stage = /^\d+$/.test(arg) ? stages.find((s) => s.number === Number(arg)) : undefined;
  if (!stage) throw new UsageError(`There is no stage "${arg}": choose one of ${numbers}.`);
  return stage;
}

/**
 * A grader for the learner's exercise files on the bundled tiny model (fast: well under a
 * second a stage), with the limits of `deno task check`.
 *
 * @param learnerDir the directory of the learner's stage files (default `exercises/`)
 * @returns a function that grades one stage
 * @throws {Error} saying why grading cannot start when the model's files are missing or broken
 */
export function exerciseGrader(learnerDir: string = kitPath("exercises")): Grade {
  let ctx;
  try {
    ctx = gradeContext(TINY);
  } catch (e) {
    throw new Error(`Cannot start grading: ${(e as Error).message}`);
  }
  return (stage) =>
    gradeStage(stage, ctx, {
      learnerDir,
      configPath: TINY.configPath,
      weightsPath: TINY.weightsPath,
      tokenizerDir: TINY.tokenizerDir,
      ...DEFAULT_LIMITS,
    });
}

/**
 * Styles for standard output: colour on a terminal unless `NO_COLOR` is set.
 *
 * @returns the styles
 */
export function stdoutStyles(): Styles {
  return styles(Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"));
}

/**
 * Runs a tool's main function and exits with its code: a {@linkcode UsageError} is printed
 * with the usage (exit 2), any other error as one sentence (exit 1).
 *
 * @param usage the tool's usage text
 * @param main the tool; resolves to its exit code
 * @returns never: it exits the process
 */
export async function runTool(usage: string, main: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${usage}`);
      code = 2;
    } else {
      console.error((e as Error).message ?? String(e));
      code = 1;
    }
  }
  Deno.exit(code);
}
