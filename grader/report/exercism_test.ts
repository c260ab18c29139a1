import { assert, assertEquals } from "@std/assert";
import { EXERCISM_OUTPUT_CHARS, exercismReport } from "./exercism.ts";
import { GRADED } from "./test_results.ts";

Deno.test("exercismReport() is version 3, a test per check in the stages' own order", () => {
  const doc = JSON.parse(exercismReport(GRADED));
  assertEquals(Object.keys(doc), ["version", "status", "tests"]);
  assertEquals([doc.version, doc.status], [3, "fail"]);
  type Test = { name: string; status: string; task_id: number; test_code: string };
  const tests: Test[] = doc.tests;
  assertEquals(tests.map((x) => [x.task_id, x.status]), [
    [3, "pass"],
    [3, "fail"],
    [3, "fail"],
    [3, "pass"],
    [3, "fail"],
    [4, "error"],
    [4, "error"],
    [5, "fail"],
  ]);
  assertEquals(tests[3].name, "Stage 3 · Attention: CausalSelfAttention state dict");
  assertEquals(tests[3].test_code, "deno task check 3");
  for (const test of doc.tests) {
    const keys = ["name", "status", "message", "output", "test_code", "task_id"];
    assertEquals(
      Object.keys(test),
      keys.filter((k) =>
        (k !== "message" || test.status !== "pass") && (k !== "output" || test === doc.tests[1])
      ),
    );
  }
  // the printed output sits on the stage's first test that does not pass, cut to 500 characters
  assertEquals(doc.tests[1].output, GRADED[0].output);
  const long = JSON.parse(exercismReport([{ ...GRADED[0], output: "z".repeat(5000) }]));
  assertEquals(long.tests[1].output.length, EXERCISM_OUTPUT_CHARS);
});

Deno.test("exercismReport() says error, and why, when nothing could be graded", () => {
  const doc = JSON.parse(exercismReport([GRADED[1]]));
  assertEquals([doc.status, doc.message], ["error", GRADED[1].message]);
  assert(doc.tests.every((x: { status: string }) => x.status === "error"));
});
