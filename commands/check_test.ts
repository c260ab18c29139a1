// gpt2-kit: reveals-solutions (grades solutions/ through `deno task check --solutions`)
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { Buffer } from "node:buffer";
import { kitPath, relative } from "../lib/paths.ts";
import { hasRealModel } from "../grader/context.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { inTempDir, runTask, withStubs } from "./_test_helpers.ts";

Deno.test("a passing run exits 0, prints its points and writes nothing to stderr", async () => {
  const r = await runTask("check", ["3", "--solutions"]);
  assertEquals([r.code, r.stderr], [0, ""]);
  assertMatch(r.stdout, /Graded on the tiny model: (\d+) of \1 points\./);
});

Deno.test("--format json prints the document alone, with the total", async () => {
  const r = await runTask("check", ["3", "--solutions", "--format", "json"]);
  assertEquals([r.code, r.stderr], [0, ""]);
  const doc = JSON.parse(r.stdout);
  assertEquals(doc.total.stages, 1);
  assertEquals(doc.total.passed, 1);
  assertEquals(doc.stages[0].points, doc.total.points);
});

Deno.test("--out writes the report to the file, and the pretty report to the screen", async () => {
  await inTempDir((dir) =>
    withStubs(async (stubs) => {
      const out = `${dir}/junit.xml`;
      const r = await runTask("check", [
        "2",
        "--exercises",
        stubs,
        "--format",
        "junit",
        "--out",
        out,
      ]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stdout, "○ not started");
      assertStringIncludes(r.stdout, `The junit report is in ${out}.`);
      const xml = await Deno.readTextFile(out);
      assert(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '), xml);
      assertStringIncludes(xml, '<testsuite name="Stage 2 · Embedding"');
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["junit.xml"]); // no temp left
    })
  );
});

Deno.test("--format github annotates the learner's file and appends to the step summary", async () => {
  await inTempDir((dir) =>
    withStubs(async (stubs) => {
      const summary = `${dir}/summary.md`;
      await Deno.writeTextFile(summary, "earlier steps\n");
      const r = await runTask(
        "check",
        ["2", "--exercises", stubs, "--format", "github"],
        kitPath(),
        {
          GITHUB_STEP_SUMMARY: summary,
        },
      );
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stdout, `::warning file=${relative(stubs)}/2_embedding.ts,line=`);
      const md = await Deno.readTextFile(summary);
      assert(md.startsWith("earlier steps\n### gpt2-kit grading (tiny model)\n"), md);
      assertStringIncludes(md, "| 2 · Embedding | ⏳ not started — not started | 0 / ");
    })
  );
});

Deno.test("bad arguments exit 2 with the usage", async () => {
  for (
    const args of [
      ["9"],
      ["3", "--format", "xml"],
      ["3", "--out", "x.json"],
      ["3", "--weights", "w.safetensors"],
      ["3", "--time-limit", "0"],
      ["3", "--solutions", "--exercises", "x"],
      ["3", "--solutions", "--submission", "x"],
      ["3", "--submission", "no/such/folder"],
      ["3", "--report", "xml"],
      ["3", "--report", "pretty"],
      ["3", "--report", "json="],
      ["3", "--report", "json", "--report", "junit"],
      ["3", "--format", "json", "--report", "junit"],
      ["3", "--report", "json=a.json", "--report", "json=b.json"],
      ["3", "--report", "json=r.txt", "--report", "junit=r.txt"],
      ["3", "--report", "junit=/no/such/folder/junit.xml"],
      ["3", "4"],
    ]
  ) {
    const r = await runTask("check", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assertStringIncludes(r.stderr, "Usage: deno task check <N|all> [options]");
  }
});

/** The solutions of stages 1 to `n`, by file name (for `withStubs`). */
async function solvedUpTo(n: number): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const s of STAGES.filter((s) => s.number <= n)) {
    files[s.file] = await Deno.readTextFile(kitPath("solutions", s.file));
  }
  return files;
}

Deno.test("one grading writes every report, and each adds up to the JSON report's points", async () => {
  const solved = await solvedUpTo(2);
  await inTempDir((dir) =>
    withStubs(async (repo) => {
      const path = (f: string) => `${dir}/${f}`;
      const r = await runTask("check", [
        "all",
        "--submission",
        repo,
        "--model",
        "tiny",
        "--format",
        "json",
        "--out",
        path("report.json"),
        "--report",
        `junit=${path("junit.xml")}`,
        "--report",
        `classroom=${path("classroom.b64")}`,
        "--report",
        `gradescope=${path("gradescope.json")}`,
        "--report",
        `prairielearn=${path("prairielearn.json")}`,
        "--report",
        `exercism=${path("exercism.json")}`,
      ]);
      assertEquals(r.code, 1, r.stderr);
      // graded once: the pretty report lists each stage once
      assertEquals(r.stdout.match(/^Stage 1 · Tokenizer/gm)?.length, 1);
      const json = JSON.parse(await Deno.readTextFile(path("report.json")));
      const { points, maxPoints } = json.total;
      assert(points > 0 && points < maxPoints, `${points} of ${maxPoints}`);
      const read = async (f: string) => JSON.parse(await Deno.readTextFile(path(f)));
      const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

      const classroom = JSON.parse(
        Buffer.from(await Deno.readTextFile(path("classroom.b64")), "base64").toString(),
      );
      assertEquals(classroom.max_score, maxPoints);
      assertEquals(sum(classroom.tests, (t: { score: number }) => t.score), points);
      assertEquals(classroom.tests[0].filename, `${relative(repo)}/1_tokenizer.ts`);

      const gradescope = await read("gradescope.json");
      assertEquals(gradescope.score, points);
      assertEquals(sum(gradescope.tests, (t: { max_score: number }) => t.max_score), maxPoints);

      const prairielearn = await read("prairielearn.json");
      assertEquals(prairielearn.score, points / maxPoints);
      assertEquals(sum(prairielearn.tests, (t: { points: number }) => t.points), points);
      assertEquals(sum(prairielearn.tests, (t: { max_points: number }) => t.max_points), maxPoints);

      const exercism = await read("exercism.json");
      assertEquals(exercism.status, "fail");
      const checks = json.stages.flatMap((s: { checks: { status: string }[] }) => s.checks);
      assertEquals(
        exercism.tests.length,
        checks.filter((c: { status: string }) => c.status !== "n/a").length,
      );
      assertEquals(
        exercism.tests.filter((t: { status: string }) => t.status === "pass").length,
        checks.filter((c: { status: string }) => c.status === "pass").length,
      );

      const junit = await Deno.readTextFile(path("junit.xml"));
      assertStringIncludes(junit, `<testsuites name="gpt2-kit: ${points} of ${maxPoints} points"`);
    }, solved)
  );
});

Deno.test("exit codes: 0 all pass, 1 a stage fails, 3 when it cannot grade", async () => {
  const solved = await solvedUpTo(1);
  await inTempDir((dir) =>
    withStubs(async (repo) => {
      const passing = await runTask("check", ["1", "--submission", repo, "--model", "tiny"]);
      assertEquals(passing.code, 0, passing.stderr);
      const failing = await runTask("check", ["2", "--submission", repo, "--model", "tiny"]);
      assertEquals(failing.code, 1, failing.stderr);

      // a missing model, named explicitly
      const missing = await runTask("check", [
        "1",
        "--weights",
        `${dir}/no_model.safetensors`,
        "--config",
        "data/tiny/config.json",
        "--refs",
        "data/reference/tiny.safetensors",
      ]);
      assertEquals(missing.code, 3, missing.stderr);
      assertStringIncludes(missing.stderr, "Cannot start grading: ");
      assertStringIncludes(missing.stderr, "no_model.safetensors does not exist");
      if (!hasRealModel()) {
        const gpt2 = await runTask("check", ["1", "--model", "gpt2"]);
        assertEquals(gpt2.code, 3, gpt2.stderr);
        assertStringIncludes(gpt2.stderr, "The real GPT-2 is not downloaded yet");
      }
      // a broken setup: a checkpoint cut short
      const cut = `${dir}/cut.safetensors`;
      await Deno.writeFile(
        cut,
        (await Deno.readFile(kitPath("data", "tiny", "model.safetensors"))).slice(0, 100),
      );
      const broken = await runTask("check", [
        "1",
        "--weights",
        cut,
        "--config",
        "data/tiny/config.json",
        "--refs",
        "data/reference/tiny.safetensors",
      ]);
      assertEquals(broken.code, 3, broken.stdout + broken.stderr);
      assertStringIncludes(broken.stderr, "Cannot start grading: ");
    }, solved)
  );
});

Deno.test("--submission refuses an exercises folder that is a link, stage by stage", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/carol`);
    await Deno.symlink(kitPath("solutions"), `${dir}/carol/exercises`);
    const r = await runTask("check", ["1", "--submission", `${dir}/carol`, "--format", "json"]);
    assertEquals(r.code, 1, r.stderr);
    const stage = JSON.parse(r.stdout).stages[0];
    assertEquals(stage.status, "error");
    assertStringIncludes(stage.message, "exercises is a symbolic link: submit the folder itself");
  });
});
