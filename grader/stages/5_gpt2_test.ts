import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import type { StageResult } from "../stage.ts";
import { checkNamed, gradeDir, learnerText, withMutatedCopy } from "../test_support.ts";
import { withStubs } from "../../commands/_test_helpers.ts";
import { stage } from "./5_gpt2.ts";

const KEYS = "GPT2 loads the checkpoint (step 1)";
const LAYER_NORM = "LayerNorm matches PyTorch, tiny variances included";
const BLOCKS = "GPT2 matches PyTorch, block by block (step 2)";
const GENERATE = "generate continues a prompt as PyTorch does (step 3)";

/** Grades a copy of the solutions with `replacements` made in `file`. */
function gradeMutant(
  replacements: readonly (readonly [string, string])[],
  file = "5_gpt2.ts",
): Promise<StageResult> {
  return withMutatedCopy(file, replacements, (dir) => gradeDir(stage, dir));
}

/** Asserts that the stage fails at `name`, whose text (message, details, hint) holds `says`. */
function assertFailsAt(r: StageResult, name: string, ...says: string[]): void {
  assertEquals(r.status, "fail", r.message);
  const c = checkNamed(r, name);
  assertEquals(c.status, "fail", `${name}: ${c.message}`);
  for (const s of says) assertStringIncludes(learnerText(c), s);
}

Deno.test("stage 5 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", JSON.stringify(r.checks.filter((c) => c.status !== "pass")));
  assertEquals(r.checks.length, stage.checks.length);
  assertStringIncludes(checkNamed(r, KEYS).message, "no error loading the state dict");
});

Deno.test("stage 5 reports the untouched exercise as not started, with the first hint", async () => {
  const r = await withStubs((dir) => gradeDir(stage, dir));
  assertEquals(r.status, "not-started", r.message);
  assertStringIncludes(r.checks[0].hint ?? "", "named h.0, h.1");
});

Deno.test("stage 5 shows the step-1 win before any forward is written", async () => {
  const r = await gradeMutant([
    ["import { type GPT2Config, nn, Tensor }", "import { type GPT2Config, nn, Tensor, todo }"],
    ["const mean = x.mean(-1, true);", 'return todo("LayerNorm.forward", "mean?");'],
    ["x = x.add(this.attn.forward(this.ln_1.forward(x)));", 'return todo("Block.forward", "?");'],
    ["const T = ids.size(-1);", 'return todo("GPT2.forward", "wte?");'],
    ["const seq = [...ids];", 'return todo("generate", "argmax?");'],
  ]);
  assertEquals(r.status, "fail", r.message);
  assertEquals(checkNamed(r, KEYS).status, "pass");
  const ln = checkNamed(r, LAYER_NORM);
  assertEquals(ln.status, "todo");
  assertEquals(ln.message, "LayerNorm.forward is not written yet");
});

Deno.test("stage 5 fails a block's eps that is not the config's, at h.0's ln_1", async () => {
  const r = await gradeMutant([[
    "this.ln_1 = new LayerNorm(config.n_embd, config.layer_norm_epsilon);",
    "this.ln_1 = new LayerNorm(config.n_embd, 1e-12);",
  ]]);
  assertEquals(checkNamed(r, LAYER_NORM).status, "pass");
  assertFailsAt(r, BLOCKS, "block h.0's ln_1", "config.layer_norm_epsilon");
});

Deno.test("stage 5 fails the tied head without its transpose and says transpose", async () => {
  const r = await gradeMutant([[
    "return x.matmul(this.wte.weight.transpose(0, 1));",
    "return x.matmul(this.wte.weight);",
  ]]);
  assertFailsAt(
    r,
    "GPT2.forward gives logits [1, T, vocab_size]",
    "cannot be multiplied",
    "wte.weight is [50257, 64]",
    "transpose(0, 1)",
  );
});

Deno.test("stage 5 fails blocks kept in a plain array and suggests nn.ModuleList", async () => {
  const r = await gradeMutant([[
    "this.h = new nn.ModuleList(Array.from({ length: config.n_layer }, () => new Block(config)));",
    "this.h = Array.from({ length: config.n_layer }, () => new Block(config)) as never;",
  ]]);
  assertFailsAt(r, KEYS, 'Unexpected key(s) in state_dict: "h.0.attn.bias"', "nn.ModuleList");
});

Deno.test("stage 5 fails a mask that is not in the state dict and says it is a buffer", async () => {
  const r = await gradeMutant(
    [["tril().view(1, 1, n, n));", "tril().view(1, 1, n, n), false);"]],
    "3_attention.ts",
  );
  assertFailsAt(r, KEYS, '"h.0.attn.bias", "h.1.attn.bias"', "registerBuffer");
});

Deno.test("stage 5 fails a generate loop that reads the first position, and names the step", async () => {
  const r = await gradeMutant([[
    "logits.select(1, -1).argmax(-1)",
    "logits.select(1, 0).argmax(-1)",
  ]]);
  assertFailsAt(r, GENERATE, "generate(model, ids, 8)", "at new token", "LAST position");
});

Deno.test("stage 5 fails a generate loop that returns the prompt too", async () => {
  const r = await gradeMutant([["return seq.slice(ids.length);", "return seq;"]]);
  assertFailsAt(r, GENERATE, "expected 8 new ids, found 10", "without the prompt");
});
