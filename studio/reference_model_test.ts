// The library's functional ops, composed into GPT-2 (the studio's reference model), reproduce the
// PyTorch reference logits of the bundled tiny model: the end-to-end proof that the ops are right,
// and that the studio shows the reference's numbers.
import { assertAlmostEquals, assertEquals, assertLess, assertThrows } from "@std/assert";
import { Tensor } from "../lib/tensor.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { loadConfig } from "../lib/config.ts";
import { kitPath } from "../lib/paths.ts";
import { captureAttention } from "./attention_capture.ts";
import { ReferenceGPT2 } from "./reference_model.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const sd = loadStateDict(kitPath("data", "tiny", "model.safetensors"));
const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));

function loaded(): ReferenceGPT2 {
  return new ReferenceGPT2(config, sd);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assertEquals(a.shape, b.shape);
  return a.sub(b).abs().max().item();
}

Deno.test("ReferenceGPT2 matches PyTorch's tiny-model logits within 1e-4", () => {
  const model = loaded();
  for (let p = 0; refs[`p${p}.input_ids`]; p++) {
    const ids = refs[`p${p}.input_ids`];
    const logits = model.forward(ids.view(1, -1));
    const err = maxAbsDiff(logits.squeeze(0), refs[`p${p}.logits`]);
    assertLess(err, 1e-4, `prompt ${p}: max abs logit error ${err}`);
  }
});

Deno.test("ReferenceGPT2 reproduces PyTorch's greedy continuation of every prompt", () => {
  const model = loaded();
  for (let p = 0; refs[`p${p}.input_ids`]; p++) {
    const ids = [...refs[`p${p}.input_ids`].data];
    const expected = [...refs[`p${p}.generated_ids`].data];
    for (let i = 0; i < expected.length; i++) {
      const logits = model.forward(new Tensor(Float32Array.from(ids), [1, ids.length]));
      ids.push(logits.select(1, -1).argmax(-1).item());
    }
    assertEquals(ids.slice(-expected.length), expected, `prompt ${p}`);
  }
});

Deno.test("ReferenceGPT2.attentionInput() is PyTorch's h.0 ln_1 output", () => {
  const model = loaded();
  const ids = refs["p0.input_ids"];
  const err = maxAbsDiff(model.attentionInput(ids.view(1, -1)).squeeze(0), refs["p0.h0.attn_in"]);
  assertLess(err, 1e-5);
});

Deno.test("captureAttention() finds every causal head of ReferenceGPT2, rows summing to 1", () => {
  const model = loaded();
  const T = 6;
  const ids = new Tensor(Float32Array.from([464, 3290, 318, 257, 922, 13]), [1, T]);
  const matrices = config.n_layer * config.n_head;
  const captured = captureAttention(() => model.forward(ids), {
    T,
    matrices,
    constants: Object.values(sd),
  });
  if (!("weights" in captured)) throw new Error(`found ${captured.found} matrices`);
  assertEquals(captured.weights.shape, [config.n_layer * config.n_head, T, T]);
  const w = captured.weights.data;
  for (let m = 0; m < config.n_layer * config.n_head; m++) {
    for (let i = 0; i < T; i++) {
      const row = w.subarray((m * T + i) * T, (m * T + i + 1) * T);
      assertAlmostEquals(row.reduce((a, b) => a + b, 0), 1, 1e-5);
      for (let j = i + 1; j < T; j++) assertEquals(row[j], 0, `matrix ${m} [${i}, ${j}]`);
    }
  }
});

Deno.test("captureAttention() says how many matrices it found when they are not the expected", () => {
  const model = loaded();
  const ids = new Tensor(Float32Array.from([464, 3290, 318]), [1, 3]);
  const options = { T: 3, matrices: 7, constants: Object.values(sd) };
  assertEquals(captureAttention(() => model.forward(ids), options), {
    found: config.n_layer * config.n_head,
  });
});

Deno.test("ReferenceGPT2 names a missing checkpoint entry", () => {
  const { ["h.1.mlp.c_fc.bias"]: _, ...partial } = sd;
  const ids = new Tensor(Float32Array.from([464]), [1, 1]);
  assertThrows(
    () => new ReferenceGPT2(config, partial).forward(ids),
    RangeError,
    '"h.1.mlp.c_fc.bias"',
  );
});
