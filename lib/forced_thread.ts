/**
 * Teacher-forced greedy picks (`greedyEach`) for several sequences, on the caller's thread or
 * on a thread of their own: there onnxruntime starts and runs while the caller goes on (the
 * grader's stage 5 runs its eager checks meanwhile). The exported graph's weights are views of
 * the kernels' shared memory, so nothing is copied to reach the thread.
 *
 * @module
 */
import type { ExportedForBackend } from "./backends.ts";
import type { GPT2Config } from "./config.ts";
import type { ExternalFile } from "./export/onnx_graph.ts";
import { greedyEach } from "./generate.ts";
import { kernels } from "./kernels/wasm.ts";
import type { Runner } from "./session_runner.ts";

/** A sequence whose greedy picks are wanted after each of its prefixes from `from` tokens on. */
export interface ForcedSequence {
  /** The prompt and the continuation to force. */
  ids: number[];
  /** The prompt's length. */
  from: number;
}

/**
 * How a runner for forced picks is made (`createRunner`'s options): every position's logits, so
 * that a sequence takes one pass, and no packing of the weights by onnxruntime (a few passes do
 * not repay it).
 */
export const FORCED_OPTIONS = { everyPosition: true, shortLived: true } as const;

/** What {@linkcode greedyEachOnThread}'s thread is given. */
export interface ForcedJob {
  /** The graph, its weights and its backend. */
  prepared: ExportedForBackend;
  /** The model's sizes. */
  config: GPT2Config;
  /** The sequences. */
  sequences: ForcedSequence[];
}

/**
 * A job as it goes to the thread. A weight that lies in the kernels' memory goes as its place
 * in it, and the memory once (shared, not copied): a view of that memory took Deno 3 to 4 s to
 * hand to a thread, whatever its size. Any other weight goes as a copy.
 */
export interface SentJob extends Omit<ForcedJob, "prepared"> {
  /** The graph and its backend, the weights as places or copies. */
  prepared: Omit<ExportedForBackend, "exported"> & {
    exported: Omit<ExportedForBackend["exported"], "externalData"> & { externalData: SentFile[] };
  };
  /** The kernels' memory, when a weight lies in it. */
  memory?: WebAssembly.Memory;
}

/** A weight file: with its bytes, or with where they lie in the kernels' memory. */
export type SentFile = ExternalFile | (Omit<ExternalFile, "data"> & { at: number; length: number });

/** What the thread posts back: the picks per sequence, or why there are none. */
export type ForcedReply =
  | { ids: number[][]; notices: string[] }
  | { error: { name: string; message: string } };

/**
 * The greedy picks after each prefix of every sequence (see `greedyEach`).
 *
 * @param runner the model on its backend, made with {@linkcode FORCED_OPTIONS}
 * @param sequences the sequences
 * @param nPositions the model's context window
 * @returns the picks, per sequence
 */
export async function greedyEachOf(
  runner: Runner,
  sequences: readonly ForcedSequence[],
  nPositions: number,
): Promise<number[][]> {
  const ids: number[][] = [];
  for (const s of sequences) ids.push(await greedyEach(runner, s.ids, s.from, nPositions));
  return ids;
}

/**
 * {@linkcode greedyEachOf} on a new thread (`forced_thread_worker.ts`), on onnxruntime started
 * there with {@linkcode FORCED_OPTIONS}. The thread ends when it has answered.
 *
 * @param Thread `node:worker_threads`' `Worker`
 * @param job the exported graph, the model's sizes and the sequences
 * @returns the picks per sequence and onnxruntime's notices
 * @throws {Error} what the thread threw (its name and message), e.g. a `BackendError`
 */
export function greedyEachOnThread(
  Thread: typeof import("node:worker_threads").Worker,
  job: ForcedJob,
): Promise<{ ids: number[][]; notices: string[] }> {
  return new Promise((resolve, reject) => {
    const url = new URL("./forced_thread_worker.ts", import.meta.url);
    const worker = new Thread(url, { workerData: sent(job) });
    const settle = (settled: () => void) => {
      worker.removeAllListeners();
      void worker.terminate();
      settled();
    };
    worker.on(
      "message",
      (reply: ForcedReply) =>
        settle(() =>
          "error" in reply
            ? reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }))
            : resolve(reply)
        ),
    );
    worker.on("error", (e: Error) => settle(() => reject(e)));
    worker.on(
      "exit",
      (code: number) =>
        settle(() =>
          reject(new Error(`The thread of onnxruntime ended early (exit code ${code})`))
        ),
    );
  });
}

function sent(job: ForcedJob): SentJob {
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
 * @param job what {@linkcode greedyEachOnThread} sent
 * @returns the job
 */
export function received(job: SentJob): ForcedJob {
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
