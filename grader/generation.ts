/**
 * The check that the learner's model generates through the kit's generation path — exported
 * to ONNX and run by onnxruntime-web on WebGPU or WASM (the eager CPU when it cannot be
 * exported) — shared by stage 5 (whole-sequence recomputation, teacher-forced: one pass per
 * prompt) and stage 6 (KV cache, token by token).
 *
 * @module
 */
import type { GPT2Config } from "../lib/config.ts";
import type { CachedStep, Forwardable } from "../lib/export/trace.ts";
import type { Runner } from "../lib/session_runner.ts";
import { valueOf } from "./outcomes.ts";
import { divergence, promptName } from "./prompts.ts";
import type { GradeContext, Outcomes, Probe, ProbeEnv, Verdict } from "./stage.ts";

/** What the generation probe returns: the backend that ran and the greedy ids per prompt. */
export interface GenerationRun {
  /** `webgpu`, `wasm` or `cpu`. */
  backend: string;
  /** Whether the KV cache was used. */
  cached: boolean;
  /** Notices (fallbacks). */
  notices: string[];
  /** The new ids, per prompt. */
  ids: number[][];
  /**
   * Whether the ids are greedy picks after the reference's own continuation (teacher forcing)
   * rather than after the model's: they agree up to the first difference, where they stop
   * meaning anything.
   */
  forced: boolean;
}

/**
 * From this many parameters on, the thread starts onnxruntime's runtime as soon as it starts,
 * while the model loads (see `startPicksThread`). Below, the model loads in a fraction of a
 * second and the early start only competes with it: the tiny model's stage 6 took 2.8 s with it
 * against 2.4 s without.
 */
const WARM_UP_MIN_PARAMETERS = 20e6;

// A GPT-2's parameter count, near enough: the token embeddings and 12·C² per block.
function parameters(c: GPT2Config): number {
  return c.vocab_size * c.n_embd + 12 * c.n_layer * c.n_embd ** 2;
}

/**
 * Child side: the model's greedy picks on the automatic backend, for one of two jobs.
 *
 * - Generation (stage 6, with the learner's cached step): each prompt and how many tokens to add.
 * - Teacher forcing (stage 5): each prompt and the reference's continuation without its last
 *   token, in one pass per prompt; the picks are the greedy next token after each prefix.
 *   Greedy decoding of a causal model gives the reference's continuation exactly when every one
 *   of these picks is its next token, so this checks what generation would, without running the
 *   growing sequence once per new token. The last pick is the model's own.
 *
 * The model is loaded and exported before this returns (that runs the learner's code). On WASM,
 * with a thread to start ({@linkcode ProbeEnv.thread}), onnxruntime runs on that thread while the
 * child's other probes go on: the thread starts first, so that onnxruntime's own start overlaps
 * the loading of a large model, and `result` settles when it is done. Anywhere else (WebGPU, the
 * eager CPU when the model cannot be exported) it runs here, and `result` is settled on return.
 *
 * @param env the probe environment
 * @param work the prompts and how many tokens to add each, or the prompts and the continuations
 *   to force
 * @param load loads the learner's model and gives it, with its cached step (stage 6) if any
 * @returns the run, to await
 */
export async function startOnBackend(
  env: ProbeEnv,
  work: { generate: { ids: number[]; n: number }[] } | {
    force: { ids: number[]; forced: number[] }[];
  },
  load: () => Promise<{ model: Forwardable; step?: CachedStep }>,
): Promise<{ result: Promise<GenerationRun> }> {
  // imported here so that only the probes that generate load onnxruntime-web
  const { chooseBackend, prepareModel } = await import("../lib/backends.ts");
  const { picksOptions, runPicks, startPicksThread } = await import("../lib/session_thread.ts");
  const { thread: Thread, gpu } = env;
  // the thread starts first, when the run will be on WASM
  const onThread = Thread && gpu &&
    (await chooseBackend("auto", () => Promise.resolve(gpu))).backend === "wasm";
  const warmUp = parameters(env.config) >= WARM_UP_MIN_PARAMETERS;
  const thread = onThread ? startPicksThread(Thread, { warmUp }) : undefined;
  const forced = "force" in work;
  const job = forced
    ? { sequences: work.force.map((p) => ({ ids: [...p.ids, ...p.forced], from: p.ids.length })) }
    : { prompts: work.generate };
  let prepared;
  try {
    const { model, step } = await load();
    prepared = await prepareModel(model, env.config, { ...picksOptions(job), step, gpu });
  } catch (e) {
    thread?.close();
    throw e;
  }
  if (!("runner" in prepared) && prepared.backend === "wasm" && thread) {
    const result = thread.run({ prepared, config: env.config, job }).then(
      ({ ids, notices }): GenerationRun => ({
        backend: "wasm",
        cached: prepared.cached,
        notices,
        ids,
        forced,
      }),
    );
    result.catch(() => {}); // awaited by a later probe: not an unhandled rejection meanwhile
    return { result };
  }
  thread?.close();
  const { ids, runner } = await runPicks(prepared, env.config, job);
  return { result: Promise.resolve({ ...describe(runner), ids, forced }) };
}

/**
 * The two probes of a run on a backend that goes on while other probes run: `start` exports the
 * model and starts the run (see {@linkcode startOnBackend}), `collect`, called later, waits for
 * it and returns it. An error thrown while starting (a `todo()` in the model included) is
 * `collect`'s too, so that the check that reads `collect`'s outcome reports it.
 *
 * @param begin starts the run, from the learner's exports, the call's arguments and the
 *   environment
 * @returns the probes
 */
export function backgroundProbes(
  begin: (
    learner: Record<string, unknown>,
    args: Record<string, unknown>,
    env: ProbeEnv,
  ) => Promise<{ result: Promise<GenerationRun> }>,
): { start: Probe; collect: Probe } {
  let started: Promise<{ result: Promise<GenerationRun> }> | undefined;
  return {
    async start(learner, args, env) {
      started = (async () => await begin(learner, args, env))();
      await started;
      return null;
    },
    async collect() {
      if (!started) throw new Error("The run on a backend was not started");
      return await (await started).result;
    },
  };
}

function describe(runner: Runner): Pick<GenerationRun, "backend" | "cached" | "notices"> {
  return { backend: runner.backend, cached: runner.cached, notices: runner.notices };
}

/**
 * Grader side: the run's ids against every prompt's reference continuation.
 *
 * @param o the outcomes
 * @param id the probe call's id
 * @param ctx the grading context
 * @param hint what to look at when the ids differ
 * @returns the verdict, naming the backend
 */
export function generationVerdict(
  o: Outcomes,
  id: string,
  ctx: GradeContext,
  hint: string,
): Verdict {
  const run = valueOf(o, id, "exporting your model to ONNX and generating") as GenerationRun;
  const cache = run.cached ? " with the KV cache" : "";
  const where = run.backend === "cpu"
    ? `on the CPU${cache} (the export did not work, see below)`
    : `exported to ONNX${cache}, on onnxruntime-web's ${
      run.backend === "wasm" ? "WASM" : "WebGPU"
    }`;
  for (const p of ctx.refs.prompts) {
    const all = run.ids[p.index];
    const first = divergence(p.generated, all);
    // a forced run's picks after the first difference follow the reference, not the model
    const found = run.forced && first ? all.slice(0, first.step + 1) : all;
    const d = first && divergence(p.generated, found);
    if (d) {
      return {
        status: "fail",
        message: `Your model ${where}, continues ${promptName(p)} differently: at new token ` +
          `${d.step + 1}, expected id ${p.generated[d.step]}, found ${found[d.step]}`,
        details: [...d.details, ...run.notices],
        hint,
      };
    }
  }
  return {
    status: "pass",
    message: `${where}: the reference's tokens for all ${ctx.refs.prompts.length} prompts`,
    details: run.notices.length ? run.notices : undefined,
  };
}
