import { assertEquals, assertStringIncludes } from "@std/assert";
import { type GenerationRun, generationVerdict } from "./generation.ts";
import type { PromptRef } from "./references.ts";
import type { GradeContext, Outcomes } from "./stage.ts";

const PROMPT = { index: 0, text: "The", ids: [464], generated: [1, 2, 3, 4] } as PromptRef;
const ctx = { refs: { prompts: [PROMPT] } } as unknown as GradeContext;

const ran = (ids: number[], forced: boolean): Outcomes =>
  new Map([[
    "onnx",
    {
      ok: true,
      value: { backend: "wasm", cached: false, notices: [], ids: [ids], forced } as GenerationRun,
    },
  ]]);

Deno.test("generationVerdict() passes the reference's tokens, naming the backend", () => {
  const v = generationVerdict(ran([1, 2, 3, 4], true), "onnx", ctx, "a hint");
  assertEquals(v.status, "pass");
  assertStringIncludes(v.message, "exported to ONNX, on onnxruntime-web's WASM");
});

Deno.test("generationVerdict() shows a forced run's picks only up to the first difference", () => {
  const v = generationVerdict(ran([1, 9, 3, 4], true), "onnx", ctx, "a hint");
  assertEquals(v.status, "fail");
  assertStringIncludes(v.message, "at new token 2, expected id 2, found 9");
  assertEquals(v.details, ["expected [1,2,3,4]", "found    [1,9]"]);
  assertEquals(v.hint, "a hint");
});

Deno.test("generationVerdict() shows a generated run whole: its later tokens are the model's own", () => {
  const v = generationVerdict(ran([1, 9, 7, 7], false), "onnx", ctx, "a hint");
  assertEquals(v.status, "fail");
  assertEquals(v.details, ["expected [1,2,3,4]", "found    [1,9,7,7]"]);
});
