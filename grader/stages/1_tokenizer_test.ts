import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { NotImplementedError } from "../../lib/todo.ts";
import { formatStage, styles } from "../report/pretty.ts";
import type { StageResult } from "../stage.ts";
import { gradeDir, learnerText, withMutatedCopy } from "../test_support.ts";
import { stage } from "./1_tokenizer.ts";

const grade = (learnerDir: string) => gradeDir(stage, learnerDir);

const failing = (r: StageResult) =>
  r.checks.filter((c) => c.status !== "pass").map((c) => `${c.name}: ${c.message}`).join("\n");

Deno.test("stage 1 passes the solution", async () => {
  const r = await grade(kitPath("solutions"));
  assertEquals(r.status, "pass", failing(r));
  assertEquals(r.checks.length, stage.checks.length);
});

Deno.test("stage 1 reports the untouched exercise as not started, with its first hint", async () => {
  const exercise = await import("../../exercises/1_tokenizer.ts");
  let firstHint = "";
  try {
    exercise.bytesToUnicode();
  } catch (e) {
    assert(e instanceof NotImplementedError, "the exercise's bytesToUnicode is a todo()");
    firstHint = e.hint;
  }
  const r = await grade(kitPath("exercises"));
  assertEquals(r.status, "not-started", failing(r));
  assertStringIncludes(formatStage(r, styles(false), false).join("\n"), `hint: ${firstHint}`);
});

Deno.test("stage 1 fails a bpe that merges the leftmost pair instead of the lowest rank", async () => {
  const r = await withMutatedCopy(
    stage.file,
    [["rank !== undefined && rank < bestRank", "rank !== undefined && bestRank === Infinity"]],
    grade,
  );
  assertEquals(r.status, "fail");
  const first = r.checks.find((c) => c.status !== "pass")!;
  assertEquals(first.name, "bpe merges the lowest-ranked pair first");
  assertMatch(learnerText(first), /lowest rank/i);
  assertStringIncludes(first.details!.join("\n"), "leftmost pair");
});
