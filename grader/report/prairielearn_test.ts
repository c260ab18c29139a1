import { assert, assertAlmostEquals, assertEquals, assertLess } from "@std/assert";
import { PRAIRIELEARN_MAX_BYTES, prairielearnReport } from "./prairielearn.ts";
import { check, GRADED } from "./test_results.ts";
import { totals } from "./totals.ts";

Deno.test("prairielearnReport() writes PrairieLearn's fields; score is points over possible", () => {
  const doc = JSON.parse(prairielearnReport(GRADED, "tiny"));
  assertEquals(Object.keys(doc), ["gradable", "score", "message", "output", "tests"]);
  const t = totals(GRADED);
  assertEquals(doc.gradable, true);
  assertAlmostEquals(doc.score, t.points / t.maxPoints);
  assertEquals(
    doc.message,
    `${t.points} of ${t.maxPoints} points on the tiny model; 0 of 3 stages pass.`,
  );
  assert(doc.output.startsWith("Stage 3 · Attention — exercises/3_attention.ts\n"), doc.output);
  type Test = { points: number; max_points: number };
  assertEquals(doc.tests.reduce((n: number, x: Test) => n + x.points, 0), t.points);
  assertEquals(doc.tests.reduce((n: number, x: Test) => n + x.max_points, 0), t.maxPoints);
  for (const test of doc.tests) {
    assertEquals(Object.keys(test), [
      "name",
      "description",
      "points",
      "max_points",
      "message",
      "output",
    ]);
  }
  assertEquals(
    doc.tests[3].description,
    "Stage 3 · Attention, exercises/3_attention.ts: a check of the keys layer " +
      "(`deno task check 3`)",
  );
  assertEquals(JSON.parse(prairielearnReport([], "tiny")).score, 0);
});

Deno.test("prairielearnReport() stays under 1 MB whatever the learner's code printed or threw", () => {
  const huge = '\u{1F995}"\\'.repeat(20_000);
  const results = GRADED.map((r) => ({
    ...r,
    output: huge,
    checks: Array.from(
      { length: 40 },
      (_, i) => check(`check ${i}`, i + 1, "fail", { message: huge, details: [huge], hint: huge }),
    ),
  }));
  const text = prairielearnReport(results, "tiny");
  assertLess(new TextEncoder().encode(text).length, PRAIRIELEARN_MAX_BYTES + 1);
  const doc = JSON.parse(text);
  assertEquals(doc.tests.length, 120);
  assert(doc.tests[0].output.endsWith(" more characters)"));
});
