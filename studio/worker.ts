/**
 * The studio's heavy lifting, run in a worker so that the server keeps answering meanwhile:
 * grading a stage (the checks run here, on the grader's side; the learner's code in the
 * sandboxed child, as always) and the reference model's attention, on one copy of the weights.
 * The server talks to it through `worker_client.ts`: the first message is the setup, then
 * requests `{ id, request }`, each answered `{ id, value }` or `{ id, error }`.
 *
 * @module
 */
import { gradeContext, type ModelFiles } from "../grader/context.ts";
import { loadPoints } from "../grader/points.ts";
import { gradeStage, type RunOptions } from "../grader/run_stage.ts";
import type { GradeContext, StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { loadConfig } from "../lib/config.ts";
import type { StateDict } from "../lib/module.ts";
import { idsTensor } from "../grader/prompts.ts";
import { captureAttention } from "./attention_capture.ts";
import { ReferenceGPT2 } from "./reference_model.ts";

/** What the worker needs to start. */
export interface WorkerSetup {
  /** The model's files. */
  files: ModelFiles;
  /** Everything {@linkcode gradeStage} needs but the points. */
  run: Omit<RunOptions, "points">;
}

/** The reference model's attention for a prompt. */
export interface ReferenceAttention {
  /** Every layer's and head's weights, `[L * H, T, T]`, flat. */
  weights: Float32Array;
  /** The input of block 0's attention, `[1, T, C]`, flat. */
  input: Float32Array;
}

/** A request to the worker. */
export type WorkerRequest =
  | { kind: "grade"; stage: number }
  | { kind: "reference"; ids: number[] };

/** The worker's answer to request `id`. */
export type Answer = { id: number; value: unknown } | { id: number; error: string };

function serve(setup: WorkerSetup): (request: WorkerRequest) => Promise<unknown> {
  const config = loadConfig(setup.files.configPath);
  const ctx: GradeContext | undefined = setup.files.refsPath
    ? gradeContext(setup.files)
    : undefined;
  let own: StateDict | undefined;
  const weights = () => ctx?.weights() ?? (own ??= loadStateDict(setup.files.weightsPath));
  let reference: ReferenceGPT2 | undefined;
  return async (request) => {
    if (request.kind === "grade") {
      if (!ctx) throw new Error("no references to grade against");
      const stage = STAGES.find((s) => s.number === request.stage)!;
      const result: StageResult = await gradeStage(stage, ctx, {
        ...setup.run,
        points: loadPoints(STAGES),
      });
      return result;
    }
    reference ??= new ReferenceGPT2(config, weights());
    const ids = idsTensor(request.ids), T = request.ids.length;
    const captured = captureAttention(() => reference!.forward(ids), {
      T,
      matrices: config.n_layer * config.n_head,
      constants: Object.values(reference.weights),
    });
    if (!("weights" in captured)) throw new Error("the reference model's attention was not found");
    return {
      weights: captured.weights.contiguous().data,
      input: reference.attentionInput(ids).contiguous().data,
    } satisfies ReferenceAttention;
  };
}

// A worker's global scope, as far as it is used here.
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: Answer): void;
};
let handle: ((request: WorkerRequest) => Promise<unknown>) | undefined;
scope.onmessage = async (e) => {
  if (!handle) {
    try {
      handle = serve(e.data as WorkerSetup);
    } catch (err) {
      // every request gets the reason the worker could not start
      const why = (err as Error).message ?? String(err);
      handle = () => Promise.reject(new Error(why));
    }
    return;
  }
  const { id, request } = e.data as { id: number; request: WorkerRequest };
  try {
    scope.postMessage({ id, value: await handle(request) });
  } catch (err) {
    scope.postMessage({ id, error: (err as Error).message ?? String(err) });
  }
};
