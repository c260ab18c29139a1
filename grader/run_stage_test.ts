import { assertEquals, assertInstanceOf, assertStringIncludes } from "@std/assert";
import { installPackages, SandboxSetupError } from "./run_stage.ts";
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

Deno.test("a sandbox whose packages cannot be installed is the grader's setup failing, in deno's words", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "left-pad": "npm:left-pad@1.3.0" } }),
    );
    await Deno.writeTextFile(`${dir}/deno.lock`, JSON.stringify({ version: "5" }));
    const error = await installPackages(dir).then(() => undefined, (e) => e);
    assertInstanceOf(error, SandboxSetupError);
    assertStringIncludes(error.message, "the grader could not install its sandbox's packages");
    assertStringIncludes(error.message, "--frozen");
    assertStringIncludes(error.message, "lockfile");
  });
});
