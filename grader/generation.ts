/**
 * The check that the learner's model generates through the kit's generation path — exported
 * to ONNX and run by onnxruntime-web on WebGPU or WASM (the eager CPU when it cannot be
 * exported) — shared by stage 5 (whole-sequence recomputation, teacher-forced: one pass per
 * prompt) and stage 6 (KV cache, token by token).
 *
 * @module
 */
import type { CachedStep, Forwardable } from "../lib/export/trace.ts";
import type { Runner } from "../lib/session_runner.ts";
import { valueOf } from "./outcomes.ts";
import { divergence, promptName } from "./prompts.ts";
import type { GradeContext, Outcomes, ProbeEnv, Verdict } from "./stage.ts";

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
 * Child side: greedy generation for each prompt on the automatic backend.
 *
 * @param model the learner's loaded model
 * @param env the probe environment
 * @param prompts the prompts' ids and how many tokens to add
 * @param step the learner's cached step (stage 6), if any
 * @returns the run
 */
export async function generateOnBackend(
  model: Forwardable,
  env: ProbeEnv,
  prompts: { ids: number[]; n: number }[],
  step?: CachedStep,
): Promise<GenerationRun> {
  // imported here so that only this probe loads onnxruntime-web
  const { createRunner } = await import("../lib/backends.ts");
  const { generate } = await import("../lib/generate.ts");
  const runner = await createRunner(model, env.config, { step, gpu: env.gpu });
  const ids: number[][] = [];
  for (const p of prompts) {
    const r = await generate(runner, p.ids, {
      maxNewTokens: p.n,
      nPositions: env.config.n_positions,
    });
    ids.push(r.ids);
  }
  await runner.close();
  return { ...describe(runner), ids, forced: false };
}

/**
 * Child side: the greedy next token after each prefix of every prompt's continuation, in one
 * pass per prompt (teacher forcing) on the automatic backend. Greedy decoding of a causal model
 * gives the reference's continuation exactly when every one of these picks is its next token, so
 * this checks what generation would, without running the growing sequence once per new token.
 * The continuation given is the reference's without its last token: the last pick is the model's
 * own.
 *
 * The model is exported before this returns (that runs the learner's code). On WASM, with a
 * thread to start ({@linkcode ProbeEnv.thread}), onnxruntime then starts and runs on that thread
 * while the child's other probes go on: `result` settles when it is done. Anywhere else the
 * passes run here, and `result` is settled on return.
 *
 * @param model the learner's loaded model
 * @param env the probe environment
 * @param prompts the prompts' ids and the continuations to force
 * @returns the run, to await
 */
export async function startForced(
  model: Forwardable,
  env: ProbeEnv,
  prompts: { ids: number[]; forced: number[] }[],
): Promise<{ result: Promise<GenerationRun> }> {
  const { prepareModel, sessionRunner } = await import("../lib/backends.ts");
  const { FORCED_OPTIONS, greedyEachOf, greedyEachOnThread } = await import(
    "../lib/forced_thread.ts"
  );
  const options = { ...FORCED_OPTIONS, gpu: env.gpu };
  const prepared = await prepareModel(model, env.config, options);
  const sequences = prompts.map((p) => ({ ids: [...p.ids, ...p.forced], from: p.ids.length }));
  if (!("runner" in prepared) && prepared.backend === "wasm" && env.thread) {
    const result = greedyEachOnThread(env.thread, { prepared, config: env.config, sequences })
      .then(({ ids, notices }): GenerationRun => ({
        backend: "wasm",
        cached: false,
        notices,
        ids,
        forced: true,
      }));
    result.catch(() => {}); // awaited by a later probe: not an unhandled rejection meanwhile
    return { result };
  }
  const runner = "runner" in prepared
    ? prepared.runner
    : await sessionRunner(prepared, env.config, options);
  const ids = await greedyEachOf(runner, sequences, env.config.n_positions);
  await runner.close();
  return { result: Promise.resolve({ ...describe(runner), ids, forced: true }) };
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
