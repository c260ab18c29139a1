import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { TINY } from "../grader/context.ts";
import { bundleModel } from "./gradescope.ts";
import { FORGED, runScript, SUBMISSION_KINDS, writeSubmission } from "../platforms/test_support.ts";
import { inTempDir, names, runTask } from "./_test_helpers.ts";

interface Results {
  score: number;
  tests: { name: string; score: number; max_score: number; status: string; output: string }[];
}

Deno.test("the Gradescope bundle sets up, then grades a good, a stub and a hostile submission", async () => {
  await inTempDir(async (dir) => {
    const root = `${dir}/autograder`;
    const written = await runTask("gradescope", [`${root}/source`, "--model", "tiny"]);
    assertEquals(written.code, 0, written.stderr);
    assertEquals(await names(`${root}/source`), [
      "grading.env",
      "kit",
      "run_autograder",
      "setup.sh",
    ]);
    assertEquals(await names(`${root}/source/kit`).then((n) => n.includes("solutions")), false);

    // Gradescope builds the image: setup.sh, in the bundle's folder (Deno 2.9.6 is there)
    const setup = await runScript(`${root}/source/setup.sh`, [], {});
    assertEquals(setup.code, 0, setup.stdout + setup.stderr);
    assertStringIncludes(setup.stdout, "The autograder is ready");

    // then, for each submission, /autograder/run_autograder
    await Deno.copyFile(`${root}/source/run_autograder`, `${root}/run_autograder`);
    await Deno.chmod(`${root}/run_autograder`, 0o755);
    const graded: Record<string, Results> = {};
    for (const kind of SUBMISSION_KINDS) {
      await Deno.remove(`${root}/submission`, { recursive: true }).catch(() => {});
      await Deno.remove(`${root}/results`, { recursive: true }).catch(() => {});
      await writeSubmission(`${root}/submission`, kind, `${root}/source/grading.env`);
      const r = await runScript(`${root}/run_autograder`, [], { GPT2KIT_AUTOGRADER_ROOT: root });
      assertEquals(r.code, 0, `${kind}: ${r.stdout}${r.stderr}`);
      assert(!/Download/.test(r.stdout + r.stderr), `${kind} fetched something:\n${r.stderr}`);
      graded[kind] = JSON.parse(await Deno.readTextFile(`${root}/results/results.json`));
    }
    const max = (x: Results) => x.tests.reduce((n, t) => n + t.max_score, 0);
    const sum = (x: Results) => x.tests.reduce((n, t) => n + t.score, 0);
    for (const [kind, x] of Object.entries(graded)) assertEquals(x.score, sum(x), kind);
    const { good, stub, hostile } = graded;
    assert(max(good) > 0 && good.score === max(good), `good: ${good.score} of ${max(good)}`);
    assert(good.tests.every((t) => t.status === "passed"));
    assertEquals([stub.score, max(stub)], [0, max(good)]);
    // the hostile files earn nothing, are named, and reached nothing of the grader's
    const stage = (n: number) => hostile.tests.filter((t) => t.name.startsWith(`Stage ${n} `));
    for (const n of [1, 2, 3]) assert(stage(n).every((t) => t.score === 0), `stage ${n}`);
    assertStringIncludes(stage(1)[0].output, "1_tokenizer.ts is a symbolic link");
    assertStringIncludes(stage(3)[0].output, "3_attention.ts is a named pipe");
    const text = JSON.stringify(hostile);
    assert(!text.includes("GPT2KIT_CHECK_ARGS"), "the grader's file leaked");
    assert(!text.includes(FORGED), "a forged workflow command got through");
  });
});

Deno.test("bundleModel() copies only what the bundle's kit lacks, and names it", () => {
  assertEquals(bundleModel(TINY), { copies: [], args: ["--model", "tiny"] });
  const hidden = bundleModel({ ...TINY, refsPath: "/x/hidden.safetensors" });
  assertEquals(hidden.copies, [["/x/hidden.safetensors", "data/grading/references.safetensors"]]);
  assertEquals(hidden.args, ["--model", "tiny", "--refs", "data/grading/references.safetensors"]);
  const custom = bundleModel({ ...TINY, model: "custom" });
  assertEquals(custom.copies.map(([, to]) => to), [
    "data/grading/model.safetensors",
    "data/grading/config.json",
    "data/grading/references.safetensors",
  ]);
});

Deno.test("`deno task gradescope` refuses a model that cannot grade, and writes nothing", async () => {
  await inTempDir(async (dir) => {
    const r = await runTask("gradescope", [
      `${dir}/out`,
      "--refs",
      `${dir}/missing.safetensors`,
    ]);
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "Cannot grade with that model");
    assertEquals(await names(dir), []);
  });
});
