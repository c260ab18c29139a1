/**
 * `deno task reset N`: puts the original stub of stage N back in `exercises/`, after asking.
 * The learner's file is kept beside it as `<file>.bak-<timestamp>`, written (atomically)
 * before the stub replaces the file (atomically too): nothing is lost if anything fails.
 *
 * ```
 * deno task reset N [--yes]
 * ```
 *
 * The stubs come from `grader/pristine.json`, a snapshot of `exercises/` made by the
 * maintainer tool `commands/pristine.ts`.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import type { Stage } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { parseCommandLine, runTool, stageArg } from "./_cli.ts";
import { exists, writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task reset N [--yes]

Replaces stage N's file in exercises/ with its original stub; your file is kept beside it
as <file>.bak-<timestamp>.

Options:
  --yes     do not ask for confirmation
  --help    this text`;

/** The snapshot of the original exercise files. */
export const PRISTINE = kitPath("grader", "pristine.json");

/** Original exercise files by name, e.g. `{ "3_attention.ts": "..." }`. */
export type Pristine = Record<string, string>;

/**
 * Reads the snapshot of the original exercise files.
 *
 * @param path the snapshot (default `grader/pristine.json`)
 * @returns the files by name
 * @throws {Error} saying that the snapshot is missing or damaged
 */
export async function loadPristine(path: string = PRISTINE): Promise<Pristine> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : (e as Error).message;
    throw new Error(`Cannot read the original stubs in ${relative(path)}: ${why}`);
  }
  const ok = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) &&
    Object.values(parsed).every((v) => typeof v === "string");
  if (!ok) {
    throw new Error(`${relative(path)} is damaged: expected { "<file>": "<content>", ... }`);
  }
  return parsed as Pristine;
}

/**
 * The backup's name: the file name, `.bak-` and a local timestamp.
 *
 * @param file the file's path
 * @param at when
 * @returns e.g. `exercises/3_attention.ts.bak-20250131-094500`
 */
export function backupName(file: string, at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  const time = `${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`;
  return `${file}.bak-${date}-${time}`;
}

/** How {@linkcode resetStage} runs. */
export interface ResetOptions {
  /** The stage. */
  stage: Stage;
  /** The directory of the learner's files. */
  dir: string;
  /** How the directory is called in messages, e.g. `exercises`. */
  shownDir: string;
  /** The original files. */
  pristine: Pristine;
  /** Replace without asking. */
  yes: boolean;
  /** Whether someone can answer a question (standard input is a terminal). */
  interactive: boolean;
  /** Asks a yes/no question; true for yes. */
  confirm: (question: string) => boolean | Promise<boolean>;
  /** Now, for the backup's name. */
  now: Date;
}

/**
 * Restores a stage's original stub, keeping the learner's file as a backup.
 *
 * @param o the options
 * @returns the exit code (0 done or declined, 1 refused) and the lines to print
 * @throws {Error} when the snapshot has no stub for the stage, or a write fails (the
 * learner's file is then unchanged)
 */
export async function resetStage(o: ResetOptions): Promise<{ code: number; lines: string[] }> {
  const { stage } = o;
  const stub = o.pristine[stage.file];
  if (stub === undefined) {
    throw new Error(
      `The kit has no original stub for ${stage.file} (grader/pristine.json does not list ` +
        `it): get a fresh copy of the kit.`,
    );
  }
  const path = `${o.dir}/${stage.file}`;
  const shown = `${o.shownDir}/${stage.file}`;
  let current: Uint8Array | undefined;
  try {
    current = await Deno.readFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (current === undefined) {
    await writeFileAtomic(path, stub);
    return { code: 0, lines: [`${shown} was missing: the original stub is back.`] };
  }
  if (new TextDecoder().decode(current) === stub) {
    return { code: 0, lines: [`${shown} is already the original stub: nothing to do.`] };
  }
  let backup = backupName(path, o.now);
  for (let n = 2; await exists(backup); n++) backup = `${backupName(path, o.now)}-${n}`;
  const shownBackup = `${o.shownDir}/${backup.slice(backup.lastIndexOf("/") + 1)}`;
  if (!o.yes) {
    if (!o.interactive) {
      return {
        code: 1,
        lines: [
          `Not resetting: this would replace ${shown} with the original stub, and there is ` +
          `no terminal to ask for confirmation.`,
          `Run \`deno task reset ${stage.number} --yes\` to do it without asking.`,
        ],
      };
    }
    const question = `This replaces ${shown} with the original stub. Your file is kept as ` +
      `${shownBackup}. Continue? [y/N]`;
    if (!await o.confirm(question)) {
      return { code: 0, lines: [`Nothing changed: ${shown} is as it was.`] };
    }
  }
  try {
    await writeFileAtomic(backup, current);
  } catch (e) {
    throw new Error(
      `Could not keep your file as ${shownBackup} (${(e as Error).message}): nothing changed.`,
    );
  }
  try {
    await writeFileAtomic(path, stub);
  } catch (e) {
    throw new Error(
      `Could not write the stub to ${shown} (${(e as Error).message}): your file is unchanged ` +
        `(a copy is in ${shownBackup}).`,
    );
  }
  return {
    code: 0,
    lines: [
      `${shown} is the original stub again; your file is kept as ${shownBackup}.`,
      `Next: \`deno task check ${stage.number}\` shows where to start.`,
    ],
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    yes: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  }, 1);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const stage = stageArg(positionals[0], STAGES, "deno task reset");
  const { code, lines } = await resetStage({
    stage,
    dir: kitPath("exercises"),
    shownDir: "exercises",
    pristine: await loadPristine().catch((e) => {
      throw new Error(`${e.message}. Get a fresh copy of the kit's grader/ folder.`);
    }),
    yes: values.yes,
    interactive: Deno.stdin.isTerminal(),
    confirm: (question) => /^\s*y(es)?\s*$/i.test(prompt(question) ?? ""),
    now: new Date(),
  });
  (code ? console.error : console.log)(lines.join("\n"));
  return code;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
