/**
 * The sandboxed side of grading: imports the learner's exercise file, runs the stage's probes
 * on the arguments the grader sent, and streams each outcome back as a framed line on stdout.
 * Everything else on stdout is what the learner's code printed.
 *
 * Run by `run_stage.ts` with narrow permissions; reads one JSON request on stdin:
 * `{ nonce, stage, learnerFile, configPath, weightsPath, tokenizerDir, calls }`.
 *
 * Learner code runs in this process, so everything the framing needs is taken before it runs:
 * the nonce lives only in `main`'s scope, and the line that carries it is built and written
 * with built-ins held here, so that replacing `JSON.stringify`, `TextEncoder` or a typed-array
 * method cannot reveal it. `Deno.exit()` and `close()` throw instead of ending the process (at
 * import time that is the file's error, inside a call that call's error); an error thrown in a
 * timer or an un-awaited promise is printed and the grading goes on; once every call is
 * answered the process exits, whatever timers the learner's code left running.
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

/**
 * A message of the child, sent after the nonce: `running` before a call, its outcome after
 * it, `import` when the file could not be loaded, `done` at the end.
 */
export type ChildMessage =
  | { running: string }
  | { id: string; outcome: ProbeOutcome }
  | { import: ThrownError }
  | { done: true };

/** The prefix of a result line: the nonce follows, then the JSON. */
export const FRAME = "\u001eGPT2KIT:";

// Held before learner code runs (see the module doc).
const apply = Reflect.apply;
const stringify = JSON.stringify;
const encode = TextEncoder.prototype.encode;
const subarray = Uint8Array.prototype.subarray;
const byteLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  "length",
)!.get!;
const writeOut = Deno.stdout.writeSync.bind(Deno.stdout);
const writeErr = Deno.stderr.writeSync.bind(Deno.stderr);
const exit = Deno.exit;
const encoder = new TextEncoder();

function write(to: (p: Uint8Array) => number, text: string): void {
  const bytes: Uint8Array = apply(encode, encoder, [text]);
  const n: number = apply(byteLength, bytes, []);
  for (let at = 0; at < n;) at += to(apply(subarray, bytes, [at]));
}

function send(nonce: string, message: ChildMessage): void {
  write(writeOut, `\n${FRAME}${nonce}:${stringify(message)}\n`);
}

/** Thrown by `Deno.exit()` and `close()` while the learner's code is graded. */
class ExitError extends Error {
  /** @param call what was called */
  constructor(call: string) {
    super(
      `${call} ends the grading process: return your result (or throw an error) instead`,
    );
    this.name = "ExitError";
  }
}

function forbidExit(): void {
  const fixed = (call: string) => ({
    value: () => {
      throw new ExitError(call);
    },
    writable: false,
    configurable: false,
  });
  Object.defineProperty(Deno, "exit", fixed("Deno.exit()"));
  Object.defineProperty(globalThis, "close", fixed("close()"));
}

const PERMISSION = /^Requires (\w+) access to (.*?)(?:, run again with the --allow-\w+ flag)?$/s;

/**
 * Describes a thrown value for the report, locating it in the learner's files. A permission
 * error says what the sandbox allows instead of advising a flag the learner cannot pass.
 *
 * @param e what was thrown
 * @param learnerDir the directory of the learner's files (for the location)
 * @returns the description
 */
export function describeThrown(e: unknown, learnerDir: string): ThrownError {
  const err = e instanceof Error ? e : new Error(String(e));
  const dirUrl = pathToFileURL(learnerDir).href;
  const frame = (err.stack ?? "").split("\n").find((l) => l.includes(dirUrl));
  const at = frame?.match(/(file:\/\/[^\s)]*?):(\d+):(\d+)/);
  const where = at ? `${decodeURIComponent(new URL(at[1]).pathname)}:${at[2]}:${at[3]}` : undefined;
  if (e instanceof NotImplementedError) {
    // where the todo() is: in this stage's file, or in an earlier stage's that it builds on
    return {
      kind: "not-implemented",
      name: e.name,
      message: e.message,
      what: e.what,
      hint: e.hint,
      ...(where ? { at: where } : {}),
    };
  }
  const denied = String(err.message).split("\n")[0].match(PERMISSION);
  const message = denied
    ? `Requires ${denied[1]} access to ${denied[2]}: while it is graded, your code may only ` +
      "read its own files, the library and the model (no writing, network, environment " +
      "variables or subprocesses)"
    : err.message;
  return { kind: "exception", name: err.name, message, at: where };
}

async function main(): Promise<void> {
  const request: ChildRequest = JSON.parse(await new Response(Deno.stdin.readable).text());
  const nonce = request.nonce;
  const calls = request.calls;
  const stage = STAGES.find((s) => s.number === request.stage);
  if (!stage) throw new Error(`No stage ${request.stage}`);
  const learnerDir = request.learnerFile.slice(0, request.learnerFile.lastIndexOf("/") + 1);
  let weights: StateDict | undefined;
  const env: ProbeEnv = {
    config: loadConfig(request.configPath),
    weights: () => (weights ??= loadStateDict(request.weightsPath)),
    tokenizerDir: request.tokenizerDir,
    learnerModule: (file) => import(pathToFileURL(`${learnerDir}${file}`).href),
  };
  forbidExit();
  const uncaught = (e: unknown) => {
    const d = describeThrown(e, learnerDir);
    const at = d.at ? ` (at ${d.at})` : "";
    write(writeErr, `Uncaught in a timer or promise of your code: ${d.name}: ${d.message}${at}\n`);
  };
  globalThis.addEventListener("error", (ev) => {
    ev.preventDefault();
    uncaught(ev.error);
  });
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    uncaught(ev.reason);
  });
  let learner: Record<string, unknown>;
  try {
    learner = await import(pathToFileURL(request.learnerFile).href);
  } catch (e) {
    send(nonce, { import: describeThrown(e, learnerDir) });
    return;
  }
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i];
    send(nonce, { running: call.id });
    let outcome: ProbeOutcome;
    try {
      const args = fromWire(call.args ?? {}, true) as Record<string, unknown>;
      const value = await stage.probes[call.probe](learner, args, env);
      outcome = { ok: true, value: toWire(value) };
    } catch (e) {
      outcome = { ok: false, error: describeThrown(e, learnerDir) };
    }
    try {
      send(nonce, { id: call.id, outcome });
    } catch (e) {
      const error = describeThrown(e, learnerDir);
      error.message = `the value your code returned cannot be sent to the grader: ${error.message}`;
      send(nonce, { id: call.id, outcome: { ok: false, error } });
    }
  }
  send(nonce, { done: true });
}

if (import.meta.main) {
  await main();
  exit(0);
}
