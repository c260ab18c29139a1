import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { checkNamed, gradeDir, learnerText, withMutatedCopy } from "../test_support.ts";
import { withStubs } from "../../commands/_test_helpers.ts";
import { stage } from "./4_mlp.ts";
import { layerFixture } from "../references.ts";
import { loadPristine } from "../../commands/reset.ts";

Deno.test("stage 4 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", JSON.stringify(r.checks.filter((c) => c.status !== "pass")));
  assertEquals(r.checks.length, stage.checks.length);
});

Deno.test("stage 4 reports the untouched exercise as not started, with the first hint", async () => {
  const r = await withStubs((dir) => gradeDir(stage, dir));
  assertEquals(r.status, "not-started", r.message);
  assertStringIncludes(r.checks[0].hint ?? "", "[in, out] or [out, in]");
});

Deno.test("stage 4 fails a Linear-style [out, in] Conv1D weight and says [in, out]", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [["Tensor.zeros([inFeatures, outFeatures])", "Tensor.zeros([outFeatures, inFeatures])"]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = checkNamed(r, "Conv1D weight is [in, out]");
  assertEquals(c.status, "fail");
  assertStringIncludes(learnerText(c), "size mismatch for weight");
  assertStringIncludes(learnerText(c), "(transposed?)");
  assertStringIncludes(c.hint ?? "", "[in, out]");
  // keys are graded before shapes: the MLP's keys report says why h.0.mlp.* cannot load
  assertStringIncludes(checkNamed(r, "MLP state dict").message, "does not match the checkpoint");
  assertEquals(checkNamed(r, "MLP output shape").status, "skipped");
});

Deno.test("stage 4 fails dropout that is active at inference", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [["new nn.Dropout(0.1)", "new nn.Dropout(0.1).train()"]],
    (dir) => gradeDir(stage, dir),
  );
  assertEquals(r.status, "fail");
  const c = checkNamed(r, "MLP dropout is the identity at inference");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.message, "Two calls with the same x differ");
  assertStringIncludes(c.hint ?? "", "identity");
});

Deno.test("stage 4 fails an MLP that writes into its input, and says so", async () => {
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [[
      "const h = gelu(this.c_fc.forward(x)); // (B, T, 4C)",
      "const h = gelu(this.c_fc.forward(x));\n    x.data.fill(0);",
    ]],
    (dir) => gradeDir(stage, dir),
  );
  const c = checkNamed(r, "MLP does not modify its input");
  assertEquals(c.status, "fail");
  assertEquals(c.message, "forward(x) changed x");
  assertStringIncludes(c.hint ?? "", "writing into x.data");
});

Deno.test("the exact and tanh GELUs differ by one figure, the one the stub and grader state", async () => {
  const exact = layerFixture("gelu_exact.out").data, tanh = layerFixture("gelu_tanh.out").data;
  const most = Math.max(...exact.map((x, i) => Math.abs(x - tanh[i])));
  const figure = most.toExponential(1); // e.g. "4.7e-4"
  assertEquals(figure, "4.7e-4");
  const stub = (await loadPristine())["4_mlp.ts"];
  assertStringIncludes(stub, `differ by up to ${figure}`);
  const grader = await Deno.readTextFile(kitPath("grader", "stages", "4_mlp.ts"));
  assertStringIncludes(grader, `by up to ${figure}`);
});
