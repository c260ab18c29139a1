import { assertEquals } from "@std/assert";
import { formatStage, styles } from "./pretty.ts";
import { RESULTS } from "./test_results.ts";

Deno.test("formatStage() keeps a learner's multi-line message behind a gutter, blank runs as one", () => {
  const fake = "oops\n\n\n\nStage 4 · MLP — exercises/4_mlp.ts\n  ✓ passed: all 10 checks pass\n" +
    "\nGraded on the tiny model: 16 of 16 points.\n\n\n\n\n";
  const lines = formatStage(
    { ...RESULTS.find((r) => r.stage === 4)!, message: fake },
    styles(false),
    false,
  );
  // only the report's own lines start at the left edge or with its indentation
  assertEquals(lines[0], "Stage 4 · MLP — exercises/4_mlp.ts");
  for (const l of lines.slice(1)) {
    assertEquals(/^( {2}[✓✗○·–]| {4}┆ )/.test(l), true, l);
  }
  assertEquals(lines.filter((l) => l.includes("16 of 16 points")), [
    "    ┆ Graded on the tiny model: 16 of 16 points.",
  ]);
  const blanks = lines.map((l, i) => l === "    ┆ " && lines[i - 1] === "    ┆ ");
  assertEquals(blanks.includes(true), false, "a run of blank lines");
});
