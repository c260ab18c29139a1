/**
 * What the platform kits' tests share: the submissions they grade — a good one (the solutions,
 * as a repository with `exercises/`), a stub one (the untouched stubs, as a bare folder) and a
 * hostile one (a link to a file of the grader's, a file that reads the grader's files and
 * forges a workflow command, a named pipe) — and running a platform's shell script as the
 * platform would.
 *
 * @module
 */
import { assert } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { loadPristine } from "../commands/reset.ts";
import type { ToolRun } from "../commands/_test_helpers.ts";

/** The kinds of submission a platform kit is tested with. */
export type SubmissionKind = "good" | "stub" | "hostile";

/** The kinds, in the order the tests grade them. */
export const SUBMISSION_KINDS: readonly SubmissionKind[] = ["good", "stub", "hostile"];

/** What the hostile submission's code prints, which no report may pass on as a command. */
export const FORGED = "::error file=grader/run_stage.ts,line=1::forged";

/**
 * Writes a submission into `dir` (created; it must not exist).
 *
 * @param dir where the platform puts the student's files
 * @param kind which submission
 * @param secret a file of the grader's the hostile submission tries to reach
 */
export async function writeSubmission(
  dir: string,
  kind: SubmissionKind,
  secret: string,
): Promise<void> {
  if (kind === "stub") {
    await Deno.mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(await loadPristine())) {
      await Deno.writeTextFile(`${dir}/${file}`, text);
    }
    return;
  }
  const exercises = `${dir}/exercises`;
  await Deno.mkdir(exercises, { recursive: true });
  if (kind === "good") {
    for (const s of STAGES) {
      await Deno.copyFile(kitPath("solutions", s.file), `${exercises}/${s.file}`);
    }
    return;
  }
  const [tokenizer, embedding, attention] = STAGES.map((s) => s.file);
  await Deno.symlink(secret, `${exercises}/${tokenizer}`);
  await Deno.writeTextFile(
    `${exercises}/${embedding}`,
    `console.log(${JSON.stringify(FORGED)});\n` +
      `console.log(Deno.readTextFileSync(${JSON.stringify(secret)}));\n`,
  );
  const fifo = await new Deno.Command("mkfifo", { args: [`${exercises}/${attention}`] }).output();
  assert(fifo.success, "mkfifo");
}

/**
 * Runs a platform's script as the platform would: no terminal, no colour, no network (a proxy
 * that refuses every connection, so that anything fetched would fail), Deno on the `PATH`.
 *
 * @param script the script
 * @param args its arguments
 * @param env more environment variables (e.g. the platform's root)
 * @returns its exit code and output
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<ToolRun> {
  const denoDir = Deno.execPath().replace(/\/[^/]+$/, "");
  const offline = "http://127.0.0.1:9";
  const out = await new Deno.Command(script, {
    args,
    env: {
      NO_COLOR: "1",
      PATH: `${denoDir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HTTP_PROXY: offline,
      HTTPS_PROXY: offline,
      ...env,
    },
    stdin: "null",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
