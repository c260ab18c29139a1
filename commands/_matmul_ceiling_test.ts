import { assertEquals, assertLess } from "@std/assert";
import { openSession } from "../lib/backends.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { loadConfig } from "../lib/config.ts";
import * as F from "../lib/functional.ts";
import { kitPath } from "../lib/paths.ts";
import { Tensor } from "../lib/tensor.ts";
import { matmulCeiling, matmulGraph } from "./_matmul_ceiling.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const sd = loadStateDict(kitPath("data", "tiny", "model.safetensors"));

// The same products, eagerly: what the graph must compute.
function eager(): Float32Array {
  const C = config.n_embd;
  const ones = Tensor.ones([C]), zeros = Tensor.zeros([C]);
  let x = Tensor.ones([1, 1, C]);
  for (let l = 0; l < config.n_layer; l++) {
    const w = (name: string) => sd[`h.${l}.${name}.weight`];
    const q = x.matmul(w("attn.c_attn")).slice(2, 0, C);
    const mlp = q.matmul(w("attn.c_proj")).matmul(w("mlp.c_fc")).matmul(w("mlp.c_proj"));
    x = F.layerNorm(mlp, ones, zeros);
  }
  return x.reshape(1, C).matmul(sd["wte.weight"].transpose(0, 1)).contiguous().data;
}

Deno.test("the MatMul-only graph computes each block's weight products and the tied head", async () => {
  const expected = eager();
  for (const backend of ["wasm", "native"] as const) {
    const { api, session } = await openSession(
      matmulGraph(sd, config, backend !== "native"),
      backend,
    );
    const x = new api.Tensor("float32", new Float32Array(config.n_embd).fill(1), [
      1,
      1,
      config.n_embd,
    ]);
    const out = await session.run({ x });
    const got = await out.logits.getData() as Float32Array;
    assertEquals(out.logits.dims, [1, config.vocab_size]);
    let err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - expected[i]));
    assertLess(err, 1e-3, `${backend}: max abs error ${err}`);
    await session.release();
  }
});

Deno.test("the ceiling times each run after the warm-up ones", async () => {
  const times = await matmulCeiling(sd, config, "wasm", 1, 3);
  assertEquals(times.length, 3);
  for (const ms of times) assertLess(0, ms);
});
