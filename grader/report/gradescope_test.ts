import { assertEquals } from "@std/assert";
import { GRADESCOPE_TEST_OUTPUT_CHARS, gradescopeReport } from "./gradescope.ts";
import { check, GRADED, NASTY } from "./test_results.ts";
import { totals } from "./totals.ts";

Deno.test("gradescopeReport() writes Gradescope's fields; the tests add up to the score", () => {
  const doc = JSON.parse(gradescopeReport(GRADED, { model: "tiny", hiddenReferences: false }));
  assertEquals(Object.keys(doc), [
    "score",
    "execution_time",
    "output",
    "output_format",
    "visibility",
    "stdout_visibility",
    "tests",
  ]);
  const t = totals(GRADED);
  assertEquals(doc.score, t.points);
  assertEquals(doc.execution_time, 4); // 1.234 + 3 + 0.01 s
  assertEquals([doc.visibility, doc.stdout_visibility], ["visible", "hidden"]);
  assertEquals(doc.output_format, "md");
  assertEquals(doc.output.split("\n")[0], "### gpt2-kit grading (tiny model)");
  type Test = { score: number; max_score: number; status: string; number: string };
  const tests: Test[] = doc.tests;
  assertEquals(tests.reduce((n, x) => n + x.score, 0), t.points);
  assertEquals(tests.reduce((n, x) => n + x.max_score, 0), t.maxPoints);
  assertEquals(tests.map((x) => x.number), [
    "3.1",
    "3.2",
    "3.3",
    "3.5",
    "3.6",
    "4.1",
    "4.2",
    "5.1",
  ]);
  assertEquals(tests.map((x) => x.status), [
    "passed",
    "failed",
    "failed",
    "passed",
    "failed",
    "failed",
    "failed",
    "failed",
  ]);
  for (const test of doc.tests) {
    assertEquals(Object.keys(test), [
      "score",
      "max_score",
      "status",
      "name",
      "number",
      "output",
      "visibility",
    ]);
    assertEquals(test.visibility, "visible");
  }
  const shape = doc.tests[4];
  assertEquals(shape.name, "Stage 3 · Attention: CausalSelfAttention output shape");
  assertEquals(shape.output, `${NASTY}\nmax abs error 1e3, 100%\nhint: Check the 50% case, a:b, c`);
  assertEquals(doc.tests[6].output, `Stage 4 · MLP could not be graded: ${GRADED[1].message}`);
  assertEquals(doc.tests[7].output, "GPT2(config) builds: todo\nhint: What does h hold?");
});

Deno.test("gradescopeReport() shows checks on hidden references after the due date", () => {
  const visibility = (hiddenReferences: boolean) =>
    JSON.parse(gradescopeReport(GRADED, { model: "custom", hiddenReferences })).tests.map((
      x: { visibility: string },
    ) => x.visibility);
  assertEquals(visibility(false).filter((v: string) => v !== "visible"), []);
  assertEquals(visibility(true), [
    "visible",
    "visible",
    "after_due_date",
    "visible",
    "after_due_date",
    "visible",
    "after_due_date",
    "visible",
  ]);
});

Deno.test("gradescopeReport() cuts a test's output", () => {
  const results = [{ ...GRADED[0], checks: [check("x", 1, "fail", { message: "y".repeat(1e5) })] }];
  const doc = JSON.parse(gradescopeReport(results, { model: "tiny", hiddenReferences: false }));
  assertEquals(doc.tests[0].output.length, GRADESCOPE_TEST_OUTPUT_CHARS);
});
