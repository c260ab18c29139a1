import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { formatStage, styles } from "./report/pretty.ts";
import {
  type EnglishReference,
  englishReference,
  englishVerdict,
  firstSentence,
} from "./english.ts";
import type { Outcomes, StageResult } from "./stage.ts";
import { inTempDir } from "../commands/_test_helpers.ts";

const REF: EnglishReference = {
  prompt: "The",
  prompt_ids: [464],
  generated_ids: [1, 2, 3],
  text: "The end. And more",
};

const returned = (value: unknown): Outcomes => new Map([["english", { ok: true, value }]]);

Deno.test("englishVerdict() passes PyTorch's continuation and quotes the first sentence", () => {
  const v = englishVerdict(returned([1, 2, 3]), "english", REF);
  assertEquals(v.status, "pass");
  assertEquals(v.highlight, true);
  assertStringIncludes(v.message, 'starts as PyTorch\'s does: "The end."');
});

Deno.test("englishVerdict() names the first new token that differs", () => {
  const v = englishVerdict(returned([1, 9, 3]), "english", REF);
  assertEquals(v.status, "fail");
  assertStringIncludes(v.message, "yours differ at new token 2");
  assertEquals(v.details![1], "found    [1,9,3]");
  const short = englishVerdict(returned([1, 2]), "english", REF);
  assertStringIncludes(short.message, "differ at new token 3");
  assertEquals(englishVerdict(returned("ids"), "english", REF).status, "fail");
});

Deno.test("firstSentence() stops at the first end of a sentence, on one line", () => {
  assertEquals(firstSentence("Mr. Darcy\ncame. Then"), "Mr. Darcy came.");
  assertEquals(firstSentence("She said\n\nno! Then"), "She said no!");
  assertEquals(firstSentence("no end at all"), "no end at all");
});

Deno.test("the bundled reference continues its prompt; a malformed one is refused by name", async () => {
  const ref = englishReference();
  assertEquals(ref.generated_ids.length > 0, true);
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, '{"prompt_ids": []}');
    assertThrows(() => englishReference(`${dir}/bad.json`), Error, "bad.json");
  });
});

Deno.test("a highlighted pass shows its message without --verbose", () => {
  const r: StageResult = {
    stage: 5,
    name: "GPT-2",
    file: "exercises/5_gpt2.ts",
    status: "pass",
    message: "all 2 checks pass",
    ms: 1,
    checks: [
      {
        name: "a",
        number: 1,
        layer: "tokens",
        status: "pass",
        message: "quiet",
        points: 1,
        maxPoints: 1,
      },
      {
        ...englishVerdict(returned([1, 2, 3]), "english", REF),
        name: "b",
        number: 2,
        layer: "tokens",
        points: 1,
        maxPoints: 1,
        status: "pass",
      },
    ],
  };
  const text = formatStage(r, styles(false), false).join("\n");
  assertEquals(text.includes("quiet"), false);
  assertStringIncludes(text, 'does: "The end."');
});
