/**
 * The thread of `picksOnThread` (`session_thread.ts`): starts onnxruntime on the exported graph
 * it is given, computes the job's greedy picks, and posts them or the error. Only the kit's code
 * runs here: the graph is data.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { sessionRunner } from "./backends.ts";
import { picks, picksOptions, received, type SentJob, type ThreadReply } from "./session_thread.ts";

const { prepared, config, job } = received(workerData as SentJob);
let reply: ThreadReply;
try {
  const runner = await sessionRunner(prepared, config, picksOptions(job));
  const ids = await picks(runner, job, config.n_positions);
  await runner.close();
  reply = { ids, notices: runner.notices };
} catch (e) {
  const { name, message } = e instanceof Error ? e : new Error(String(e));
  reply = { error: { name, message } };
}
parentPort!.postMessage(reply);
