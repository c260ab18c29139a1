/**
 * Grades one stage: plans the probes, runs them in a sandboxed child process (time limit,
 * memory cap, read-only access to the learner's files, the library and the model), then runs
 * the checks layer by layer on what came back.
 *
 * @module
 */
import { KIT_ROOT, kitPath } from "../lib/paths.ts";
import { type ChildRequest, FRAME } from "./child.ts";
import { VerdictError } from "./outcomes.ts";
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
import { fromWire, type ProbeOutcome, type ThrownError, toWire } from "./wire.ts";

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
  /** Resident-memory cap of the child process, in MiB. */
  memoryLimitMb: number;
}

/** Most of the learner's printed output kept for the report. */
const OUTPUT_LIMIT = 64 * 1024;

interface ChildRun {
  outcomes: Map<string, ProbeOutcome>;
  importError?: ThrownError;
  /** Why the child stopped before finishing, when it did. */
  stopped?: string;
  output: string;
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
  const result = (status: StageStatus, message: string, extra: Partial<StageResult> = {}) => ({
    stage: stage.number,
    name: stage.name,
    file: relative(file),
    status,
    message,
    checks: [],
    ms: Math.round(performance.now() - started),
    ...extra,
  });
  try {
    Deno.statSync(file);
  } catch {
    return result("error", `${relative(file)} does not exist`, {
      error: { kind: "exception", name: "NotFound", message: `No file ${relative(file)}` },
    });
  }
  const calls = await stage.plan(ctx);
  const run = await runChild(stage, file, calls, options);
  if (run.importError) {
    const e = run.importError;
    const status = e.kind === "not-implemented" ? "not-started" : "error";
    return result(status, `Could not load ${relative(file)}: ${e.name}: ${e.message}`, {
      error: e,
      output: run.output,
    });
  }
  const checks = runChecks(stage, ctx, run);
  const outcomes = [...run.outcomes.values()];
  const allTodo = outcomes.length > 0 &&
    outcomes.every((o) => !o.ok && o.error.kind === "not-implemented");
  let status: StageStatus;
  let message: string;
  if (run.stopped) {
    status = "error";
    message = run.stopped;
  } else if (allTodo) {
    status = "not-started";
    message = "not started";
  } else {
    const graded = checks.filter((c) => c.status !== "n/a");
    const passed = graded.filter((c) => c.status === "pass").length;
    status = passed === graded.length ? "pass" : "fail";
    message = passed === graded.length
      ? `all ${graded.length} checks pass`
      : `${passed} of ${graded.length} checks pass`;
  }
  return result(status, message, { checks, output: run.output });
}

function runChecks(stage: Stage, ctx: GradeContext, run: ChildRun): CheckResult[] {
  const verdicts = new Map<Check, Verdict>();
  const verdictOf = (c: Check) => {
    if (!verdicts.has(c)) verdicts.set(c, evaluate(() => c.run(run.outcomes, ctx)));
    return verdicts.get(c)!;
  };
  const unmet = (c: Check) =>
    (c.requires ?? []).find((name) => {
      const required = stage.checks.find((x) => x.name === name);
      if (!required) throw new Error(`Check "${c.name}" requires an unknown check "${name}"`);
      return verdictOf(required).status !== "pass";
    });
  const results: CheckResult[] = [];
  let blockedBy: string | undefined;
  for (const layer of LAYERS) {
    for (const check of stage.checks.filter((c) => c.layer === layer)) {
      const maxPoints = check.points ?? 1;
      const base = { name: check.name, layer, maxPoints, points: 0 };
      if (check.needsRealModel && ctx.model !== "gpt2") {
        results.push({
          ...base,
          maxPoints: 0,
          status: "n/a",
          message: "needs the real GPT-2 weights (`deno task setup`, then --model gpt2)",
        });
        continue;
      }
      const waitFor = blockedBy ?? unmet(check);
      if (waitFor) {
        results.push({ ...base, status: "skipped", message: `skipped until "${waitFor}" passes` });
        continue;
      }
      const v = verdictOf(check);
      results.push({ ...base, ...v, points: v.status === "pass" ? maxPoints : 0 });
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

async function runChild(
  stage: Stage,
  learnerFile: string,
  calls: ProbeCall[],
  options: RunOptions,
): Promise<ChildRun> {
  const nonce = crypto.randomUUID();
  const request: ChildRequest = {
    nonce,
    stage: stage.number,
    learnerFile,
    configPath: options.configPath,
    weightsPath: options.weightsPath,
    tokenizerDir: options.tokenizerDir,
    calls: calls.map((c) => ({ ...c, args: toWire(c.args ?? {}) as Record<string, unknown> })),
  };
  const readable = [
    options.learnerDir,
    kitPath("mod.ts"),
    kitPath("lib"),
    kitPath("node_modules"), // onnxruntime-web reads its .wasm from there
    options.configPath,
    options.weightsPath,
    options.tokenizerDir,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--no-remote",
      `--config=${kitPath("deno.json")}`,
      `--allow-read=${readable.join(",")}`,
      kitPath("grader", "child.ts"),
    ],
    cwd: KIT_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    clearEnv: true,
  }).spawn();
  let stopped: string | undefined;
  const timer = setTimeout(() => {
    stopped = `Stopped after ${options.timeLimitMs / 1000} s: the time limit of a stage ` +
      `(an endless loop, or a very slow one?)`;
    kill(child);
  }, options.timeLimitMs);
  const memory = setInterval(() => {
    const rss = residentMb(child.pid);
    if (rss > options.memoryLimitMb) {
      stopped =
        `Stopped at ${rss} MiB: the memory limit of a stage is ${options.memoryLimitMb} MiB`;
      kill(child);
    }
  }, 100);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request))).catch(() => {});
  await writer.close().catch(() => {});
  const [out, err, status] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    child.status,
  ]);
  clearTimeout(timer);
  clearInterval(memory);
  const run: ChildRun = { outcomes: new Map(), output: "" };
  const printed: string[] = [];
  let done = false;
  const prefix = `${FRAME}${nonce}:`;
  for (const line of out.split("\n")) {
    if (!line.startsWith(prefix)) {
      printed.push(line);
      continue;
    }
    const msg = JSON.parse(line.slice(prefix.length));
    if (msg.import) run.importError = msg.import;
    else if (msg.done) done = true;
    else run.outcomes.set(msg.id, fromWire(msg.outcome) as ProbeOutcome);
  }
  for (const o of run.outcomes.values()) if (!o.ok && o.error.at) o.error.at = relative(o.error.at);
  if (run.importError?.at) run.importError.at = relative(run.importError.at);
  run.output = truncate(printed.join("\n").replace(/^\n+|\n+$/g, "") + err);
  if (!done && !run.importError) {
    run.stopped = stopped ??
      `Your code ended the grading process early (exit code ${status.code}` +
        `${status.signal ? `, signal ${status.signal}` : ""}): Deno.exit(), a crash, or ` +
        `running out of memory?`;
  }
  return run;
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
}

function residentMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.length) - c.length);
  return new TextDecoder().decode(all);
}

function truncate(s: string): string {
  if (s.length <= OUTPUT_LIMIT) return s;
  return `${s.slice(0, OUTPUT_LIMIT)}\n… (${s.length - OUTPUT_LIMIT} more characters not shown)`;
}

/**
 * A path relative to the current directory when it is inside it.
 *
 * @param path an absolute path
 * @returns the shorter form
 */
export function relative(path: string): string {
  const cwd = Deno.cwd().replace(/\/?$/, "/");
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}
