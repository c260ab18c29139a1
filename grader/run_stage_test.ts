import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { STAGES } from "./stages/mod.ts";
import type { Stage } from "./stage.ts";
import { gradeDir } from "./test_support.ts";
import { inTempDir } from "../commands/_test_helpers.ts";

const EMBEDDING = STAGES.find((s) => s.number === 2)!;

Deno.test("a stage is graded inside its own error boundary: a failing plan is that stage's error", async () => {
  const broken: Stage = {
    ...EMBEDDING,
    plan: () => {
      throw new TypeError("a bug in the plan");
    },
  };
  const r = await gradeDir(broken, kitPath("solutions"));
  assertEquals(r.status, "error");
  assertStringIncludes(r.message, "the grader itself failed (a bug in the kit, please report it)");
  assertStringIncludes(r.message, "a bug in the plan");
  // every check is listed, worth its points, earning none
  assertEquals(r.checks.length, EMBEDDING.checks.length);
  assertEquals(r.checks.every((c) => c.status === "skipped" || c.status === "n/a"), true);
});

Deno.test("a missing stage file is that stage's error, with its checks listed", async () => {
  await inTempDir(async (dir) => {
    const r = await gradeDir(EMBEDDING, dir);
    assertEquals(r.status, "error");
    assertStringIncludes(r.message, "2_embedding.ts does not exist");
    assertEquals(r.checks.length, EMBEDDING.checks.length);
  });
});
