// gpt2-kit: reveals-solutions (runs the reference GPT-2 of solutions/)
import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { Worker } from "node:worker_threads";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { createRunner, type ExportedForBackend, prepareModel } from "./backends.ts";
import { loadStateDict } from "./checkpoint.ts";
import { loadConfig } from "./config.ts";
import {
  FORCED_OPTIONS,
  type ForcedSequence,
  greedyEachOf,
  greedyEachOnThread,
} from "./forced_thread.ts";
import { kernels } from "./kernels/wasm.ts";
import { kitPath } from "./paths.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));

// every reference prompt, its continuation but the last token fed in
const sequences: ForcedSequence[] = [0, 1, 2, 3].map((p) => {
  const prompt = [...refs[`p${p}.input_ids`].data];
  return {
    ids: [...prompt, ...refs[`p${p}.generated_ids`].data].slice(0, -1),
    from: prompt.length,
  };
});
const expected = [0, 1, 2, 3].map((p) => [...refs[`p${p}.generated_ids`].data]);

async function exported(): Promise<{ model: GPT2; prepared: ExportedForBackend }> {
  const model = new GPT2(config);
  model.loadStateDict(loadStateDict(kitPath("data", "tiny", "model.safetensors")));
  const prepared = await prepareModel(model, config, { ...FORCED_OPTIONS, backend: "wasm" });
  if ("runner" in prepared) throw new Error("the tiny model did not export");
  return { model, prepared };
}

Deno.test("on a thread, the forced picks are the reference's continuations, as on this thread", async () => {
  const { model, prepared } = await exported();
  // the weights lie in the kernels' memory: they go to the thread as places in it
  assertEquals(prepared.exported.externalData.every((f) => kernels!.heap.holds(f.data)), true);
  const onThread = await greedyEachOnThread(Worker, { prepared, config, sequences });
  assertEquals(onThread.ids, expected);
  const runner = await createRunner(model, config, { ...FORCED_OPTIONS, backend: "wasm" });
  assertEquals(await greedyEachOf(runner, sequences, config.n_positions), expected);
  await runner.close();
});

Deno.test("a weight outside the kernels' memory goes to the thread as a copy of its bytes", async () => {
  const { prepared } = await exported();
  const files = prepared.exported.externalData;
  const wte = files.findIndex((f) => f.name === "wte.weight");
  const copied = files.map((f, i) => (i === wte ? { ...f, data: f.data.slice() } : f));
  assertEquals(kernels!.heap.holds(copied[wte].data), false);
  const job = (externalData: typeof files) => ({
    prepared: { ...prepared, exported: { ...prepared.exported, externalData } },
    config,
    sequences,
  });
  assertEquals((await greedyEachOnThread(Worker, job(copied))).ids, expected);
  // and the thread computes with what it was sent: zeroed embeddings pick other tokens
  const zeroed = files.map((
    f,
    i,
  ) => (i === wte ? { ...f, data: new Uint8Array(f.data.length) } : f));
  assertNotEquals((await greedyEachOnThread(Worker, job(zeroed))).ids, expected);
});

Deno.test("what fails on the thread is thrown here, with its name and message", async () => {
  const { prepared } = await exported();
  const broken = { ...prepared, exported: { ...prepared.exported, bytes: new Uint8Array(8) } };
  const e = await assertRejects(() =>
    greedyEachOnThread(Worker, { prepared: broken, config, sequences })
  );
  assertEquals((e as Error).name, "BackendError");
  assertEquals((e as Error).message.startsWith("Cannot start onnxruntime-web on wasm"), true);
});
