import { assertEquals } from "@std/assert";
import { byStudent, csvCell, gradebookCsv, readStudentReports } from "./_gradebook.ts";
import { inTempDir, studentReportOf as report } from "./_test_helpers.ts";

Deno.test("csvCell() quotes what needs quoting and never lets a cell be read as a formula", () => {
  assertEquals(csvCell(12), "12");
  assertEquals(csvCell("ada"), "ada");
  assertEquals(csvCell("a, b"), '"a, b"');
  assertEquals(csvCell('say "hi"'), '"say ""hi"""');
  assertEquals(csvCell("line\nbreak"), '"line\nbreak"');
  assertEquals(csvCell("=1+1"), "'=1+1");
  assertEquals(csvCell("-2"), "'-2");
  assertEquals(csvCell("@SUM(A1:A2),x"), '"\'@SUM(A1:A2),x"');
});

Deno.test("gradebookCsv() writes a row per student: each stage's points, total, max, status, reason", () => {
  const csv = gradebookCsv([report("ada", [10, 4]), report("bob", [], "no stage files")], [1, 2]);
  assertEquals(
    csv,
    "student,stage1,stage2,total,max,status,reason\r\n" +
      "ada,10,4,14,20,fail,\r\n" +
      "bob,,,0,0,error,no stage files\r\n",
  );
});

Deno.test("readStudentReports() reads the students' reports in a folder, by name, and nothing else", async () => {
  await inTempDir(async (dir) => {
    for (const r of [report("zoe", [10]), report("ada", [3])]) {
      await Deno.writeTextFile(`${dir}/${r.student}.json`, JSON.stringify(r));
    }
    await Deno.writeTextFile(`${dir}/other.json`, '{"stages": []}');
    await Deno.writeTextFile(`${dir}/broken.json`, "{");
    await Deno.writeTextFile(`${dir}/ada.json.tmp-1234`, "{");
    const read = await readStudentReports(dir);
    assertEquals(read.map((r) => r.student), ["ada", "zoe"]);
    assertEquals(read, [report("ada", [3]), report("zoe", [10])].sort(byStudent));
  });
});
