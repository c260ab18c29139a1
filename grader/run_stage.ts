/**
 * Grades one stage: plans the probes, runs them in a sandboxed child process (time limit,
 * memory cap, read-only access to the learner's files, the library and the model), then runs
 * the checks layer by layer on what came back.
 *
 * The child's output is read as it comes: result frames carry a nonce that only the child's
 * own code holds, outcomes are accepted only for the calls that were asked for (once each), and
 * of what the learner's code prints only the first 64 KB are kept, with a count of the rest. A
 * child that overruns the time limit or the memory cap is killed; one that ends early (a crash)
 * is reported with the call it was running. Whatever the child did, the checks run here, in the
 * grader's process, against references the child never sees.
 *
 * @module
 */
import { KIT_ROOT, kitPath, relative } from "../lib/paths.ts";
import { TOKENIZER_FILES } from "../lib/tokenizer_files.ts";
import { pathToFileURL } from "node:url";
import { type ChildRequest, FRAME } from "./child.ts";
import { ENGLISH } from "./context.ts";
import {
  BoundedText,
  ChildMessages,
  type FrameLimits,
  frameLimits,
  FrameReader,
} from "./child_output.ts";
import { LearnerFileError } from "./learner_file.ts";
import { plainResult } from "./plain_text.ts";
import { SANDBOX_CACHE, type Snapshot, snapshot } from "./snapshot.ts";
import { NO_WAYLAND } from "../lib/wayland.ts";
import { watchMemory } from "./memory_watch.ts";
import { type GpuProbe, probeGpu } from "../lib/backend_choice.ts";
import { todoOrigin, VerdictError } from "./outcomes.ts";
import { checkCounts } from "./report/results.ts";
import { type PointsManifest, pointsOf } from "./points.ts";
import {
  type Check,
  type CheckResult,
  type GradeContext,
  LAYERS,
  type ProbeCall,
  type Stage,
  type StageResult,
  type StageStatus,
  type Verdict,
} from "./stage.ts";
import { encodeValue, type ProbeOutcome, type ThrownError } from "./wire.ts";

/** Where the learner's files and the model are, and the sandbox's limits. */
export interface RunOptions {
  /** Directory of the learner's stage files (`exercises/` or `solutions/`). */
  learnerDir: string;
  /** The model's `config.json`. */
  configPath: string;
  /** The model's `model.safetensors`. */
  weightsPath: string;
  /** The tokenizer files' directory. */
  tokenizerDir: string;
  /** Wall-time limit of the stage's child process, in milliseconds. */
  timeLimitMs: number;
  /**
   * Memory cap of the child process, in MiB: its resident memory (polled from `/proc` on
   * Linux) and its JavaScript heap (`--max-old-space-size`).
   */
  memoryLimitMb: number;
  /** Points per check, overriding the checks' defaults (`grader/points.json`). */
  points?: PointsManifest;
  /** Threads the library's kernels may use in the child (default {@linkcode DEFAULT_THREADS}). */
  threads?: number;
}

/** The limits of a stage when none are asked for (`deno task check`, `progress`, `hint`). */
export const DEFAULT_LIMITS: Pick<RunOptions, "timeLimitMs" | "memoryLimitMb"> = {
  timeLimitMs: 120_000,
  memoryLimitMb: 4096,
};

/** The error name of a stage the grader itself failed to grade (never the learner's doing). */
export const GRADER_ERROR = "GraderError";
/**
 * Threads the library's kernels may use in a stage's child when none are asked for: the
 * machine's cores, up to 4 (the 124M model's products gain little from more).
 */
export const DEFAULT_THREADS: number = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));

/** Most of the learner's printed output kept for the report, in bytes (half each stream). */
const OUTPUT_LIMIT = 64 * 1024;

const NEEDS_REAL_MODEL = "needs the real GPT-2 weights (`deno task setup`, then --model gpt2)";

/** What V8 prints when the JavaScript heap is full (`--max-old-space-size`). */
const HEAP_FULL = /JavaScript (heap )?out of memory/;

/** What the sandboxed child gave back for a list of probe calls. */
export interface ChildRun {
  /** The outcome of each call that finished, by call id. */
  outcomes: Map<string, ProbeOutcome>;
  /** Why the learner's file could not be loaded, when it could not. */
  importError?: ThrownError;
  /** Why the child stopped before finishing, when it did. */
  stopped?: string;
  /** What the learner's code printed (the first 64 KB). */
  output: string;
  /** Bytes of printed output left out of `output`. */
  dropped: number;
  /** The child's largest resident memory seen, in MiB (0 when it cannot be measured). */
  peakMb: number;
}

/**
 * Grades a stage.
 *
 * @param stage the stage
 * @param ctx what the grader knows (references, config, weights)
 * @param options files and limits
 * @returns the graded stage
 */
export async function gradeStage(
  stage: Stage,
  ctx: GradeContext,
  options: RunOptions,
): Promise<StageResult> {
  const started = performance.now();
  const file = `${options.learnerDir.replace(/\/$/, "")}/${stage.file}`;
  // every report shows the stage through plainResult: learner text made inert once, here
  const result = (status: StageStatus, message: string, extra: Partial<StageResult> = {}) =>
    plainResult({
      stage: stage.number,
      name: stage.name,
      file: relative(file),
      status,
      message,
      checks: [],
      ms: Math.round(performance.now() - started),
      ...extra,
    });
  const cannotGrade = (message: string, why: string, name: string) =>
    result("error", message, {
      checks: ungraded(stage, ctx, options.points, why),
      error: { kind: "exception", name, message },
    });
  try {
    await using snap = await snapshot(options.learnerDir, [stage.file, ...(stage.uses ?? [])]);
    if (!snap.files.includes(stage.file)) {
      return cannotGrade(`${relative(file)} does not exist`, "the file does not exist", "NotFound");
    }
    const calls = await stage.plan(ctx);
    const longest = Math.max(...ctx.refs.prompts.map((p) => p.ids.length + p.generated.length));
    const limits = frameLimits(longest, ctx.config.vocab_size);
    const run = await runChild(stage, limits, snap, calls, options);
    return finish(stage, ctx, run, options, file, result);
  } catch (e) {
    if (e instanceof LearnerFileError) return cannotGrade(e.message, e.message, e.name);
    if (e instanceof SandboxSetupError) {
      return cannotGrade(
        `Could not grade stage ${stage.number}: ${e.message}`,
        e.message,
        GRADER_ERROR,
      );
    }
    const why = `the grader itself failed (a bug in the kit, please report it): ${
      (e as Error)?.message ?? e
    }`;
    return cannotGrade(`Could not grade stage ${stage.number}: ${why}`, why, GRADER_ERROR);
  }
}

/** The graded stage, from what the child did. */
function finish(
  stage: Stage,
  ctx: GradeContext,
  run: ChildRun,
  options: RunOptions,
  file: string,
  result: (status: StageStatus, message: string, extra?: Partial<StageResult>) => StageResult,
): StageResult {
  const printed = run.output ? { output: run.output } : {};
  const dropped = run.dropped ? { outputDropped: run.dropped } : {};
  const memory = run.peakMb ? { peakMb: run.peakMb } : {};
  if (run.importError) {
    const e = run.importError;
    const status = e.kind === "not-implemented" ? "not-started" : "error";
    return result(status, `Could not load ${relative(file)}: ${e.name}: ${e.message}`, {
      checks: ungraded(stage, ctx, options.points, "the file could not be loaded"),
      error: e,
      ...printed,
      ...dropped,
      ...memory,
    });
  }
  const checks = runChecks(stage, ctx, run, options.points);
  const outcomes = [...run.outcomes.values()];
  const allTodo = outcomes.length > 0 &&
    outcomes.every((o) => !o.ok && o.error.kind === "not-implemented");
  // a todo() reached in an earlier stage's file: this stage waits for that one
  const earlier = allTodo
    ? outcomes.map((o) => o.ok ? undefined : todoOrigin(o.error))
      .find((t) => t && t.stage !== stage.number)
    : undefined;
  let status: StageStatus;
  let message: string;
  if (run.stopped) {
    status = "error";
    message = run.stopped;
  } else if (earlier) {
    status = "not-started";
    message = `not started: it waits for stage ${earlier.stage}`;
  } else if (allTodo) {
    status = "not-started";
    message = "not started";
  } else {
    const { passed, graded } = checkCounts(checks);
    status = passed === graded ? "pass" : "fail";
    message = passed === graded
      ? `all ${graded} checks pass`
      : `${passed} of ${graded} checks pass`;
  }
  const waits = earlier && !run.stopped
    ? { waitsFor: { stage: earlier.stage, file: relative(earlier.file) } }
    : {};
  return result(status, message, { checks, ...waits, ...printed, ...dropped, ...memory });
}

/** The fields every result of `check` has, before it earns anything. */
type ResultBase = Omit<CheckResult, "status" | "message">;

function baseOf(stage: Stage, check: Check, points: PointsManifest): ResultBase {
  return {
    name: check.name,
    number: stage.checks.indexOf(check) + 1,
    layer: check.layer,
    points: 0,
    maxPoints: pointsOf(points, stage, check),
    ...(check.subject ? { subject: check.subject } : {}),
    ...(check.usesReferences ? { usesReferences: true } : {}),
  };
}

/** `n/a`, worth nothing, for a check that needs the real GPT-2 when another model is graded. */
function notApplicable(check: Check, ctx: GradeContext, base: ResultBase): CheckResult | undefined {
  if (!check.needsRealModel || ctx.model === "gpt2") return undefined;
  return { ...base, maxPoints: 0, status: "n/a", message: NEEDS_REAL_MODEL };
}

/**
 * The checks of a stage that could not run at all, each worth its points and earning none, so
 * that a stage's possible points do not depend on how far it got.
 */
function ungraded(
  stage: Stage,
  ctx: GradeContext,
  points: PointsManifest = {},
  why: string,
): CheckResult[] {
  return stage.checks.map((check) => {
    const base = baseOf(stage, check, points);
    return notApplicable(check, ctx, base) ??
      { ...base, status: "skipped", message: `not graded: ${why}` };
  });
}

function runChecks(
  stage: Stage,
  ctx: GradeContext,
  run: ChildRun,
  points: PointsManifest = {},
): CheckResult[] {
  const verdicts = new Map<Check, Verdict>();
  const verdictOf = (c: Check) => {
    if (!verdicts.has(c)) verdicts.set(c, evaluate(() => c.run(run.outcomes, ctx)));
    return verdicts.get(c)!;
  };
  const unmet = (c: Check, names: readonly string[] = []) =>
    names.find((name) => {
      const required = stage.checks.find((x) => x.name === name);
      if (!required) throw new Error(`Check "${c.name}" requires an unknown check "${name}"`);
      return verdictOf(required).status !== "pass";
    });
  const results: CheckResult[] = [];
  let blockedBy: string | undefined;
  for (const layer of LAYERS) {
    for (const check of stage.checks.filter((c) => c.layer === layer)) {
      const base = baseOf(stage, check, points);
      const na = notApplicable(check, ctx, base);
      if (na) {
        results.push(na);
        continue;
      }
      const waitFor = (check.buildsOn ? unmet(check, check.buildsOn) : blockedBy) ??
        unmet(check, check.requires);
      if (waitFor) {
        results.push({ ...base, status: "skipped", message: `skipped until "${waitFor}" passes` });
        continue;
      }
      const v = verdictOf(check);
      results.push({ ...base, ...v, points: v.status === "pass" ? base.maxPoints : 0 });
    }
    const failed = results.find((r) =>
      r.layer === layer && (r.status === "fail" || r.status === "todo")
    );
    if (failed && !blockedBy) blockedBy = failed.name;
  }
  return results;
}

function evaluate(run: () => Verdict): Verdict {
  try {
    return run();
  } catch (e) {
    if (e instanceof VerdictError) return e.verdict;
    return {
      status: "fail",
      message: `The grader itself failed on this check (a bug in the kit, please report it): ${
        (e as Error).message
      }`,
    };
  }
}

/** The sandbox's folder: its own Deno configuration, lockfile and installed packages. */
const SANDBOX_DIR = kitPath("grader", "sandbox");
/** The sandbox's own Deno configuration: an import map and a lockfile of only what it needs. */
const SANDBOX_CONFIG = `${SANDBOX_DIR}/deno.json`;

let sandboxInstalled: Promise<void> | undefined;

/** What `navigator.gpu` offers, asked once per grading process (see `Stage.generates`). */
let gpuProbed: Promise<GpuProbe> | undefined;

/**
 * Installs the sandbox's packages (the frozen lockfile's, into `grader/sandbox/node_modules`)
 * once, before the first child: the child runs `--cached-only`, so it cannot fetch them itself.
 */
function installSandbox(): Promise<void> {
  return sandboxInstalled ??= (async () => {
    try {
      await Deno.stat(`${SANDBOX_DIR}/node_modules/onnxruntime-web`);
    } catch {
      await installPackages(SANDBOX_DIR); // not installed yet (a fresh clone)
    }
  })();
}

/**
 * Installs the packages of the Deno configuration in `dir` from its frozen lockfile.
 *
 * @param dir a folder holding `deno.json` and `deno.lock`
 * @throws {SandboxSetupError} when `deno install` fails, with the end of what it said
 */
export async function installPackages(dir: string): Promise<void> {
  const args = ["install", "--quiet", "--frozen", `--config=${dir}/deno.json`];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (out.success) return;
  const said = new TextDecoder().decode(out.stderr).split("\n").find((l) => l.startsWith("error:"));
  throw new SandboxSetupError(
    `the grader could not install its sandbox's packages (\`deno ${args.join(" ")}\`: ` +
      `${said || `exit code ${out.code}`}). Run it once with network access.`,
  );
}

/** A broken setup of the sandbox: the kit cannot grade, and it is not the submission's doing. */
export class SandboxSetupError extends Error {
  override name = "SandboxSetupError";
}

/**
 * The child's flags: no prompt, no remote modules, a JavaScript heap no larger than the memory
 * cap (so that filling it ends the child at once with V8's "out of memory" rather than after
 * seconds of garbage collection), and read access only to the snapshot, the library and the
 * model (its config, weights and tokenizer files, not the folders around them). No write,
 * network, environment, subprocess or FFI permission: Deno checks read access for every module
 * a dynamic import loads, so the learner's file cannot import `solutions/`, the grader or the
 * references either.
 *
 * The child runs with the sandbox's configuration (`grader/sandbox/deno.json`), not the kit's:
 * its import map and frozen lockfile hold only the packages the library needs there
 * (onnx-proto, onnxruntime-web), installed in its own `node_modules`, and `--cached-only` keeps
 * Deno from asking the npm registry about any other. Deno loads the packages of
 * the configuration's own `node_modules` without a read check, so the kit's — where the
 * grader's tokenizer oracle lives — must not be that folder; and the frozen lockfile makes an
 * `npm:` import of any other package fail.
 */
function childArgs(options: RunOptions, snap: Snapshot): string[] {
  const readable = [
    snapRoot(snap),
    kitPath("mod.ts"),
    kitPath("lib"),
    kitPath("grader", "sandbox", "node_modules"), // onnxruntime-web reads its .wasm from there
    kitPath("grader", "sandbox", "blocked.ts"), // what the import map gives for node:v8 and such
    options.configPath,
    options.weightsPath,
    // the tokenizer's two files, not their folder: data/gpt2/ also holds the references
    ...TOKENIZER_FILES.map((name) => `${options.tokenizerDir}/${name}`),
    ENGLISH.configPath, // stage 5's check on the bundled English model
    ENGLISH.weightsPath,
  ];
  return [
    "run",
    "--quiet",
    "--no-prompt",
    "--no-remote",
    "--frozen",
    "--cached-only",
    `--v8-flags=--max-old-space-size=${Math.ceil(options.memoryLimitMb)}`,
    `--config=${SANDBOX_CONFIG}`,
    `--allow-read=${readable.join(",")}`,
    kitPath("grader", "child.ts"),
  ];
}

/** The snapshot's root: its folder of learner files and the `mod.ts` beside it. */
function snapRoot(snap: Snapshot): string {
  return snap.dir.slice(0, snap.dir.lastIndexOf("/"));
}

/**
 * What Deno says when code imports a package the frozen lockfile or the sandbox's cache does not
 * hold (`--cached-only`: nothing is fetched from the registry while learner code runs).
 */
const NOT_IN_LOCKFILE = /lockfile is out of date|npm package not found in cache/;
const IMPORTS_PACKAGE = "your code imports a package the kit does not provide: while it is " +
  "graded, it may import the kit's library (../mod.ts) and your own stage files";

/**
 * Runs probe calls of a stage in the sandboxed child, on a snapshot of the learner's files and
 * with the same limits and channel as grading, and returns their outcomes without checking them:
 * for tools that show what the learner's code computes (the studio).
 *
 * @param stage the stage whose file and probes are used
 * @param calls the probe calls
 * @param options files and limits (points are not used)
 * @param limits the caps on the child's answers
 * @returns the outcomes, or why there are none
 */
export async function runProbes(
  stage: Stage,
  calls: ProbeCall[],
  options: RunOptions,
  limits: FrameLimits,
): Promise<ChildRun> {
  try {
    await using snap = await snapshot(options.learnerDir, [stage.file, ...(stage.uses ?? [])]);
    return await runChild(stage, limits, snap, calls, options);
  } catch (e) {
    if (!(e instanceof LearnerFileError)) throw e;
    return { outcomes: new Map(), stopped: e.message, output: "", dropped: 0, peakMb: 0 };
  }
}

async function runChild(
  stage: Stage,
  limits: FrameLimits,
  snap: Snapshot,
  calls: ProbeCall[],
  options: RunOptions,
): Promise<ChildRun> {
  const learnerFile = `${snap.dir}/${stage.file}`;
  const nonce = crypto.randomUUID();
  const request: ChildRequest = {
    stage: stage.number,
    learnerFile,
    configPath: options.configPath,
    weightsPath: options.weightsPath,
    tokenizerDir: options.tokenizerDir,
    threads: options.threads ?? DEFAULT_THREADS,
    gpu: stage.generates ? await (gpuProbed ??= probeGpu()) : undefined,
    maxValueChars: limits.frame - 1024,
    calls: calls.map((c) => ({ ...c, args: JSON.parse(encodeValue(c.args ?? {})) })),
  };
  await installSandbox();
  const child = new Deno.Command(Deno.execPath(), {
    args: childArgs(options, snap),
    cwd: KIT_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: childEnv(),
    clearEnv: true,
  }).spawn();
  const messages = new ChildMessages(new Set(calls.map((c) => c.id)));
  const during = () =>
    messages.running
      ? ` while your code ran the call "${messages.running}"`
      : ` while ${relative(learnerFile)} loaded`;
  let stopped: string | undefined;
  const timer = setTimeout(() => {
    stopped = `Stopped after ${options.timeLimitMs / 1000} s, the time limit of a stage,` +
      `${during()} (an endless loop, or a very slow one?)`;
    kill(child);
  }, options.timeLimitMs);
  let peakMb = 0;
  const memory = watchMemory(child.pid, (rss) => {
    peakMb = Math.max(peakMb, rss);
    if (rss > options.memoryLimitMb && !stopped) {
      stopped = `Stopped at ${rss} MiB, over the memory limit of a stage ` +
        `(${options.memoryLimitMb} MiB),${during()}`;
      kill(child);
    }
  });

  const stdout = new BoundedText(OUTPUT_LIMIT / 2);
  const stderr = new BoundedText(OUTPUT_LIMIT / 2);
  const unreadable = (why: string) => {
    if (stopped) return;
    stopped = `The grader stopped reading your code's answers${during()}: ${why} ` +
      "(return what the stage asks for, and print with console.log)";
    kill(child);
  };
  const frames = new FrameReader(
    `${FRAME}${nonce}:`,
    (t) => {
      messages.accept(t);
      if (messages.violation) unreadable(`it sent ${messages.violation}`);
    },
    stdout,
    limits,
    unreadable,
  );
  let heapFull = false;
  let npmImport = false;
  let tail = "";
  const decoder = new TextDecoder();
  const readStdout = async () => {
    for await (const chunk of child.stdout) frames.push(chunk);
    frames.end();
  };
  const readStderr = async () => {
    for await (const chunk of child.stderr) {
      stderr.write(chunk);
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-200);
      heapFull ||= HEAP_FULL.test(tail);
      npmImport ||= NOT_IN_LOCKFILE.test(tail);
    }
  };
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${nonce}\n${JSON.stringify(request)}`))
    .catch(() => {});
  await writer.close().catch(() => {});
  const [, , status] = await Promise.all([readStdout(), readStderr(), child.status]);
  clearTimeout(timer);
  await memory.stop();

  const { outcomes, importError } = messages;
  const errors = [...outcomes.values()].flatMap((o) => o.ok ? [] : [o.error]);
  for (const e of [...errors, ...(importError ? [importError] : [])]) {
    inLearnerTerms(e, snap, options.learnerDir);
  }
  if (!messages.done && !importError && !stopped) {
    stopped = npmImport
      ? `Stopped${during()}: ${IMPORTS_PACKAGE}`
      : heapFull
      ? `Stopped: your code filled the memory of a stage (${options.memoryLimitMb} MiB of ` +
        `JavaScript objects)${during()}`
      : `Your code ended the grading process early (exit code ${status.code}` +
        `${status.signal ? `, signal ${status.signal}` : ""})${during()}: a crash?`;
  }
  // V8's report of a full heap is about the kit's process, not the learner's code
  const printed = (stdout.text() + (heapFull ? "" : stderr.text())).replace(/^\n+|\n+$/g, "");
  const dropped = stdout.dropped + stderr.dropped;
  const note = dropped
    ? `\n… ${dropped} more bytes of output were not kept (the report keeps ` +
      `${OUTPUT_LIMIT / 1024} KB)`
    : "";
  return {
    outcomes,
    importError,
    // after the last frame, a violation or a stop still counts: learner code may have forged it
    stopped,
    output: printed + note,
    dropped,
    peakMb,
  };
}

/**
 * Puts a thrown error in the learner's terms: paths inside the snapshot become the learner's
 * own, and a place outside the snapshot (which learner code could make up) is dropped.
 */
function inLearnerTerms(e: ThrownError, snap: Snapshot, learnerDir: string): void {
  const own = learnerDir.replace(/\/$/, "");
  const mapped = (s: string) =>
    s.replaceAll(pathToFileURL(snap.dir).href, pathToFileURL(own).href).replaceAll(snap.dir, own);
  e.message = NOT_IN_LOCKFILE.test(e.message) ? IMPORTS_PACKAGE : mapped(e.message);
  if (e.at !== undefined) {
    if (e.at.startsWith(`${snap.dir}/`)) e.at = relative(mapped(e.at));
    else delete e.at;
  }
}

/**
 * The child's environment: no colour, and Deno's cache in the kit's own folder for the sandbox
 * (what it compiles of a snapshot goes with the snapshot; nothing of one grading is left for the
 * next).
 */
function childEnv(): Record<string, string> {
  // with no XDG_RUNTIME_DIR, the GPU driver's Wayland client prints an error twice (see
  // `withoutWaylandNoise`); the child may not set it itself
  return { NO_COLOR: "1", DENO_DIR: SANDBOX_CACHE, XDG_RUNTIME_DIR: NO_WAYLAND };
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
}
