/**
 * `deno task watch [N]`: grades stage N (or the first stage that does not pass) now, then
 * again each time a file in `exercises/` is saved; when the stage passes, it moves on to the
 * next one. Ctrl-C stops it.
 *
 * ```
 * deno task watch [N] [--poll]
 * ```
 *
 * Saves are seen through file-system events (`Deno.watchFs`), debounced. Where those are not
 * available (the watcher throws) or never arrive (some network file systems), it checks the
 * files' modification times every second instead; `--poll` asks for that from the start.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { hasRealModel } from "../grader/context.ts";
import { formatStage, type Styles } from "../grader/report/pretty.ts";
import type { Stage, StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import {
  exerciseGrader,
  type Grade,
  parseCommandLine,
  runTool,
  stageArg,
  stdoutStyles,
} from "./_cli.ts";
import { type ChangeOptions, watchChanges } from "./_file_changes.ts";
import { closingLines } from "./progress.ts";

const USAGE = `Usage: deno task watch [N] [--poll]

Checks stage N (default: the first stage that does not pass yet) every time you save a file
in exercises/, and moves on to the next stage when it passes. Ctrl-C stops watching.

Options:
  --poll    look at the files' modification times every second instead of waiting for
            file-system events (for network drives and other file systems without events)
  --help    this text`;

/** Something the watcher reports. */
export type WatchEvent =
  | {
    /** A stage was graded and is now watched. */
    kind: "graded";
    /** The watched stage's result. */
    result: StageResult;
    /** The stages that passed just before it and were moved past, in order. */
    passed: StageResult[];
    /** Whether this is the last stage and it passes: everything is done. */
    done: boolean;
  }
  | {
    /** Changes are detected by looking at modification times from now on. */
    kind: "polling";
    /** Why, in words. */
    reason: string;
  };

/** How {@linkcode watchStages} runs. */
export interface WatchOptions extends Omit<ChangeOptions, "onPolling"> {
  /** The stages, in order. */
  stages: readonly Stage[];
  /** The stage to start with (default: the first). */
  start?: Stage;
  /** Grades one stage. */
  grade: Grade;
  /** Receives what happens. */
  onEvent: (event: WatchEvent) => void;
}

/**
 * Grades a stage, then again after every save, moving on to the next stage when it passes;
 * resolves when the signal aborts.
 *
 * @param o the options
 * @example
 * ```ts ignore
 * import { watchStages } from "./watch.ts";
 * import { exerciseGrader } from "./_cli.ts";
import { closingLines } from "./progress.ts";
 * import { STAGES } from "../grader/stages/mod.ts";
 * const stop = new AbortController();
 * await watchStages({
 *   dir: "exercises",
 *   stages: STAGES,
 *   grade: exerciseGrader(),
 *   onEvent: (e) => console.log(e.kind),
 *   signal: stop.signal,
 * });
 * ```
 */
export async function watchStages(o: WatchOptions): Promise<void> {
  let index = Math.max(0, o.stages.indexOf(o.start ?? o.stages[0]));
  let dirty = true;
  let wake = () => {};
  const onPolling = (reason: string) => o.onEvent({ kind: "polling", reason });
  const changes = await watchChanges({ ...o, onPolling }, () => {
    dirty = true;
    wake();
  });
  const onAbort = () => wake();
  o.signal.addEventListener("abort", onAbort);
  try {
    let passed: StageResult[] = [];
    while (!o.signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => wake = resolve);
        continue;
      }
      dirty = false;
      const result = await o.grade(o.stages[index]);
      if (o.signal.aborted) break;
      const last = index === o.stages.length - 1;
      if (result.status === "pass" && !last) {
        passed.push(result);
        index++;
        dirty = true;
        continue;
      }
      o.onEvent({ kind: "graded", result, passed, done: last && result.status === "pass" });
      passed = [];
    }
  } finally {
    o.signal.removeEventListener("abort", onAbort);
    await changes.stopped;
  }
}

/**
 * The screen after an event of the watcher.
 *
 * @param event a `graded` event
 * @param s styles
 * @param how how saves are detected, e.g. `"polling every second"`
 * @param at when it was graded
 * @param realModel whether the real GPT-2 has been downloaded (for what to try when all is done)
 * @returns the lines
 */
export function watchScreen(
  event: Extract<WatchEvent, { kind: "graded" }>,
  s: Styles,
  how: string,
  at: Date,
  realModel: boolean,
): string[] {
  const lines = event.passed.map((r, i) => {
    const next = event.passed[i + 1] ?? event.result;
    return s.ok(`✓ Stage ${r.stage} · ${r.name} passes: on to stage ${next.stage}.`);
  });
  if (lines.length) lines.push("");
  lines.push(...formatStage(event.result, s, false), "");
  if (event.done) lines.push(...closingLines([event.result], realModel).map(s.bold), "");
  const time = at.toTimeString().slice(0, 8);
  lines.push(
    s.dim(
      `Checked at ${time}. Watching exercises/ (${how}): save a file to check stage ` +
        `${event.result.stage} again. Ctrl-C stops.`,
    ),
  );
  return lines;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    poll: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  }, 1);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const start = positionals[0] === undefined
    ? undefined
    : stageArg(positionals[0], STAGES, "deno task watch");
  const s = stdoutStyles();
  const clear = Deno.stdout.isTerminal() ? "\x1b[2J\x1b[H" : "";
  let how = "file-system events";
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await watchStages({
      dir: kitPath("exercises"),
      stages: STAGES,
      start,
      grade: exerciseGrader(),
      signal: stop.signal,
      poll: values.poll,
      onEvent: (event) => {
        if (event.kind === "polling") {
          how = "checking the files every second";
          console.log(s.dim(`Now checking the files every second: ${event.reason}.`));
        } else {console.log(
            clear + watchScreen(event, s, how, new Date(), hasRealModel()).join("\n"),
          );}
      },
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  console.log("\nStopped watching. `deno task progress` shows where you are.");
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
