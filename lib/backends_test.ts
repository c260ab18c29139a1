// gpt2-kit: reveals-solutions (runs the reference GPT-2 of solutions/)
import { assertEquals, assertLess, assertRejects, assertStringIncludes } from "@std/assert";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { BackendError, chooseBackend, createRunner, type GpuProbe } from "./backends.ts";
import { loadStateDict } from "./checkpoint.ts";
import { loadConfig } from "./config.ts";
import { generate, greedyEach } from "./generate.ts";
import { Module } from "./module.ts";
import { kitPath } from "./paths.ts";
import { Tensor } from "./tensor.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));

function tinyModel(): GPT2 {
  const model = new GPT2(config);
  model.loadStateDict(loadStateDict(kitPath("data", "tiny", "model.safetensors")));
  return model;
}

const probe = (adapter: GpuProbe["adapter"]) => () =>
  Promise.resolve({ adapter, description: `a ${adapter} adapter` });

Deno.test("auto picks WebGPU only for a hardware adapter, else WASM with a notice", async () => {
  assertEquals((await chooseBackend("auto", probe("hardware"))).backend, "webgpu");
  const soft = await chooseBackend("auto", probe("software"));
  assertEquals(soft.backend, "wasm");
  assertStringIncludes(soft.notices[0], "software adapter");
  assertEquals((await chooseBackend("auto", probe("none"))).backend, "wasm");
});

Deno.test("a forced webgpu without any adapter says why; forced others are kept", async () => {
  await assertRejects(() => chooseBackend("webgpu", probe("none")), BackendError, "none adapter");
  const slow = await chooseBackend("webgpu", probe("software"));
  assertEquals(slow.backend, "webgpu");
  assertStringIncludes(slow.notices[0], "slower than WASM");
  assertEquals((await chooseBackend("wasm", probe("none"))).backend, "wasm");
  assertEquals((await chooseBackend("cpu", probe("none"))).backend, "cpu");
  assertEquals((await chooseBackend("native", probe("hardware"))).backend, "native");
});

Deno.test("WASM, WebGPU, native and the eager CPU path give the reference greedy ids", async () => {
  const model = tinyModel();
  const prompt = [...refs["p0.input_ids"].data];
  const expected = [...refs["p0.generated_ids"].data].slice(0, 3);
  for (const backend of ["wasm", "webgpu", "native", "cpu"] as const) {
    const runner = await createRunner(model, config, { backend });
    assertEquals(runner.backend, backend);
    const { ids } = await generate(runner, prompt, { maxNewTokens: 3, nPositions: 128 });
    await runner.close();
    assertEquals(ids, expected, backend);
  }
});

Deno.test("a model that cannot be exported runs on the CPU instead, with the reason", async () => {
  class ReadsNumbers extends Module {
    wte = Tensor.ones([config.vocab_size, 2]);
    forward(ids: Tensor): Tensor {
      const n = ids.data.length; // a raw read: not traceable
      return this.wte.indexSelect(0, ids).matmul(this.wte.transpose(0, 1)).mul(n);
    }
  }
  const runner = await createRunner(new ReadsNumbers(), config, { backend: "wasm" });
  assertEquals(runner.backend, "cpu");
  assertStringIncludes(runner.notices.join("\n"), "backends_test.ts:");
  assertStringIncludes(runner.notices.join("\n"), "Falling back to the eager CPU path");
  assertEquals((await runner.nextLogits([1, 2])).length, config.vocab_size);
});

Deno.test("with a KV cache, WASM, native and the CPU give the reference ids and logits", async () => {
  const { gpt2WithCache } = await import("../solutions/6_kv_cache.ts");
  const model = tinyModel();
  const step = (ids: Tensor, past?: { k: Tensor; v: Tensor }[]) =>
    gpt2WithCache(model, ids, past, config);
  const prompt = [...refs["p3.input_ids"].data];
  const expected = [...refs["p3.generated_ids"].data];
  const plain = await createRunner(model, config, { backend: "cpu" });
  for (const backend of ["wasm", "native", "cpu"] as const) {
    const runner = await createRunner(model, config, { backend, step, threads: 2 });
    assertEquals([runner.backend, runner.cached], [backend, true]);
    // native and the CPU kernels take the threads they are given; WASM keeps a process's
    // first count (1 here)
    assertEquals(runner.threads, backend === "wasm" ? 1 : 2, backend);
    const { ids } = await generate(runner, prompt, {
      maxNewTokens: expected.length,
      nPositions: 128,
    });
    assertEquals(ids, expected, backend);
    // a sequence that does not extend the cached one starts the cache again
    const again = await runner.nextLogits(prompt.slice(0, 5));
    const full = await plain.nextLogits(prompt.slice(0, 5));
    let err = 0;
    for (let i = 0; i < full.length; i++) err = Math.max(err, Math.abs(again[i] - full[i]));
    assertLess(err, 1e-4, `${backend}: ${err}`);
    await runner.close();
  }
});

Deno.test("every position's logits, in one pass: the greedy picks of generation and the reference's logits", async () => {
  const model = tinyModel();
  const prompt = [...refs["p0.input_ids"].data];
  const generated = [...refs["p0.generated_ids"].data];
  const sequence = [...prompt, ...generated.slice(0, -1)];
  for (const backend of ["wasm", "cpu"] as const) {
    const runner = await createRunner(model, config, {
      backend,
      everyPosition: true,
      shortLived: true,
    });
    assertEquals(runner.backend, backend);
    const all = await runner.allLogits!(sequence);
    assertEquals(all.length, sequence.length * config.vocab_size);
    const reference = refs["p0.logits"].data; // the prompt's positions
    let worst = 0;
    for (let i = 0; i < reference.length; i++) {
      worst = Math.max(worst, Math.abs(all[i] - reference[i]));
    }
    assertLess(worst, 1e-3, backend);
    assertEquals(await greedyEach(runner, sequence, prompt.length, 128), generated, backend);
    await runner.close();
  }
});

Deno.test("a runner with the last position only, or with a cache, has no allLogits", async () => {
  const runner = await createRunner(tinyModel(), config, { backend: "wasm" });
  assertEquals(runner.allLogits, undefined);
  await runner.close();
});

Deno.test("a runner told what navigator.gpu offers does not ask again, and says what it was told", async () => {
  const runner = await createRunner(tinyModel(), config, {
    gpu: { adapter: "none", description: "no adapter, as the grader found" },
  });
  assertEquals(runner.backend, "wasm");
  assertStringIncludes(runner.notices.join("\n"), "no adapter, as the grader found");
  await runner.close();
});
