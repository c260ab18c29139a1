// gpt2-kit: reveals-solutions (runs the solutions' attention, and a copy without stage 5)
import { assertAlmostEquals, assertEquals, assertStringIncludes } from "@std/assert";
import { loadConfig } from "../lib/config.ts";
import { kitPath } from "../lib/paths.ts";
import { TINY } from "../grader/context.ts";
import { withMutatedCopy } from "../grader/test_support.ts";
import { loadPristine } from "../commands/reset.ts";
import type { AttentionView } from "./api.ts";
import { attentionView } from "./attention.ts";
import { MAX_ATTENTION_TOKENS, StudioSession } from "./session.ts";

const { n_layer: L, n_head: H } = loadConfig(TINY.configPath);

/** The Attention panel of the learner files in `dir`. */
async function attentionOf(dir: string, prompt: string): Promise<AttentionView> {
  using session = new StudioSession({ learnerDir: dir, files: TINY });
  return await attentionView(session, prompt);
}

function assertSameWeights(view: AttentionView, layers: number): void {
  if (view.learner.state !== "ready") throw new Error(JSON.stringify(view.learner));
  const T = view.tokens.length;
  assertEquals(view.learner.value.layers, layers);
  const mine = view.learner.value.weights;
  assertEquals(mine.length, layers * H * T * T);
  mine.forEach((w, i) => assertAlmostEquals(w, view.reference.weights[i], 1e-5));
}

Deno.test("attentionView() gives every layer of the solutions' GPT2, equal to the reference's", async () => {
  const view = await attentionOf(kitPath("solutions"), "The cat sat on the mat");
  assertEquals(view.tokens.map((t) => t.piece), ["The", " cat", " sat", " on", " the", " mat"]);
  assertEquals([view.reference.layers, view.reference.heads], [L, H]);
  assertSameWeights(view, L);
  assertEquals(view.learner.state === "ready" && view.learner.notes, undefined);
});

Deno.test("attentionView() without stage 5 shows layer 0 of CausalSelfAttention, and says so", async () => {
  const view = await withMutatedCopy("5_gpt2.ts", [], async (dir) => {
    const stub = (await loadPristine())["5_gpt2.ts"];
    await Deno.writeTextFile(`${dir}/5_gpt2.ts`, stub);
    return attentionOf(dir, "The cat sat");
  });
  assertSameWeights(view, 1);
  assertStringIncludes(
    view.learner.state === "ready" ? view.learner.notes![0] : "",
    "Layer 0 only",
  );
});

Deno.test("attentionView() on the stubs says stage 3 is not started, with its first hint", async () => {
  const view = await attentionOf(kitPath("exercises"), "Hi");
  assertEquals(view.learner.state, "not-started");
  assertEquals(view.learner.state === "not-started" && view.learner.stage, 3);
});

Deno.test("attentionView() cuts a long prompt to MAX_ATTENTION_TOKENS, as wide as the tiny model", async () => {
  const view = await attentionOf(kitPath("solutions"), "a ".repeat(200));
  assertEquals(view.tokens.length, MAX_ATTENTION_TOKENS);
  // 64 tokens: T × C products of the tiny model's layers are T × T too, and are not weights
  assertSameWeights(view, L);
});
