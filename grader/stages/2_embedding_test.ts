import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { checkNamed, gradeDir, withMutatedCopy } from "../test_support.ts";
import { withStubs } from "../../commands/_test_helpers.ts";
import { stage } from "./2_embedding.ts";

Deno.test("stage 2 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", JSON.stringify(r.checks.filter((c) => c.status !== "pass")));
  assertEquals(r.checks.length, stage.checks.length);
});

Deno.test("stage 2 reports the untouched exercise as not started, with the first hint", async () => {
  const r = await withStubs((dir) => gradeDir(stage, dir));
  assertEquals(r.status, "not-started", r.message);
  assertStringIncludes(r.checks[0].hint ?? "", "one row per id");
});

Deno.test("stage 2 fails a lookup that returns something for an id outside the table", async () => {
  const r = await withMutatedCopy(
    "2_embedding.ts",
    [[
      "return this.weight.indexSelect(0, ids);",
      "try { return this.weight.indexSelect(0, ids); } catch { " +
      "return Tensor.zeros([...ids.shape, this.weight.size(1)]); }",
    ]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = checkNamed(r, "Embedding rejects ids outside the table");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.message, "forward([3, 20000]) returned a Tensor of shape [2, 16]");
  assertStringIncludes(c.message, "expected a RangeError");
});

Deno.test("stage 2 fails a cosine similarity that forgets a square root", async () => {
  const r = await withMutatedCopy(
    "2_embedding.ts",
    [["a.mul(a).sum().sqrt()", "a.mul(a).sum()"]],
    (dir) => gradeDir(stage, dir),
  );
  const c = checkNamed(r, "cosineSimilarity matches its formula");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.message, "two random vectors of size 64: expected");
  assertEquals(checkNamed(r, "GPT2Embeddings matches the reference activations").status, "pass");
});

Deno.test("withMutatedCopy() refuses a mutation that matches nothing, grading nothing", async () => {
  let graded = false;
  await assertRejects(
    () =>
      withMutatedCopy(
        "2_embedding.ts",
        [["Tensor.arange(0, T + 1)", "Tensor.arange(1, T)"]],
        () => {
          graded = true;
          return Promise.resolve();
        },
      ),
    Error,
    "exactly once, found it 0 times",
  );
  assertEquals(graded, false);
});
