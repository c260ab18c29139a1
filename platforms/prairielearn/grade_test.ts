import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { inTempDir } from "../../commands/_test_helpers.ts";
import { FORGED, runScript, SUBMISSION_KINDS, writeSubmission } from "../test_support.ts";

const GRADE = kitPath("platforms", "prairielearn", "grade.sh");

interface Results {
  gradable: boolean;
  score: number;
  message: string;
  tests: { name: string; points: number; max_points: number; output: string }[];
}

Deno.test("grade.sh grades a good, a stub and a hostile submission against a fake /grade", async () => {
  await inTempDir(async (root) => {
    await Deno.mkdir(`${root}/tests`);
    await Deno.writeTextFile(`${root}/tests/secret.txt`, "HIDDEN TEST FILE");
    const graded: Record<string, Results> = {};
    for (const kind of SUBMISSION_KINDS) {
      await Deno.remove(`${root}/student`, { recursive: true }).catch(() => {});
      await Deno.remove(`${root}/results`, { recursive: true }).catch(() => {});
      await writeSubmission(`${root}/student`, kind, `${root}/tests/secret.txt`);
      const r = await runScript(GRADE, [], { GPT2KIT_GRADE_ROOT: root });
      assertEquals(r.code, 0, `${kind}: ${r.stdout}${r.stderr}`);
      assert(!/Download/.test(r.stdout + r.stderr), `${kind} fetched something`);
      // the results folder did not exist: grade.sh made it
      graded[kind] = JSON.parse(await Deno.readTextFile(`${root}/results/results.json`));
    }
    const possible = (x: Results) => x.tests.reduce((n, t) => n + t.max_points, 0);
    const earned = (x: Results) => x.tests.reduce((n, t) => n + t.points, 0);
    for (const [kind, x] of Object.entries(graded)) {
      assertEquals(x.gradable, true, kind);
      assertEquals(x.score, earned(x) / possible(x), kind);
      assert(new TextEncoder().encode(JSON.stringify(x)).length < 1_000_000, kind);
    }
    const { good, stub, hostile } = graded;
    assertEquals(good.score, 1);
    assertEquals(stub.score, 0);
    const first = (n: number) => hostile.tests.find((t) => t.name.startsWith(`Stage ${n} `))!;
    assertStringIncludes(first(1).output, "1_tokenizer.ts is a symbolic link");
    assertStringIncludes(first(3).output, "3_attention.ts is a named pipe");
    assertEquals(first(2).points, 0);
    const text = JSON.stringify(hostile);
    assert(!text.includes("HIDDEN TEST FILE"), "the question's tests leaked");
    assert(!text.includes(FORGED), "a forged workflow command got through");
  });
});

Deno.test("grade.sh marks a submission it cannot grade as not gradable, and says so", async () => {
  await inTempDir(async (root) => {
    await writeSubmission(`${root}/student`, "stub", "/dev/null");
    const r = await runScript(GRADE, [], { GPT2KIT_GRADE_ROOT: root, GPT2KIT_MODEL: "big" });
    assertEquals(r.code, 0, r.stderr);
    const doc = JSON.parse(await Deno.readTextFile(`${root}/results/results.json`));
    assertEquals(doc.gradable, false);
    assertStringIncludes(doc.message, "could not grade this submission");
  });
});

Deno.test("the example question runs grade.sh from the image the Dockerfile builds", async () => {
  const dir = kitPath("platforms", "prairielearn");
  const info = JSON.parse(await Deno.readTextFile(`${dir}/example_question/info.json`));
  const options = info.externalGradingOptions;
  assertEquals([info.gradingMethod, options.enabled], ["External", true]);
  const dockerfile = await Deno.readTextFile(`${dir}/Dockerfile`);
  assertStringIncludes(dockerfile, "FROM denoland/deno:debian-2.9.6\n");
  const workdir = dockerfile.match(/^WORKDIR (\S+)$/m)![1];
  assertEquals(options.entrypoint, `${workdir}/platforms/prairielearn/grade.sh`);
  // the image bakes in the packages, and grades once while it is built (no network later)
  assertStringIncludes(dockerfile, "deno install --frozen --config grader/sandbox/deno.json");
  const ignored = (await Deno.readTextFile(`${dir}/Dockerfile.dockerignore`)).split("\n");
  assert(ignored.includes("solutions"), "the solutions stay out of the image");
  const question = await Deno.readTextFile(`${dir}/example_question/question.html`);
  assertStringIncludes(question, "<pl-file-upload");
  assertStringIncludes(question, "<pl-external-grader-results>");
});
