/**
 * The checks that compare with facts of the real GPT-2 (`needsRealModel`): `n/a` on the tiny
 * model; graded when the context says "gpt2". The real weights are not here, so these tests
 * grade the tiny model's files under the name "gpt2", where those facts do not hold unless a
 * test plants them.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { loadStateDict, saveStateDict } from "../../lib/checkpoint.ts";
import { kitPath } from "../../lib/paths.ts";
import { writeSafetensors } from "../../lib/safetensors.ts";
import { computeReferences, referenceDefaults } from "../../commands/refs.ts";
import { gradeContext, type ModelFiles, TINY } from "../context.ts";
import { gradeStage } from "../run_stage.ts";
import type { Stage, StageResult } from "../stage.ts";
import {
  checkNamed,
  gradeDir,
  learnerText,
  TEST_MEMORY_LIMIT_MB,
  TEST_TIME_LIMIT_MS,
} from "../test_support.ts";
import { inCacheDir } from "../../commands/_test_helpers.ts";
import { stage as tokenizer } from "./1_tokenizer.ts";
import { stage as embedding } from "./2_embedding.ts";
import { stage as gpt2 } from "./5_gpt2.ts";

const HELLO = "GPT-2's own files give GPT-2's ids";
const SIMILARITY = "GPT-2's embeddings put fruit nearer to apple than man";
const FINGERPRINT = "GPT2 holds GPT-2's weights";
const THE_DOG = 'GPT-2 continues "The dog" as it is known to';

/** Grades the solutions of a stage on `files`, presented to the grader as the real GPT-2. */
function gradeAsGpt2(stage: Stage, files: ModelFiles = TINY): Promise<StageResult> {
  const asGpt2 = { ...files, model: "gpt2" };
  return gradeStage(stage, gradeContext(asGpt2), {
    learnerDir: kitPath("solutions"),
    configPath: files.configPath,
    weightsPath: files.weightsPath,
    tokenizerDir: files.tokenizerDir,
    timeLimitMs: TEST_TIME_LIMIT_MS,
    memoryLimitMb: TEST_MEMORY_LIMIT_MB,
  });
}

/** The tiny model's weights with a change, saved in `dir`. */
function patchedWeights(dir: string, patch: (w: ReturnType<typeof loadStateDict>) => void) {
  const weights = loadStateDict(TINY.weightsPath);
  patch(weights);
  const path = `${dir}/model.safetensors`;
  saveStateDict(path, weights);
  return path;
}

Deno.test("the checks that need the real GPT-2 are n/a on the tiny model", async () => {
  for (
    const [stage, names] of [[tokenizer, [HELLO]], [embedding, [SIMILARITY]], [gpt2, [
      FINGERPRINT,
      THE_DOG,
    ]]] as const
  ) {
    const r = await gradeDir(stage, kitPath("solutions"));
    assertEquals(r.status, "pass", r.message);
    for (const name of names) {
      const c = checkNamed(r, name);
      assertEquals([c.status, c.maxPoints], ["n/a", 0], name);
      assertStringIncludes(c.message, "needs the real GPT-2 weights (`deno task setup`");
    }
  }
});

Deno.test('stage 1 on "gpt2": the downloaded tokenizer files give [15496, 995] for "Hello world"', async () => {
  // the tiny model ships GPT-2's own tokenizer files, so the fact holds here too
  const c = checkNamed(await gradeAsGpt2(tokenizer), HELLO);
  assertEquals(c.status, "pass", c.message);
  assertEquals(
    c.message,
    'encode("Hello world") is [15496,995] with the downloaded vocab.json and merges.txt',
  );
});

Deno.test('stage 2 on "gpt2": the similarity of " apple" to " fruit" and " man" is graded', async () => {
  // the tiny model's random rows happen to agree with GPT-2 (0.032 > -0.136)...
  const c = checkNamed(await gradeAsGpt2(embedding), SIMILARITY);
  assertEquals(c.status, "pass", c.message);
  assertStringIncludes(
    c.message,
    'cos(" apple", " fruit") = 0.0323525, cos(" apple", " man") = -0.136139',
  );
  // ...and disagree once the rows of " fruit" and " man" are swapped
  await inCacheDir(async (dir) => {
    const weightsPath = patchedWeights(dir, (w) => {
      const wte = w["wte.weight"], C = wte.shape[1];
      const fruit = wte.data.slice(8234 * C, 8235 * C);
      wte.data.copyWithin(8234 * C, 582 * C, 583 * C);
      wte.data.set(fruit, 582 * C);
    });
    const r = await gradeAsGpt2(embedding, { ...TINY, weightsPath });
    const swapped = checkNamed(r, SIMILARITY);
    assertEquals(swapped.status, "fail", swapped.message);
    assertEquals(
      swapped.message,
      'cos(" apple", " fruit") = -0.136139, cos(" apple", " man") = 0.0323525: in GPT-2\'s ' +
        'embeddings " fruit" is nearer to " apple" than " man" is',
    );
    assertStringIncludes(learnerText(swapped), "`deno task setup` downloads and verifies them");
  });
});

Deno.test('stage 5 on "gpt2": the tiny weights are not GPT-2\'s, and "The dog" waits for that', async () => {
  const r = await gradeAsGpt2(gpt2);
  assertEquals(r.status, "fail");
  const c = checkNamed(r, FINGERPRINT);
  assertEquals(c.status, "fail");
  assertEquals(
    c.message,
    "After loading the checkpoint, your GPT2's h.0.ln_1.weight[0] is 0.8623970746994019; " +
      "GPT-2's is 0.2232203334569931 (tolerance 1.00e-7)",
  );
  assertStringIncludes(c.hint ?? "", "`deno task setup` downloads and verifies them");
  // the other checks compare with the (tiny) reference file and pass, up to the numbers; the
  // tokens wait for the fingerprint
  for (const x of r.checks.filter((x) => x.name !== FINGERPRINT)) {
    assertEquals(x.status, x.layer === "tokens" ? "skipped" : "pass", x.name);
  }
  assertEquals(checkNamed(r, THE_DOG).message, `skipped until "${FINGERPRINT}" passes`);
});

Deno.test('stage 5 on "gpt2": with GPT-2\'s weight planted, "The dog" is graded and differs', async () => {
  await inCacheDir(async (dir) => {
    const weightsPath = patchedWeights(dir, (w) => {
      w["h.0.ln_1.weight"].data[0] = 0.2232203334569931;
    });
    // references for the planted weights, so that only the facts of GPT-2 can fail
    const refsPath = `${dir}/reference.safetensors`;
    const refs = await computeReferences({
      weightsPath,
      configPath: TINY.configPath,
      ...referenceDefaults(),
    });
    writeSafetensors(refsPath, refs.tensors, refs.metadata);
    const r = await gradeAsGpt2(gpt2, { ...TINY, weightsPath, refsPath });
    assertEquals(checkNamed(r, FINGERPRINT).status, "pass");
    const c = checkNamed(r, THE_DOG);
    assertEquals(c.status, "fail", c.message);
    assertEquals(
      c.message,
      'generate(model, [464,3290], 18) ("The dog"): GPT-2 continues it with 18 known tokens, ' +
        "yours differ at new token 1",
    );
    assertStringIncludes(
      c.details![0],
      "[373,1043,287,257,2214,1474,262,16246,286,2688,290,2688,27262,13,198,198,464,3290]",
    );
    assertEquals(r.checks.filter((x) => x.status === "fail").map((x) => x.name), [THE_DOG]);
  });
});
