// gpt2-kit: reveals-solutions (grades solutions/ through `deno task check --solutions`)
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath, relative } from "../lib/paths.ts";
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
      ["3", "4"],
    ]
  ) {
    const r = await runTask("check", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assertStringIncludes(r.stderr, "Usage: deno task check <N|all> [options]");
  }
});
