import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { formatStage, styles } from "../report/pretty.ts";
import { checkNamed, gradeDir, solutionCopies } from "../test_support.ts";
import { withStubs } from "../../commands/_test_helpers.ts";
import { stage } from "./6_kv_cache.ts";

Deno.test("stage 6 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", r.message);
  assertStringIncludes(
    checkNamed(r, "the cached export generates on WebGPU or WASM").message,
    "with the KV cache",
  );
});

Deno.test("stage 6 on untouched exercises is not started and sends the learner to stage 5", async () => {
  const r = await withStubs((dir) => gradeDir(stage, dir));
  assertEquals(r.status, "not-started");
  assertEquals(r.waitsFor?.stage, 5);
  assertEquals(
    checkNamed(r, "gpt2WithCache runs").hint,
    "Finish stage 5 first: `deno task check 5`.",
  );
});

Deno.test("stage 6 names stage 2 when only the embeddings are still stubs", async () => {
  const r = await withStubs(
    (dir) => gradeDir(stage, dir),
    await solutionCopies(["2_embedding.ts"]),
  );
  assertEquals(r.status, "not-started");
  assertEquals(r.waitsFor?.stage, 2);
  assertStringIncludes(r.waitsFor?.file ?? "", "/2_embedding.ts");
  const c = checkNamed(r, "gpt2WithCache runs");
  assertStringIncludes(c.message, "(stage 2) is not written yet");
  assertEquals(c.hint, "Finish stage 2 first: `deno task check 2`.");
  const report = formatStage(r, styles(false), false).join("\n");
  assertStringIncludes(report, "stage 2 (");
  assertEquals(report.includes("replace the first todo"), false, report);
});
