/**
 * The sandboxed side of grading: imports the learner's exercise file, runs the stage's probes
 * on the arguments the grader sent, and streams each outcome back as a framed line on stdout.
 * Everything else on stdout is what the learner's code printed.
 *
 * The probes are the stage's own and the studio's (`studio/probes.ts`).
 *
 * Run by `run_stage.ts` with narrow permissions; reads on stdin the frames' nonce, a newline,
 * and one JSON request: `{ stage, learnerFile, configPath, weightsPath, tokenizerDir, threads,
 * calls }`.
 *
 * Learner code runs in this process, so everything the grader relies on is settled before it
 * loads. The nonce is only ever bytes in `main`'s scope, never a string (a heap snapshot shows
 * every string, not the bytes of typed arrays), and each frame is written by hand from
 * built-ins taken first (`intrinsics.ts`): a patched `JSON.stringify`, `toJSON`, typed-array
 * method or `Symbol.species` can neither read the nonce nor change a frame. What could start
 * another copy of the library or read the process's memory is closed before learner code
 * loads: `Worker`, Node's builtin-module lookups, `Deno`'s internals (the sandbox's import map
 * turns `node:v8`, `node:worker_threads` and the like into `sandbox/blocked.ts`), and Web
 * storage, which would write to Deno's cache without a permission. The calls'
 * arguments are decoded before learner code loads; the kit's classes (`Tensor`, `nn.Module`
 * and the layers) are frozen, so that their methods are the kit's whatever learner code does;
 * the library's references of what this stage asks the learner to write are withheld
 * (`lib/withheld.ts`). `Deno.exit()` and `close()` throw instead of ending the process (at
 * import time that is the file's error, inside a call that call's error); an error thrown in a
 * timer or an un-awaited promise is printed and the grading goes on; once every call is
 * answered the process exits, whatever timers the learner's code left running.
 *
 * @module
 */
import { jsonText, writeAll, writeFrame } from "./intrinsics.ts";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../lib/config.ts";
import { lazyCheckpoint } from "../lib/checkpoint.ts";
import { setKernelThreads } from "../lib/kernels/threads.ts";
import { NotImplementedError } from "../lib/todo.ts";
import type { ProbeCall, ProbeEnv } from "./stage.ts";
import type { GpuProbe } from "../lib/backend_choice.ts";
import * as nn from "../lib/nn.ts";
import { Tensor } from "../lib/tensor.ts";
import { withhold } from "../lib/withheld.ts";
import { STUDIO_PROBES } from "../studio/probes.ts";
import { STAGES, withheldReasons } from "./stages/mod.ts";
import { decodeValue, encodeValue, type ThrownError } from "./wire.ts";

/** The request the grader sends on stdin, after the nonce's line. */
export interface ChildRequest {
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
  /** Threads the library's kernels may use. */
  threads: number;
  /** Most characters an answer's value may have on the wire (the grader's cap on a frame). */
  maxValueChars: number;
  /** The probes to run, arguments in wire form. */
  calls: ProbeCall[];
  /** What `navigator.gpu` offers, for a stage that generates. */
  gpu?: GpuProbe;
}

/** The prefix of a result line: the nonce follows, then the JSON. */
export const FRAME = "\u001eGPT2KIT:";

/** Most characters of a thrown error's message (or name, hint, place) sent to the grader. */
const MAX_TEXT_CHARS = 4000;

// Held before learner code runs (see the module doc).
const writeOut = Deno.stdout.writeSync.bind(Deno.stdout);
const writeErr = Deno.stderr.writeSync.bind(Deno.stderr);
const exit = Deno.exit;
const freeze = Object.freeze;

/** A string field of an error, shortened to what a report can use. */
function text(v: string): string {
  return jsonText(v.length > MAX_TEXT_CHARS ? `${v.slice(0, MAX_TEXT_CHARS)}…` : v);
}

function errorText(e: ThrownError): string {
  const optional = (["what", "hint", "at"] as const)
    .map((k) => (e[k] === undefined ? "" : `,"${k}":${text(e[k]!)}`)).join("");
  return `{"kind":${jsonText(e.kind)},"name":${text(e.name)},"message":${text(e.message)}` +
    `${optional}}`;
}

/**
 * The JSON of a message, written by hand (see the module doc): `running` before a call, its
 * outcome after it, `import` when the file could not be loaded, `done` at the end.
 *
 * @param message the message, with the outcome's value already encoded
 * @returns its JSON text
 */
function messageText(
  message:
    | { running: string }
    | { id: string; value: string }
    | { id: string; error: ThrownError }
    | { import: ThrownError }
    | { done: true },
): string {
  if ("running" in message) return `{"running":${jsonText(message.running)}}`;
  if ("import" in message) return `{"import":${errorText(message.import)}}`;
  if ("done" in message) return '{"done":true}';
  const outcome = "value" in message
    ? `{"ok":true,"value":${message.value}}`
    : `{"ok":false,"error":${errorText(message.error)}}`;
  return `{"id":${jsonText(message.id)},"outcome":${outcome}}`;
}

function send(prefix: Uint8Array, message: Parameters<typeof messageText>[0]): void {
  writeFrame(writeOut, prefix, messageText(message));
}

/**
 * Splits what the grader wrote on stdin: the frame prefix (a newline, the marker, the nonce's
 * bytes, a colon), with the nonce's bytes zeroed where they were read, and the request.
 */
function readInput(input: Uint8Array): { prefix: Uint8Array; request: ChildRequest } {
  const end = input.indexOf(10);
  const head = new TextEncoder().encode(`\n${FRAME}`);
  const prefix = new Uint8Array(head.length + end + 1);
  prefix.set(head);
  prefix.set(input.subarray(0, end), head.length);
  prefix[prefix.length - 1] = 58; // ":"
  input.fill(0, 0, end);
  return { prefix, request: JSON.parse(new TextDecoder().decode(input.subarray(end + 1))) };
}

/** A value learner code cannot replace, where a global would let it around the sandbox. */
function fixed(value: unknown): PropertyDescriptor {
  return { value, writable: false, configurable: false, enumerable: false };
}

/** Node's modules whose every function is replaced before learner code loads. */
const NEUTERED_BUILTINS = ["v8", "worker_threads", "vm", "inspector", "cluster"];

/**
 * Closes what the permissions do not: `Worker` (a new thread gets fresh copies of the library,
 * with nothing withheld), `process.getBuiltinModule` (Node's modules past the import map),
 * `Deno[Deno.internal]` (the runtime's internals), every function of `v8`, `worker_threads`, `vm`,
 * `inspector` and `cluster` (however they are reached), and `caches`, `localStorage` and
 * `sessionStorage` (they write to Deno's cache with no write permission). The kernels' threads
 * have started by then (`setKernelThreads`).
 */
function closeEscapes(): void {
  const unavailable = (what: string) =>
    function blocked(): never {
      throw new Error(`${what} is not available while your code is graded`);
    };
  // onnxruntime-web's loader assigns Node's Worker to the global: the assignment is ignored
  const noWorker = unavailable("Worker");
  Object.defineProperty(globalThis, "Worker", {
    get: () => noWorker,
    set: () => {},
    configurable: false,
    enumerable: false,
  });
  const proc = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  // the import map does not reach a `require` inside an npm package (protobufjs's `inquire`
  // returns `require(name)`): the builtins themselves lose every function, in the one instance
  // `require` and `import` share (the kernels hold `node:worker_threads`' own exports)
  for (const name of NEUTERED_BUILTINS) {
    const builtin = proc?.getBuiltinModule?.(name) as Record<string, unknown> | undefined;
    for (const key of builtin ? Object.getOwnPropertyNames(builtin) : []) {
      const d = Object.getOwnPropertyDescriptor(builtin, key)!;
      if (typeof d.value === "function" || d.get) {
        Object.defineProperty(builtin, key, fixed(unavailable(`${name}.${key}`)));
      }
    }
  }
  if (proc) {
    Object.defineProperty(proc, "getBuiltinModule", fixed(unavailable("getBuiltinModule")));
  }
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  if (internal) delete (Deno as unknown as Record<symbol, unknown>)[internal];
  for (const name of ["caches", "localStorage", "sessionStorage"]) {
    Object.defineProperty(globalThis, name, fixed(undefined));
  }
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
  const refuse = (call: string) =>
    fixed(() => {
      throw new ExitError(call);
    });
  Object.defineProperty(Deno, "exit", refuse("Deno.exit()"));
  Object.defineProperty(globalThis, "close", refuse("close()"));
}

/** Freezes the kit's classes and their prototypes: learner code cannot patch their methods. */
function freezeKit(): void {
  for (const cls of [Tensor, ...Object.values(nn)]) {
    if (typeof cls !== "function" || !cls.prototype) continue;
    freeze(cls.prototype);
    freeze(cls);
  }
}

const PERMISSION = /^Requires (\w+) access to (.*?)(?:, run again with the --allow-\w+ flag)?$/s;

/** Reads a property of a thrown value as text, whatever the value does when read. */
function textOf(read: () => unknown, fallback: string): string {
  try {
    const v = read();
    return typeof v === "string" ? v : v === undefined ? fallback : String(v);
  } catch {
    return fallback;
  }
}

/**
 * Describes a thrown value for the report, locating it in the learner's files. A permission
 * error says what the sandbox allows instead of advising a flag the learner cannot pass. The
 * value may be anything learner code threw: reading it never throws.
 *
 * @param e what was thrown
 * @param learnerDir the directory of the learner's files (for the location)
 * @returns the description
 */
export function describeThrown(e: unknown, learnerDir: string): ThrownError {
  const isError = textOf(() => e instanceof Error, "false") === "true";
  const stack = isError ? textOf(() => (e as Error).stack, "") : "";
  const dirUrl = pathToFileURL(learnerDir).href;
  const frame = stack.split("\n").find((l) => l.includes(dirUrl));
  const at = frame?.match(/(file:\/\/[^\s)]*?):(\d+):(\d+)/);
  const where = at ? `${decodeURIComponent(new URL(at[1]).pathname)}:${at[2]}:${at[3]}` : undefined;
  const located = where ? { at: where } : {};
  if (e instanceof NotImplementedError) {
    // where the todo() is: in this stage's file, or in an earlier stage's that it builds on
    return {
      kind: "not-implemented",
      name: textOf(() => e.name, "NotImplementedError"),
      message: textOf(() => e.message, ""),
      what: textOf(() => e.what, ""),
      hint: textOf(() => e.hint, ""),
      ...located,
    };
  }
  const name = isError ? textOf(() => (e as Error).name, "Error") : "Error";
  const message = isError ? textOf(() => (e as Error).message, "") : textOf(() => e, "");
  const denied = message.split("\n")[0].match(PERMISSION);
  return {
    kind: "exception",
    name,
    message: denied
      ? `Requires ${denied[1]} access to ${denied[2]}: while it is graded, your code may only ` +
        "read its own files, the library and the model (no writing, network, environment " +
        "variables or subprocesses)"
      : message,
    ...located,
  };
}

async function main(): Promise<void> {
  const { prefix, request } = readInput(
    new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer()),
  );
  const stage = STAGES.find((s) => s.number === request.stage);
  if (!stage) throw new Error(`No stage ${request.stage}`);
  const probes = { ...STUDIO_PROBES[stage.number], ...stage.probes };
  // everything the probes get from the grader is decoded before learner code can patch anything
  const calls = request.calls.map((c) => ({
    id: c.id,
    probe: probes[c.probe],
    args: decodeValue(c.args ?? { o: {} }, true) as Record<string, unknown>,
  }));
  const learnerDir = request.learnerFile.slice(0, request.learnerFile.lastIndexOf("/") + 1);
  await setKernelThreads(request.threads);
  const env: ProbeEnv = {
    config: loadConfig(request.configPath),
    weights: lazyCheckpoint(request.weightsPath),
    tokenizerDir: request.tokenizerDir,
    learnerModule: (file) => import(pathToFileURL(`${learnerDir}${file}`).href),
    gpu: request.gpu,
    // held here: closeEscapes takes it from learner code
    thread: (await import("node:worker_threads")).Worker,
  };
  freezeKit();
  withhold(withheldReasons(stage));
  forbidExit();
  closeEscapes();
  const uncaught = (e: unknown) => {
    const d = describeThrown(e, learnerDir);
    const at = d.at ? ` (at ${d.at})` : "";
    writeAll(
      writeErr,
      `Uncaught in a timer or promise of your code: ${d.name}: ${d.message}${at}\n`,
    );
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
    send(prefix, { import: describeThrown(e, learnerDir) });
    return;
  }
  for (const call of calls) {
    send(prefix, { running: call.id });
    try {
      const value = await call.probe(learner, call.args, env);
      let encoded: string;
      try {
        encoded = encodeValue(value, request.maxValueChars);
      } catch (e) {
        const error = describeThrown(e, learnerDir);
        error.message =
          `the value your code returned cannot be sent to the grader: ${error.message}`;
        send(prefix, { id: call.id, error });
        continue;
      }
      send(prefix, { id: call.id, value: encoded });
    } catch (e) {
      send(prefix, { id: call.id, error: describeThrown(e, learnerDir) });
    }
  }
  send(prefix, { done: true });
}

if (import.meta.main) {
  await main();
  exit(0);
}
