/**
 * What the tools' tests share: running a task as the learner would (a child `deno run` with the
 * task's permissions, no terminal, no colour), a scratch directory inside the kit's
 * git-ignored `.cache/`, and a copy of the untouched stubs there.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { loadPristine } from "./reset.ts";
import type { StudentReport } from "./_gradebook.ts";

/** What a tool printed and its exit code. */
export interface ToolRun {
  /** The exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs a task of `deno.json` as `deno task` would, with the task's own permissions (so that a
 * test proves they suffice), standard input closed and colour off.
 *
 * @param task the task's name, e.g. `hint`
 * @param args the tool's arguments
 * @param root the kit whose `deno.json` has the task, and the working directory (default: this
 *   kit; e.g. a student template)
 * @param env more environment variables, e.g. `GITHUB_STEP_SUMMARY`
 * @returns its exit code and output
 */
export async function runTask(
  task: string,
  args: string[],
  root = kitPath(),
  env: Record<string, string> = {},
): Promise<ToolRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await taskArgs(task, root), ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * The arguments of `deno` that a task of `deno.json` runs (`run`, its permissions, its script).
 *
 * @param task the task's name, e.g. `studio`
 * @param root the kit whose `deno.json` has the task (default: this kit)
 * @returns the arguments
 * @throws {Error} when the task is not a `deno run`
 */
export async function taskArgs(task: string, root = kitPath()): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${root.replace(/\/$/, "")}/deno.json`));
  const [deno, ...command] = String(config.tasks[task]).split(" ");
  if (deno !== "deno" || command[0] !== "run") throw new Error(`Task ${task} is not a deno run`);
  return command;
}

/**
 * Runs `fn` with a fresh directory under the kit's `.cache/`, removed afterwards.
 *
 * @param fn what to do in it
 * @returns what `fn` returns
 */
export async function inCacheDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  await Deno.mkdir(kitPath(".cache"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: kitPath(".cache"), prefix: "tools_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs `fn` with a fresh directory in the system's temporary directory, removed afterwards.
 *
 * @param fn what to do in it
 * @returns what `fn` returns
 */
export async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "gpt2kit_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The names in a directory, sorted.
 *
 * @param dir the directory
 * @returns its entries' names
 */
export async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/**
 * Runs `fn` on a fresh directory under `<kit>/.cache/` holding the untouched stubs of every
 * stage (from `grader/pristine.json`: the kit's own copy, never the learner's `exercises/`,
 * so that the kit's tests pass at every point of a learner's course), with `files` written
 * over them; removes it afterwards.
 *
 * @param fn what to do with the directory, e.g. grade it
 * @param files other stage files by name, e.g. solutions
 * @returns what `fn` returns
 */
export async function withStubs<T>(
  fn: (dir: string) => Promise<T>,
  files: Record<string, string> = {},
): Promise<T> {
  const stubs = await loadPristine();
  return await inCacheDir(async (dir) => {
    for (const [name, text] of Object.entries(stubs)) {
      await Deno.writeTextFile(`${dir}/${name}`, files[name] ?? text);
    }
    return await fn(dir);
  });
}

/** A step of a GitHub Actions workflow, as the YAML parser gives it. */
export interface WorkflowStep {
  /** Its name. */
  name?: string;
  /** Its id (for its outputs). */
  id?: string;
  /** The action it uses. */
  uses?: string;
  /** The script it runs. */
  run?: string;
  /** When it runs. */
  if?: string;
  /** Its environment. */
  env?: Record<string, string>;
  /** The action's inputs. */
  with?: Record<string, string | boolean>;
}

/** A `deno task` command a script runs: the task and the options it passes. */
export interface TaskCommand {
  /** The task, e.g. `check`. */
  task: string;
  /** The options it passes, e.g. `["--format", "--report"]`. */
  options: string[];
}

/**
 * The `deno task` commands in a shell script (lines continued with `\` joined).
 *
 * @param script the script, e.g. a workflow step's `run`
 * @returns each command's task and options, in order
 * @example
 * ```ts
 * import { taskCommands } from "./_test_helpers.ts";
 * taskCommands("deno task check all \\\n  --format github"); // [{ task: "check", options: ["--format"] }]
 * ```
 */
export function taskCommands(script: string): TaskCommand[] {
  const joined = script.replace(/\\\n/g, " ");
  return [...joined.matchAll(/deno task ([\w-]+)([^\n;&|]*)/g)].map((m) => ({
    task: m[1],
    options: [...new Set(m[2].match(/(?<=^|\s)--[\w-]+/g) ?? [])],
  }));
}

/**
 * Checks that every `deno task` command a script runs exists in a kit: the task in its
 * `deno.json`, each option in the task's `--help`.
 *
 * @param script the script
 * @param root the kit (default: this one)
 * @returns the problems found, one per line (empty when every command exists)
 */
export async function missingCommands(script: string, root = kitPath()): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)).tasks;
  const problems: string[] = [];
  for (const { task, options } of taskCommands(script)) {
    if (!(task in tasks)) {
      problems.push(`deno task ${task}: no such task`);
      continue;
    }
    const help = await runTask(task, ["--help"], root);
    for (const o of options) {
      if (!new RegExp(`${o}(?![\\w-])`).test(help.stdout)) {
        problems.push(`deno task ${task} ${o}: not an option`);
      }
    }
  }
  return problems;
}

/**
 * A student's report as `grade-batch` writes it, cut to the fields the gradebook reads: ten
 * points possible per stage.
 *
 * @param student the student
 * @param points the points of each stage
 * @param reason why stages could not be graded (the status is then `error`)
 * @returns the report
 */
export function studentReportOf(student: string, points: number[], reason = ""): StudentReport {
  const stages = points.map((p, i) => ({ stage: i + 1, points: p, maxPoints: 10 }));
  const total = points.reduce((a, b) => a + b, 0);
  return {
    student,
    status: reason ? "error" : total === 10 * points.length ? "pass" : "fail",
    reason,
    graderFailed: false,
    fingerprint: "f",
    stages,
    points: total,
    maxPoints: 10 * points.length,
  };
}
