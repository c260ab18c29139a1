import { assertEquals, assertStringIncludes } from "@std/assert";
import { STAGES } from "../grader/stages/mod.ts";
import { inTempDir, runTask, studentReportOf as report } from "./_test_helpers.ts";

Deno.test("gradebook merges the students' reports of a folder into one CSV", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/reports`);
    const zero = STAGES.map(() => 0);
    for (const r of [report("bob", zero, "stage 1: a, b"), report("ada", zero)]) {
      await Deno.writeTextFile(`${dir}/reports/${r.student}.json`, JSON.stringify(r));
    }
    const r = await runTask("gradebook", [`${dir}/reports`, "--out", `${dir}/book.csv`]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "The gradebook of 2 students");
    const lines = (await Deno.readTextFile(`${dir}/book.csv`)).split("\r\n");
    assertEquals(lines.map((l) => l.split(",")[0]), ["student", "ada", "bob", ""]);
    assertStringIncludes(lines[2], ',error,"stage 1: a, b"');
  });
});

Deno.test("gradebook says so when there is nothing to merge, writing nothing", async () => {
  await inTempDir(async (dir) => {
    const empty = await runTask("gradebook", [dir, "--out", `${dir}/book.csv`]);
    assertEquals(empty.code, 1);
    assertStringIncludes(empty.stderr, "There is no student's report in");
    const none = await runTask("gradebook", [`${dir}/none`]);
    assertEquals(none.code, 2);
    assertStringIncludes(none.stderr, "There is no folder");
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});
