import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import type { CheckResult, StageResult } from "../stage.ts";
import { gradeDir, withMutatedCopy } from "../test_support.ts";
import { stage } from "./4_mlp.ts";

/** The named check, asserted to exist. */
function check(r: StageResult, name: string): CheckResult {
  const c = r.checks.find((c) => c.name === name);
  assert(c, `no check "${name}" in ${JSON.stringify(r.checks.map((c) => c.name))}`);
  return c;
}

/** Everything a learner reads about a check: message, details and hint. */
function text(c: CheckResult): string {
  return [c.message, ...(c.details ?? []), c.hint ?? ""].join("\n");
}

Deno.test("stage 4 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", JSON.stringify(r.checks.filter((c) => c.status !== "pass")));
  assertEquals(r.checks.length, stage.checks.length);
});

Deno.test("stage 4 reports the untouched exercise as not started, with the first hint", async () => {
  const r = await gradeDir(stage, kitPath("exercises"));
  assertEquals(r.status, "not-started", r.message);
  assertStringIncludes(r.checks[0].hint ?? "", "[in, out] or [out, in]");
});

Deno.test("stage 4 fails the exact GELU and names the tanh approximation", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [[
      "const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));\n" +
      "  return x.mul(0.5).mul(inner.tanh().add(1));",
      "return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));",
    ]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  for (
    const name of ["gelu is GPT-2's tanh approximation", "MLP matches the reference activations"]
  ) {
    const c = check(r, name);
    assertEquals(c.status, "fail", name);
    assertStringIncludes(c.message, "exact (erf) GELU; GPT-2 uses the tanh approximation gelu_new");
    assertStringIncludes(text(c), "tolerance");
  }
  assertEquals(check(r, "Conv1D matches PyTorch").status, "pass");
});

Deno.test("stage 4 fails a transposed Conv1D weight and points at [in, out]", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [["x.matmul(this.weight)", "x.matmul(this.weight.transpose(0, 1))"]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = check(r, "Conv1D runs");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.message, "RangeError: matmul: shapes [2, 5, 7] and [3, 7]");
  assertStringIncludes(c.hint ?? "", "[in, out]");
});

Deno.test("stage 4 fails a Linear-style [out, in] Conv1D weight and says [in, out]", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [["randn([inFeatures, outFeatures]", "randn([outFeatures, inFeatures]"]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = check(r, "Conv1D weight is [in, out]");
  assertEquals(c.status, "fail");
  assertStringIncludes(text(c), "size mismatch for weight");
  assertStringIncludes(text(c), "(transposed?)");
  assertStringIncludes(c.hint ?? "", "[in, out]");
  // loading h.0.mlp.* fails too, and the report says why rather than showing a bare throw
  assertStringIncludes(check(r, "MLP output shape").message, "does not match the checkpoint");
});

Deno.test("stage 4 fails dropout that is active at inference", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [["new nn.Dropout(0.1)", "new nn.Dropout(0.1).train()"]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = check(r, "MLP dropout is the identity at inference");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.message, "Two calls with the same x differ");
  assertStringIncludes(c.hint ?? "", "identity");
});
