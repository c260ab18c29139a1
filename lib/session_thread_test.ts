// gpt2-kit: reveals-solutions (runs the reference GPT-2 of solutions/)
import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { Worker } from "node:worker_threads";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { gpt2WithCache, type KV } from "../solutions/6_kv_cache.ts";
import { createRunner, type ExportedForBackend, prepareModel } from "./backends.ts";
import { loadStateDict } from "./checkpoint.ts";
import { loadConfig } from "./config.ts";
import { kernels } from "./kernels/wasm.ts";
import { kitPath } from "./paths.ts";
import { picks, picksOptions, startPicksThread, type ThreadJob } from "./session_thread.ts";

const onThread = (job: ThreadJob) => startPicksThread(Worker, { warmUp: false }).run(job);
import type { Tensor } from "./tensor.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));
const PROMPTS = [0, 1, 2, 3];
const expected = PROMPTS.map((p) => [...refs[`p${p}.generated_ids`].data]);
const prompt = (p: number) => [...refs[`p${p}.input_ids`].data];

// every reference prompt, its continuation but the last token fed in
const forced = {
  sequences: PROMPTS.map((p) => ({
    ids: [...prompt(p), ...expected[p].slice(0, -1)],
    from: prompt(p).length,
  })),
};

function tinyModel(): GPT2 {
  const model = new GPT2(config);
  model.loadStateDict(loadStateDict(kitPath("data", "tiny", "model.safetensors")));
  return model;
}

async function exported(
  model: GPT2,
  step?: (ids: Tensor, past?: KV[]) => { logits: Tensor; present: KV[] },
): Promise<ExportedForBackend> {
  const options = picksOptions(step ? { prompts: [] } : forced);
  const prepared = await prepareModel(model, config, { ...options, step, backend: "wasm" });
  if ("runner" in prepared) throw new Error("the tiny model did not export");
  return prepared;
}

Deno.test("on a thread, the forced picks are the reference's continuations, as on this thread", async () => {
  const model = tinyModel();
  const prepared = await exported(model);
  // the weights lie in the kernels' memory: they go to the thread as places in it
  assertEquals(prepared.exported.externalData.every((f) => kernels!.heap.holds(f.data)), true);
  const there = await onThread({ prepared, config, job: forced });
  assertEquals(there.ids, expected);
  const runner = await createRunner(model, config, { ...picksOptions(forced), backend: "wasm" });
  assertEquals(await picks(runner, forced, config.n_positions), expected);
  await runner.close();
});

Deno.test("on a thread, generation with the KV cache adds the reference's tokens", async () => {
  const model = tinyModel();
  const prepared = await exported(model, (ids, past) => gpt2WithCache(model, ids, past, config));
  assertEquals(prepared.cached, true);
  const job = { prompts: PROMPTS.map((p) => ({ ids: prompt(p), n: expected[p].length })) };
  assertEquals((await onThread({ prepared, config, job })).ids, expected);
});

Deno.test("a weight outside the kernels' memory goes to the thread as a copy of its bytes", async () => {
  const prepared = await exported(tinyModel());
  const files = prepared.exported.externalData;
  const wte = files.findIndex((f) => f.name === "wte.weight");
  const copied = files.map((f, i) => (i === wte ? { ...f, data: f.data.slice() } : f));
  assertEquals(kernels!.heap.holds(copied[wte].data), false);
  const job = (externalData: typeof files) => ({
    prepared: { ...prepared, exported: { ...prepared.exported, externalData } },
    config,
    job: forced,
  });
  assertEquals((await onThread(job(copied))).ids, expected);
  // and the thread computes with what it was sent: zeroed embeddings pick other tokens
  const zeroed = files.map((
    f,
    i,
  ) => (i === wte ? { ...f, data: new Uint8Array(f.data.length) } : f));
  assertNotEquals((await onThread(job(zeroed))).ids, expected);
});

Deno.test("what fails on the thread is thrown here, with its name and message", async () => {
  const prepared = await exported(tinyModel());
  const broken = { ...prepared, exported: { ...prepared.exported, bytes: new Uint8Array(8) } };
  const e = await assertRejects(() => onThread({ prepared: broken, config, job: forced }));
  assertEquals((e as Error).name, "BackendError");
  assertEquals((e as Error).message.startsWith("Cannot start onnxruntime-web on wasm"), true);
});

Deno.test("a thread started ahead of its job can be closed without one", async () => {
  const thread = startPicksThread(Worker, { warmUp: true });
  thread.close();
  // and one that gets its job after it has started onnxruntime still answers
  const late = startPicksThread(Worker, { warmUp: true });
  await new Promise((wait) => setTimeout(wait, 1500));
  const prepared = await exported(tinyModel());
  assertEquals((await late.run({ prepared, config, job: forced })).ids, expected);
});
