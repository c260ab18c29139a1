/**
 * The thread of `greedyEachOnThread` (`forced_thread.ts`): starts onnxruntime on the
 * exported graph it is given, runs one pass per sequence, and posts the picks or the error.
 * Only the kit's code runs here: the graph is data.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { sessionRunner } from "./backends.ts";
import {
  FORCED_OPTIONS,
  type ForcedReply,
  greedyEachOf,
  received,
  type SentJob,
} from "./forced_thread.ts";

const job = received(workerData as SentJob);
let reply: ForcedReply;
try {
  const runner = await sessionRunner(job.prepared, job.config, FORCED_OPTIONS);
  const ids = await greedyEachOf(runner, job.sequences, job.config.n_positions);
  await runner.close();
  reply = { ids, notices: runner.notices };
} catch (e) {
  const { name, message } = e instanceof Error ? e : new Error(String(e));
  reply = { error: { name, message } };
}
parentPort!.postMessage(reply);
