// gpt2-kit: reveals-solutions (exports the reference GPT-2 of solutions/)
import { assert, assertEquals, assertLess, assertStringIncludes, assertThrows } from "@std/assert";
import * as ort from "onnxruntime-web/webgpu";
import { GPT2 } from "../../solutions/5_gpt2.ts";
import { loadStateDict } from "../checkpoint.ts";
import { loadConfig } from "../config.ts";
import { Module } from "../module.ts";
import { kitPath } from "../paths.ts";
import { Tensor } from "../tensor.ts";
import { chooseTraceLength, ExportError, exportModel, INPUT_IDS, LOGITS } from "./trace.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));

function tinyModel(): GPT2 {
  const model = new GPT2(config);
  model.loadStateDict(loadStateDict(kitPath("data", "tiny", "model.safetensors")));
  return model;
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  return await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
}

async function run(s: ort.InferenceSession, ids: number[]): Promise<Float32Array> {
  const input = new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);
  return (await s.run({ [INPUT_IDS]: input }))[LOGITS].data as Float32Array;
}

Deno.test("one exported graph matches eager logits within 1e-4 at every sequence length", async () => {
  const model = tinyModel();
  const exported = exportModel(model, config);
  const s = await session(exported.bytes);
  for (const T of [1, 2, exported.traceLength, 16, 41, config.n_positions]) {
    const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 13) % config.vocab_size);
    const eager = model.forward(new Tensor(Float32Array.from(ids), [1, T])).data;
    const onnx = await run(s, ids);
    assertEquals(onnx.length, eager.length, `length ${T}`);
    let err = 0;
    for (let i = 0; i < eager.length; i++) err = Math.max(err, Math.abs(onnx[i] - eager[i]));
    assertLess(err, 1e-4, `sequence length ${T}: max abs error ${err}`);
  }
  await s.release();
});

Deno.test("chooseTraceLength() picks a prime that divides no size of the model", () => {
  const t = chooseTraceLength(config);
  for (const s of [64, 4, 16, 192, 256, 50257, 128]) assert(s % t !== 0, `${t} divides ${s}`);
  const gpt2 = { ...config, n_embd: 768, n_head: 12, n_positions: 1024 };
  assertEquals(chooseTraceLength(gpt2), 5);
});

Deno.test("exportModel() names the line of a forward that reads raw numbers", () => {
  class Untraceable extends Module {
    weight = Tensor.ones([config.vocab_size, 4]);
    forward(ids: Tensor): Tensor {
      const values = ids.data; // leaves the graph
      return new Tensor(Float32Array.from(values), ids.shape).unsqueeze(-1).mul(this.weight.sum());
    }
  }
  const e = assertThrows(() => exportModel(new Untraceable(), config), ExportError);
  assertStringIncludes(e.message, "data");
  assertStringIncludes(e.message, "trace_test.ts:");
  assert(e.at?.includes("trace_test.ts"));
});

Deno.test("exported slices written from the end stay relative to the end", async () => {
  class LastPosition extends Module {
    wte = Tensor.arange(config.vocab_size * 2).view(config.vocab_size, 2);
    forward(ids: Tensor): Tensor {
      const x = this.wte.indexSelect(0, ids.squeeze(0)); // (T, 2)
      return x.slice(0, -1).unsqueeze(0).matmul(this.wte.transpose(0, 1)); // last row only
    }
  }
  const model = new LastPosition();
  const s = await session(exportModel(model, config).bytes);
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const eager = model.forward(new Tensor(Float32Array.from(ids), [1, ids.length])).data;
  assertEquals([...(await run(s, ids))], [...eager]);
  await s.release();
});

Deno.test("exportModel() rejects a forward that does not return a computed tensor", () => {
  class Constant extends Module {
    forward(_ids: Tensor): Tensor {
      return new Tensor(new Float32Array(3), [1, 1, 3]);
    }
  }
  assertThrows(
    () => exportModel(new Constant(), config),
    ExportError,
    "not computed from its inputs",
  );
});
