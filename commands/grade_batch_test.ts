import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { DEFAULT_LIMITS } from "../grader/run_stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { FORGED, writeSubmission } from "../platforms/test_support.ts";
import { inTempDir, names, runTask } from "./_test_helpers.ts";
import { loadPristine } from "./reset.ts";

const SECRET = "HIDDEN INSTRUCTOR FILE";

/** A submission that loops forever in stage 4 and prints without end in stage 2. */
async function writeRunaway(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/exercises`, { recursive: true });
  for (const [file, text] of Object.entries(await loadPristine())) {
    await Deno.writeTextFile(`${dir}/exercises/${file}`, text);
  }
  const [, embedding, , mlp] = STAGES.map((s) => s.file);
  await Deno.writeTextFile(
    `${dir}/exercises/${embedding}`,
    'const line = "x".repeat(1000);\nfor (let i = 0; i < 50_000; i++) console.log(line);\n',
  );
  await Deno.writeTextFile(`${dir}/exercises/${mlp}`, "while (true) {}\n");
}

/** A CSV file's records (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
function parseCsv(csv: string): string[][] {
  const records: string[][] = [];
  const cell = /("((?:[^"]|"")*)"|[^,\r\n]*)(,|\r\n)/g;
  let record: string[] = [];
  for (const m of csv.matchAll(cell)) {
    record.push(m[2] !== undefined ? m[2].replace(/""/g, '"') : m[1]);
    if (m[3] === "\r\n") [records[records.length], record] = [record, []];
  }
  return records;
}

/** The gradebook's rows, by student: column name to cell. */
function rows(csv: string): Record<string, Record<string, string>> {
  const [header, ...lines] = parseCsv(csv);
  return Object.fromEntries(
    lines.map((cells) => [cells[0], Object.fromEntries(header.map((h, i) => [h, cells[i]]))]),
  );
}

Deno.test("grade-batch grades a mixed class, never stopping, and a second run grades only what changed", async () => {
  await inTempDir(async (tmp) => {
    const secret = `${tmp}/secret.txt`;
    await Deno.writeTextFile(secret, SECRET);
    const cls = `${tmp}/class`;
    await Deno.mkdir(cls);
    for (const kind of ["good", "stub", "hostile"] as const) {
      await writeSubmission(`${cls}/${kind}`, kind, secret);
    }
    await writeRunaway(`${cls}/runaway`);
    await Deno.mkdir(`${cls}/empty`);
    // a repository whose exercises/ is a link to the kit's solutions
    await Deno.mkdir(`${cls}/linked`);
    await Deno.symlink(kitPath("solutions"), `${cls}/linked/exercises`);
    // not students: a hidden folder and a file
    await Deno.mkdir(`${cls}/.git`);
    await Deno.writeTextFile(`${cls}/roster.txt`, "good\n");
    const out = `${tmp}/out/gradebook.csv`;
    await Deno.mkdir(`${tmp}/out`);
    // the default time limit of a stage, which a busy machine does not reach on good code
    const args = [cls, "--jobs", "2", "--model", "tiny", "--out", out];

    const first = await runTask("grade-batch", args);
    assertEquals(first.code, 0, first.stdout + first.stderr);
    const students = ["empty", "good", "hostile", "linked", "runaway", "stub"];
    assertEquals(await names(`${tmp}/out/gradebook`), students.map((s) => `${s}.json`));
    assertEquals(await names(`${tmp}/out`), ["gradebook", "gradebook.csv"]); // no temporary file
    // progress: done/total, elapsed, and an estimate of the time left
    assertStringIncludes(first.stdout, "[6/6] ");
    assert(/\[1\/6\] \w+: .* elapsed, about \d+(m\d\d)?s left/.test(first.stdout), first.stdout);

    const csv = await Deno.readTextFile(out);
    const stageColumns = STAGES.map((s) => `stage${s.number}`);
    assertEquals(
      csv.split("\r\n")[0],
      ["student", ...stageColumns, "total", "max", "status", "reason"].join(","),
    );
    const book = rows(csv);
    assertEquals(Object.keys(book), students);
    const max = book.good.max;
    assertEquals([book.good.total, book.good.status, book.good.reason], [max, "pass", ""]);
    for (const s of students) {
      const report = JSON.parse(await Deno.readTextFile(`${tmp}/out/gradebook/${s}.json`));
      // each row is its student's JSON report: the kit's JSON report, with who and how
      assertEquals(report.student, s);
      assertEquals(String(report.points), book[s].total);
      assertEquals(String(report.total.points), book[s].total);
      assertEquals(String(report.maxPoints), max);
      for (const stage of report.stages) {
        assertEquals(String(stage.points), book[s][`stage${stage.stage}`]);
      }
      if (s !== "good") assertEquals(book[s].total, "0", s);
    }
    assertEquals(book.stub.status, "fail");
    assertEquals(book.empty.status, "error");
    assertStringIncludes(book.empty.reason, "no stage files");
    assertEquals(book.linked.status, "error");
    assertStringIncludes(book.linked.reason, "exercises is a symbolic link");
    assertStringIncludes(book.hostile.reason, "1_tokenizer.ts is a symbolic link");
    assertStringIncludes(
      book.runaway.reason,
      `stage 4: Stopped after ${DEFAULT_LIMITS.timeLimitMs / 1000} s`,
    );
    const runaway = await Deno.readTextFile(`${tmp}/out/gradebook/runaway.json`);
    // 50 MB printed: a bounded part of it kept, the rest counted
    assert(JSON.parse(runaway).stages[1].outputDropped > 40_000_000, "stage 2's output");
    assert(runaway.length < 1_000_000, `the runaway's report is ${runaway.length} characters`);
    const everything = csv + first.stdout + first.stderr +
      (await Promise.all(students.map((s) => Deno.readTextFile(`${tmp}/out/gradebook/${s}.json`))))
        .join("");
    assert(!everything.includes(SECRET), "the instructor's file leaked");
    assert(!everything.includes(FORGED), "a forged workflow command got through");

    // nothing changed: nothing is graded again; one student changes, and one report is lost
    // (an interrupted batch): those two are graded again
    const again = await runTask("grade-batch", args);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.stdout.match(/unchanged since its report/g)?.length, students.length);
    assertEquals(await Deno.readTextFile(out), csv);
    const solved = STAGES[0].file;
    await Deno.copyFile(kitPath("solutions", solved), `${cls}/stub/${solved}`);
    await Deno.remove(`${tmp}/out/gradebook/empty.json`);
    const third = await runTask("grade-batch", args);
    assertEquals(third.code, 0, third.stderr);
    assertEquals(third.stdout.match(/unchanged since its report/g)?.length, students.length - 2);
    const after = rows(await Deno.readTextFile(out));
    assertEquals(after.stub[`stage${STAGES[0].number}`], book.good[`stage${STAGES[0].number}`]);
    assertEquals(after.empty, book.empty);
  });
});

Deno.test("grade-batch refuses bad arguments, and a missing model is a setup to finish", async () => {
  await inTempDir(async (tmp) => {
    const usage = async (args: string[], says: string) => {
      const r = await runTask("grade-batch", args);
      assertEquals(r.code, 2, r.stderr);
      assertStringIncludes(r.stderr, says);
    };
    await usage([], "Say which folder holds the class");
    await usage([`${tmp}/none`], "There is no folder");
    await usage([tmp, "--jobs", "1.5"], "--jobs takes a whole number");
    await usage([tmp, "--out", `${tmp}/book.txt`], "--out names a .csv file");
    await usage([tmp, "--out", `${tmp}/book.csv`], "inside the class's folder");
    await usage([tmp, "--model", "big", "--out", `${tmp}.csv`], 'Unknown --model "big"');
    const missing = await runTask("grade-batch", [
      tmp,
      ...["--weights", `${tmp}/w`, "--config", `${tmp}/c`, "--refs", `${tmp}/r`],
      ...["--out", `${tmp}.csv`],
    ]);
    assertEquals(missing.code, 3, missing.stderr);
    assertStringIncludes(missing.stderr, "Cannot start grading: ");
  });
});
