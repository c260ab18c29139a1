import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { styles } from "../grader/report/pretty.ts";
import type { CheckResult, Stage, StageResult, StageStatus } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { closingLines, gradeAll, progressTable, statusText } from "./progress.ts";
import { runTask, withStubs } from "./_test_helpers.ts";
import { relative } from "../lib/paths.ts";

const plain = styles(false);

function check(name: string, status: CheckResult["status"]): CheckResult {
  return { name, number: 1, layer: "numbers", status, message: "", points: 0, maxPoints: 1 };
}

function result(stage: number, status: StageStatus, checks: CheckResult[] = []): StageResult {
  return {
    stage,
    name: `Name ${stage}`,
    file: `exercises/${stage}_x.ts`,
    status,
    message: status === "error" ? "exercises/x.ts does not exist" : "",
    checks,
    ms: 1,
  };
}

Deno.test("statusText() says not started, failing with the count of passing checks, passed", () => {
  assertEquals(statusText(result(1, "not-started")), "not started");
  assertEquals(statusText(result(1, "pass", [check("a", "pass")])), "passed");
  const failing = result(1, "fail", [
    check("a", "pass"),
    check("b", "fail"),
    check("c", "skipped"),
  ]);
  assertEquals(statusText(failing), "failing (1 of 3 checks pass)");
  assertEquals(
    statusText(result(1, "error")),
    "could not be graded: exercises/x.ts does not exist",
  );
});

Deno.test("statusText() counts the checks as `deno task check` does: n/a ones are left out", () => {
  const failing = result(5, "fail", [
    check("a", "pass"),
    check("b", "fail"),
    check("needs the real GPT-2", "n/a"),
  ]);
  assertEquals(statusText(failing), "failing (1 of 2 checks pass)");
});

Deno.test("progressTable() aligns one row per stage and counts the stages that pass", () => {
  const lines = progressTable([
    result(1, "pass", [check("a", "pass")]),
    result(2, "fail", [check("a", "pass"), check("b", "fail")]),
    result(3, "not-started"),
  ], plain);
  assertEquals(lines[0], "  Stage  Name    File              Status");
  assertEquals(lines[1], "  1      Name 1  exercises/1_x.ts  ✓ passed");
  assertEquals(lines[2], "  2      Name 2  exercises/2_x.ts  ✗ failing (1 of 2 checks pass)");
  assertEquals(lines[3], "  3      Name 3  exercises/3_x.ts  ○ not started");
  assertMatch(lines.at(-1)!, /^ {2}█{7}░{13} {2}1 of 3 stages pass$/);
});

Deno.test("closingLines() gives the one next step while a stage does not pass", () => {
  const lines = closingLines([
    result(1, "pass", [check("a", "pass")]),
    result(2, "fail", [check("a", "pass"), check("scores are scaled", "fail")]),
    result(3, "not-started"),
  ], false);
  assertEquals(lines.length, 1);
  assertStringIncludes(lines[0], 'fix "scores are scaled" in exercises/2_x.ts');
  assertStringIncludes(lines[0], "`deno task check 2`");
});

Deno.test("closingLines() congratulates when every stage passes and says what to try next", () => {
  const all = [result(1, "pass"), result(2, "pass")];
  const [done, next] = closingLines(all, false);
  assertStringIncludes(done, "Congratulations");
  assertStringIncludes(next, "`deno task setup`");
  assertStringIncludes(next, "`deno task check all --model gpt2`");
  const withModel = closingLines(all, true)[1];
  assertEquals(withModel.includes("setup"), false);
  assertStringIncludes(withModel, "`deno task check all --model gpt2`");
});

Deno.test("gradeAll() grades every stage and keeps their order", async () => {
  const stages = [3, 1, 2].map((n) => ({ number: n }) as Stage);
  const delays: Record<number, number> = { 3: 30, 1: 0, 2: 10 };
  const results = await gradeAll(stages, async (s) => {
    await new Promise((r) => setTimeout(r, delays[s.number]));
    return result(s.number, "not-started");
  });
  assertEquals(results.map((r) => r.stage), [3, 1, 2]);
});

const run = (...args: string[]) => runTask("progress", args);

Deno.test("`deno task progress` shows every registered stage and one next step", async () => {
  await withStubs(async (dir) => {
    const { code, stdout } = await run("--exercises", dir);
    assertEquals(code, 0);
    for (const s of STAGES) assertStringIncludes(stdout, `${relative(dir)}/${s.file}`);
    assertMatch(stdout, /0 of \d+ stages pass/);
    assertEquals(stdout.split("\n").filter((l) => /^Next: start /.test(l)).length, 1);
    // the task's own permissions suffice to grade (a snapshot is written under .cache/)
    assertEquals(stdout.includes("could not be graded"), false, stdout);
  });
});

Deno.test("`deno task progress` rejects arguments with exit code 2", async () => {
  const { code, stderr } = await run("3");
  assertEquals(code, 2);
  assertStringIncludes(stderr, 'Unexpected argument "3"');
  assertStringIncludes(stderr, "Usage: deno task progress");
});
