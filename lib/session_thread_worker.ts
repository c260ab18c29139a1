/**
 * The thread of `startPicksThread` (`session_thread.ts`): starts onnxruntime-web's WASM runtime
 * as soon as it loads when asked to, then takes its one job from its parent, computes the greedy
 * picks on the exported graph it was given, and posts them or the error. Only the kit's code runs
 * here: the graph is data.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { warmUp } from "./backends.ts";
import { received, runPicks, type SentJob, type ThreadReply } from "./session_thread.ts";

const port = parentPort!;
const sent = new Promise<SentJob>((take) => port.once("message", take));
let reply: ThreadReply;
try {
  if ((workerData as { warmUp: boolean }).warmUp) await warmUp("wasm");
  const { prepared, config, job } = received(await sent);
  const { ids, runner } = await runPicks(prepared, config, job);
  reply = { ids, notices: runner.notices };
} catch (e) {
  const { name, message } = e instanceof Error ? e : new Error(String(e));
  reply = { error: { name, message } };
}
port.postMessage(reply);
