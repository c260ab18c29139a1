/**
 * `deno task hint N`: reveals stage N's hints one at a time — the first call shows hint 1, the
 * next hints 1 and 2, and so on. How many are revealed is remembered per stage in
 * `.cache/hints.json`; a missing or corrupt file means none are.
 *
 * ```
 * deno task hint N [--all | --reset]
 * ```
 *
 * It grades the stage first: on a stage that passes it says so before the hints, which are then
 * ways to compare rather than help. When every hint is shown, it points to the solution only if
 * the stage passes (as rustlings does) and the kit has its solutions (a student template has
 * not); otherwise to `deno task check N --verbose`, or to the next stage.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import { hasSolutions } from "../grader/context.ts";
import type { Styles } from "../grader/report/pretty.ts";
import type { Stage } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import {
  exerciseGrader,
  parseCommandLine,
  runTool,
  stageArg,
  stdoutStyles,
  UsageError,
} from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task hint N [--all | --reset]

Shows the next hint for stage N (each call reveals one more).

Options:
  --all     show every hint of the stage
  --reset   hide the stage's hints again
  --help    this text`;

/** Where the number of revealed hints is kept. */
export const HINT_STATE = kitPath(".cache", "hints.json");

/** How many hints are revealed, by stage number. */
export type HintState = Record<string, number>;

/**
 * Reads the hint state; a missing, unreadable or corrupt file, or a bad entry, counts as
 * "nothing revealed".
 *
 * @param path the state file
 * @returns the state
 */
export async function readHintState(path: string): Promise<HintState> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const entries = Object.entries(parsed).filter(([, n]) => Number.isInteger(n) && n > 0);
  return Object.fromEntries(entries);
}

/**
 * Saves the hint state atomically, creating its directory when needed.
 *
 * @param path the state file
 * @param state the state
 */
export async function writeHintState(path: string, state: HintState): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(state, null, 2) + "\n");
}

/** What the learner asked for. */
export type HintAction = "next" | "all" | "reset";

/**
 * How many hints to show after an action.
 *
 * @param revealed how many were revealed before
 * @param total how many the stage has
 * @param action the action
 * @returns the new count, between 0 and `total`
 */
export function revealedAfter(revealed: number, total: number, action: HintAction): number {
  if (action === "reset") return 0;
  if (action === "all") return total;
  return Math.min(Math.max(revealed, 0) + 1, total);
}

/**
 * The hint screen: the revealed hints and what to do next.
 *
 * @param stage the stage
 * @param shown how many hints to show (at least 1)
 * @param passes whether the learner's stage passes
 * @param s styles
 * @param solutions whether the kit has `solutions/` to compare with
 * @returns the lines
 */
export function hintLines(
  stage: Stage,
  shown: number,
  passes: boolean,
  s: Styles,
  solutions: boolean,
): string[] {
  const total = stage.hints.length;
  const lines = [
    s.bold(`Stage ${stage.number} · ${stage.name}`) + s.dim(` — hint ${shown} of ${total}`),
    "",
    ...(passes
      ? [
        s.ok(
          `Your stage ${stage.number} already passes (\`deno task check ${stage.number}\`): ` +
            "no hint is needed; these are to compare with what you wrote.",
        ),
        "",
      ]
      : []),
    ...stage.hints.slice(0, shown).map((h, i) => `  ${s.todo(`${i + 1}.`)} ${h}`),
    "",
  ];
  if (shown < total) {
    lines.push(`Run \`deno task hint ${stage.number}\` again for the next hint.`);
  } else if (passes) {
    lines.push(
      "That was the last hint, and your stage passes: " +
        (solutions
          ? `compare your code with solutions/${stage.file} to see another way to write it.`
          : "`deno task progress` shows what comes next."),
    );
  } else {
    lines.push(
      `That was the last hint. \`deno task check ${stage.number} --verbose\` shows every ` +
        `check's numbers and everything your code printed.`,
    );
  }
  return lines;
}

/**
 * Runs the hint command.
 *
 * @param argv the arguments
 * @param statePath the state file
 * @param passes whether the learner's stage passes
 * @param s styles
 * @returns the lines to print
 * @throws {UsageError} for bad arguments
 */
export async function hint(
  argv: string[],
  statePath: string,
  passes: (stage: Stage) => Promise<boolean>,
  s: Styles,
): Promise<string[]> {
  const { values, positionals } = parseCommandLine(argv, {
    all: { type: "boolean", default: false },
    reset: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  }, 1);
  if (values.help) return [USAGE];
  const stage = stageArg(positionals[0], STAGES, "deno task hint");
  if (values.all && values.reset) throw new UsageError("Use --all or --reset, not both.");
  const action: HintAction = values.reset ? "reset" : values.all ? "all" : "next";
  const key = String(stage.number);
  const state = await readHintState(statePath);
  const shown = revealedAfter(state[key] ?? 0, stage.hints.length, action);
  const warnings: string[] = [];
  if (shown !== (state[key] ?? 0)) {
    if (shown) state[key] = shown;
    else delete state[key];
    try {
      await writeHintState(statePath, state);
    } catch (e) {
      warnings.push(
        s.dim(
          `(Could not remember this in ${relative(statePath)}: ${(e as Error).message}. ` +
            `The next call will show the same hints.)`,
        ),
      );
    }
  }
  if (action === "reset") {
    return [
      `The hints of stage ${stage.number} are hidden again: \`deno task hint ${stage.number}\` ` +
      `shows the first.`,
      ...warnings,
    ];
  }
  if (stage.hints.length === 0) {
    return [
      `Stage ${stage.number} has no hints. \`deno task check ${stage.number} --verbose\` ` +
      `shows every check's details.`,
    ];
  }
  return [...hintLines(stage, shown, await passes(stage), s, hasSolutions()), ...warnings];
}

if (import.meta.main) {
  await runTool(USAGE, async () => {
    const lines = await hint(
      Deno.args,
      HINT_STATE,
      async (stage) => (await exerciseGrader()(stage)).status === "pass",
      stdoutStyles(),
    );
    console.log(lines.join("\n"));
    return 0;
  });
}
