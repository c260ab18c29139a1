/**
 * The sandboxed side of grading: imports the learner's exercise file, runs the stage's probes
 * on the arguments the grader sent, and streams each outcome back as a framed line on stdout.
 * Everything else on stdout is what the learner's code printed.
 *
 * Run by `run_stage.ts` with narrow permissions; reads one JSON request on stdin:
 * `{ nonce, stage, learnerFile, configPath, weightsPath, tokenizerDir, calls }`.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { loadConfig } from "../lib/config.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import type { StateDict } from "../lib/module.ts";
import { NotImplementedError } from "../lib/todo.ts";
import { STAGES } from "./stages/mod.ts";
import type { ProbeCall, ProbeEnv } from "./stage.ts";
import { fromWire, type ProbeOutcome, type ThrownError, toWire } from "./wire.ts";

/** The request the grader sends on stdin. */
export interface ChildRequest {
  /** A random token that marks the child's result lines. */
  nonce: string;
  /** The stage number. */
  stage: number;
  /** Absolute path of the learner's exercise file. */
  learnerFile: string;
  /** The model's `config.json`. */
  configPath: string;
  /** The model's `model.safetensors`. */
  weightsPath: string;
  /** The tokenizer files' directory. */
  tokenizerDir: string;
  /** The probes to run, arguments in wire form. */
  calls: ProbeCall[];
}

/** The prefix of a result line: the nonce follows, then the JSON. */
export const FRAME = "\u001eGPT2KIT:";

// Held before learner code runs, so that replacing Deno.stdout cannot hide the results.
const writeSync = Deno.stdout.writeSync.bind(Deno.stdout);
const encoder = new TextEncoder();

function send(nonce: string, message: unknown): void {
  const bytes = encoder.encode(`\n${FRAME}${nonce}:${JSON.stringify(message)}\n`);
  for (let at = 0; at < bytes.length;) at += writeSync(bytes.subarray(at));
}

/**
 * Describes a thrown value for the report, locating it in the learner's files.
 *
 * @param e what was thrown
 * @param learnerDir the directory of the learner's files (for the location)
 * @returns the description
 */
export function describeThrown(e: unknown, learnerDir: string): ThrownError {
  if (e instanceof NotImplementedError) {
    return {
      kind: "not-implemented",
      name: e.name,
      message: e.message,
      what: e.what,
      hint: e.hint,
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const dirUrl = pathToFileURL(learnerDir).href;
  const frame = (err.stack ?? "").split("\n").find((l) => l.includes(dirUrl));
  const at = frame?.match(/(file:\/\/[^\s)]*?):(\d+):(\d+)/);
  const where = at ? `${decodeURIComponent(new URL(at[1]).pathname)}:${at[2]}:${at[3]}` : undefined;
  return { kind: "exception", name: err.name, message: err.message, at: where };
}

async function main(): Promise<void> {
  const request: ChildRequest = JSON.parse(await new Response(Deno.stdin.readable).text());
  const stage = STAGES.find((s) => s.number === request.stage);
  if (!stage) throw new Error(`No stage ${request.stage}`);
  const learnerDir = request.learnerFile.slice(0, request.learnerFile.lastIndexOf("/") + 1);
  let weights: StateDict | undefined;
  const env: ProbeEnv = {
    config: loadConfig(request.configPath),
    weights: () => (weights ??= loadStateDict(request.weightsPath)),
    tokenizerDir: request.tokenizerDir,
  };
  let learner: Record<string, unknown>;
  try {
    learner = await import(pathToFileURL(request.learnerFile).href);
  } catch (e) {
    send(request.nonce, { import: describeThrown(e, learnerDir) });
    return;
  }
  for (const call of request.calls) {
    let outcome: ProbeOutcome;
    try {
      const args = fromWire(call.args ?? {}, true) as Record<string, unknown>;
      const value = await stage.probes[call.probe](learner, args, env);
      outcome = { ok: true, value: toWire(value) };
    } catch (e) {
      outcome = { ok: false, error: describeThrown(e, learnerDir) };
    }
    send(request.nonce, { id: call.id, outcome });
  }
  send(request.nonce, { done: true });
}

if (import.meta.main) await main();
