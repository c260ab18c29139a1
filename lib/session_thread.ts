/**
 * Greedy picks from an exported model, on the caller's thread or on a thread of their own: there
 * onnxruntime starts and runs while the caller goes on (the grader's stages 5 and 6 run their
 * eager checks meanwhile). Two jobs: generation (`generate`, each prompt and how many tokens to
 * add) and teacher forcing (`greedyEach`, each sequence and where its prompt ends). The graph's
 * weights are views of the kernels' shared memory, so nothing is copied to reach the thread.
 *
 * @module
 */
import {
  type ExportedForBackend,
  type PreparedModel,
  type RunnerOptions,
  sessionRunner,
} from "./backends.ts";
import type { GPT2Config } from "./config.ts";
import type { ExternalFile } from "./export/onnx_graph.ts";
import { generate, greedyEach } from "./generate.ts";
import { kernels } from "./kernels/wasm.ts";
import type { Runner } from "./session_runner.ts";

/** What to compute: generation from prompts, or the forced picks along sequences. */
export type PicksJob =
  | { prompts: { ids: number[]; n: number }[] }
  | { sequences: { ids: number[]; from: number }[] };

/**
 * How a runner for a job is made (`createRunner`'s options). Forced picks take every position's
 * logits, so that a sequence takes one pass, and no packing of the weights by onnxruntime (a few
 * passes do not repay it); generation keeps both defaults.
 *
 * @param job the job
 * @returns the options
 */
export function picksOptions(job: PicksJob): RunnerOptions {
  return "sequences" in job ? { everyPosition: true, shortLived: true } : {};
}

/**
 * A job's greedy picks on a runner: per prompt its new ids, or per sequence the pick after each
 * prefix from `from` tokens on (see `greedyEach`).
 *
 * @param runner the model on its backend, made with {@linkcode picksOptions}
 * @param job the job
 * @param nPositions the model's context window
 * @returns the ids, per prompt or sequence
 */
export async function picks(
  runner: Runner,
  job: PicksJob,
  nPositions: number,
): Promise<number[][]> {
  const ids: number[][] = [];
  if ("sequences" in job) {
    for (const s of job.sequences) ids.push(await greedyEach(runner, s.ids, s.from, nPositions));
  } else {
    for (const p of job.prompts) {
      ids.push((await generate(runner, p.ids, { maxNewTokens: p.n, nPositions })).ids);
    }
  }
  return ids;
}

/**
 * A job's greedy picks on a prepared model (see `prepareModel`): on onnxruntime started here with
 * {@linkcode picksOptions}, or on the eager runner it already is; the runner is closed after.
 *
 * @param prepared the exported graph and its backend, or the eager runner
 * @param config the model's sizes
 * @param job the job
 * @returns the ids, per prompt or sequence, and the runner that computed them
 */
export async function runPicks(
  prepared: PreparedModel,
  config: GPT2Config,
  job: PicksJob,
): Promise<{ ids: number[][]; runner: Runner }> {
  const runner = "runner" in prepared
    ? prepared.runner
    : await sessionRunner(prepared, config, picksOptions(job));
  const ids = await picks(runner, job, config.n_positions);
  await runner.close();
  return { ids, runner };
}

/** What a {@linkcode PicksThread} is given to run. */
export interface ThreadJob {
  /** The graph, its weights and its backend. */
  prepared: ExportedForBackend;
  /** The model's sizes. */
  config: GPT2Config;
  /** What to compute. */
  job: PicksJob;
}

/**
 * A job as it goes to the thread. A weight that lies in the kernels' memory goes as its place
 * in it, and the memory once (shared, not copied): a view of that memory took Deno 3 to 4 s to
 * hand to a thread, whatever its size. Any other weight goes as a copy.
 */
export interface SentJob extends Omit<ThreadJob, "prepared"> {
  /** The graph and its backend, the weights as places or copies. */
  prepared: Omit<ExportedForBackend, "exported"> & {
    exported: Omit<ExportedForBackend["exported"], "externalData"> & { externalData: SentFile[] };
  };
  /** The kernels' memory, when a weight lies in it. */
  memory?: WebAssembly.Memory;
}

/** A weight file: with its bytes, or with where they lie in the kernels' memory. */
export type SentFile = ExternalFile | (Omit<ExternalFile, "data"> & { at: number; length: number });

/** What the thread posts back: the ids, or why there are none. */
export type ThreadReply =
  | { ids: number[][]; notices: string[] }
  | { error: { name: string; message: string } };

/** A thread for {@linkcode picks}, started ahead of its job by {@linkcode startPicksThread}. */
export interface PicksThread {
  /**
   * Hands the thread its job: {@linkcode picks} on onnxruntime started there with
   * {@linkcode picksOptions}. The thread ends when it has answered.
   *
   * @param job the exported graph, the model's sizes and the job
   * @returns the ids and onnxruntime's notices
   * @throws {Error} what the thread threw (its name and message), e.g. a `BackendError`
   */
  run(job: ThreadJob): Promise<{ ids: number[][]; notices: string[] }>;
  /** Ends the thread without a job (the model could not go there after all). */
  close(): void;
}

/**
 * Starts a thread (`session_thread_worker.ts`) that loads onnxruntime-web, with `warmUp` starts
 * its WASM runtime at once (see `warmUp` in `backends.ts`), and waits for its job: a caller that
 * still has a large model to load and export spends that time on the other core.
 *
 * @param Thread `node:worker_threads`' `Worker`
 * @param options whether to start onnxruntime's runtime before the job comes
 * @returns the thread
 */
export function startPicksThread(
  Thread: typeof import("node:worker_threads").Worker,
  options: { warmUp: boolean },
): PicksThread {
  const url = new URL("./session_thread_worker.ts", import.meta.url);
  const worker = new Thread(url, { workerData: options });
  const end = () => {
    worker.removeAllListeners();
    void worker.terminate();
  };
  // what the thread says before it has a job (a failed start) waits for `run`
  const early = new Promise<ThreadReply | Error>((settle) => {
    worker.once("message", settle);
    worker.once("error", settle);
    worker.once(
      "exit",
      (code: number) =>
        settle(new Error(`The thread of onnxruntime ended early (exit code ${code})`)),
    );
  });
  return {
    async run(job) {
      worker.postMessage(sent(job));
      const reply = await early;
      end();
      if (reply instanceof Error) throw reply;
      if ("error" in reply) {
        throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
      }
      return reply;
    },
    close: end,
  };
}

function sent(job: ThreadJob): SentJob {
  const heap = kernels?.heap;
  const externalData = job.prepared.exported.externalData.map(({ data, ...file }): SentFile =>
    heap?.holds(data)
      ? { ...file, at: data.byteOffset, length: data.byteLength }
      : { ...file, data }
  );
  return {
    ...job,
    prepared: { ...job.prepared, exported: { ...job.prepared.exported, externalData } },
    memory: heap?.memory,
  };
}

/**
 * The job a thread was sent, its weights as views again.
 *
 * @param job what {@linkcode PicksThread.run} sent
 * @returns the job
 */
export function received(job: SentJob): ThreadJob {
  const externalData = job.prepared.exported.externalData.map((f) =>
    "data" in f
      ? f
      : { path: f.path, name: f.name, data: new Uint8Array(job.memory!.buffer, f.at, f.length) }
  );
  return {
    ...job,
    prepared: { ...job.prepared, exported: { ...job.prepared.exported, externalData } },
  };
}
