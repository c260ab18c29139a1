import { assertEquals, assertStringIncludes } from "@std/assert";
import { plainResult, plainText } from "./plain_text.ts";
import type { StageResult } from "./stage.ts";

Deno.test("plainText() keeps text, tabs and newlines, and shows control characters", () => {
  assertEquals(plainText("a\tb\nc"), "a\tb\nc");
  assertEquals(plainText("x\r\ny"), "x\ny");
  assertEquals(plainText("\u001b[31mred"), "␛[31mred");
  assertEquals(plainText("\u0000\u007f"), "␀␡");
  assertEquals(plainText("\u009b2J \u202eevil"), "\\u009b2J \\u202eevil");
});

Deno.test("plainText() breaks every workflow-command marker, wherever it is", () => {
  for (const s of ["::error::x", "  ::add-mask::42", "a ##[error]b", "x\n::notice::y", ":::"]) {
    const t = plainText(s);
    assertEquals(t.includes("::"), false, t);
    assertEquals(t.includes("##["), false, t);
  }
  // what a reader sees is the same text, with a zero-width space between the colons
  assertEquals(plainText("std::vector").replace(/\u200b/g, ""), "std::vector");
});

Deno.test("plainResult() makes every learner string of a stage inert", () => {
  const evil = "::error::forged\u001b";
  const r: StageResult = {
    stage: 1,
    name: "Tokenizer",
    file: "exercises/1_tokenizer.ts",
    status: "error",
    message: evil,
    checks: [{
      name: "encode runs",
      number: 1,
      layer: "runs",
      status: "fail",
      message: evil,
      details: [evil],
      hint: evil,
      at: evil,
      points: 0,
      maxPoints: 1,
    }],
    error: { kind: "exception", name: evil, message: evil, at: evil },
    output: evil,
    ms: 1,
  };
  const text = JSON.stringify(plainResult(r));
  assertEquals(text.includes("::"), false);
  assertEquals(text.includes("\\u001b"), false);
  assertStringIncludes(text, "forged␛");
  assertEquals(plainResult(r).checks[0].status, "fail");
  assertEquals(plainResult(r).error?.kind, "exception");
});
