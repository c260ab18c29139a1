import { assert, assertEquals, assertLess } from "@std/assert";
import { Buffer } from "node:buffer";
import { CLASSROOM_MESSAGE_CHARS, classroomReport, type ClassroomResult } from "./classroom.ts";
import { check, GRADED, SOURCES } from "./test_results.ts";
import { totals } from "./totals.ts";

const decode = (text: string): ClassroomResult =>
  JSON.parse(Buffer.from(text.trim(), "base64").toString("utf8"));

Deno.test("classroomReport() is base64 of the reporter's result: scores add up to the points", () => {
  const doc = decode(classroomReport(GRADED, (p) => SOURCES[p]));
  assertEquals(Object.keys(doc), ["version", "status", "max_score", "tests"]);
  assertEquals([doc.version, doc.status], [1, "fail"]);
  const t = totals(GRADED);
  assertEquals(doc.max_score, t.maxPoints);
  assertEquals(doc.tests.reduce((n, x) => n + x.score, 0), t.points);
  // every check that applies is one test, n/a ones are left out, in the stages' own order
  assertEquals(doc.tests.map((x) => x.name), [
    "Stage 3 · Attention: scaledDotProductAttention runs",
    "Stage 3 · Attention: scaledDotProductAttention matches the reference",
    "Stage 3 · Attention: CausalSelfAttention matches the reference activations",
    "Stage 3 · Attention: CausalSelfAttention state dict",
    "Stage 3 · Attention: CausalSelfAttention output shape",
    "Stage 4 · MLP: Conv1D runs",
    "Stage 4 · MLP: MLP matches the reference activations",
    "Stage 5 · GPT-2: GPT2(config) builds",
  ]);
  for (const test of doc.tests) {
    assertEquals(Object.keys(test), [
      "name",
      "status",
      "score",
      "message",
      "line_no",
      "filename",
      "test_code",
    ]);
  }
  assertEquals(doc.tests.map((x) => x.status), [
    "pass",
    "fail",
    "fail",
    "pass",
    "fail",
    "error",
    "error",
    "fail",
  ]);
  const [, thrown, , , shape, stopped, , todo] = doc.tests;
  assertEquals([thrown.filename, thrown.line_no], ["exercises/3_attention.ts", 40]);
  assertEquals(shape.line_no, 3);
  assertEquals(stopped.message, `Stage 4 · MLP could not be graded: ${GRADED[1].message}`);
  assertEquals([todo.filename, todo.line_no, todo.test_code], [
    "exercises/5_gpt2.ts",
    5,
    "deno task check 5",
  ]);
});

Deno.test("classroomReport() holds no printed output and cuts long messages", () => {
  const printed = "PRINTED BY THE LEARNER";
  const long = "m".repeat(100_000);
  const results = [{
    ...GRADED[0],
    output: printed.repeat(1000),
    checks: [check("GPT2 runs", 1, "fail", { message: long, details: [long] })],
  }];
  const text = classroomReport(results, () => undefined);
  assertLess(text.length, 2000);
  const doc = decode(text);
  assert(!JSON.stringify(doc).includes(printed));
  assertEquals(doc.tests[0].message.length, CLASSROOM_MESSAGE_CHARS);
  assert(doc.tests[0].message.endsWith(" more characters)"));
});

Deno.test("classroomReport() says error when nothing could be graded", () => {
  assertEquals(decode(classroomReport([GRADED[1]], () => undefined)).status, "error");
  assertEquals(decode(classroomReport([GRADED[1], GRADED[0]], () => undefined)).status, "fail");
});
