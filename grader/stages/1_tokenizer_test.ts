import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { NotImplementedError } from "../../lib/todo.ts";
import { formatStage, styles } from "../report/pretty.ts";
import type { StageResult } from "../stage.ts";
import { checkNamed, gradeDir, learnerText, withMutatedCopy } from "../test_support.ts";
import { withStubs } from "../../commands/_test_helpers.ts";
import { stage } from "./1_tokenizer.ts";
import { pathToFileURL as toFileUrl } from "node:url";

const grade = (learnerDir: string) => gradeDir(stage, learnerDir);

const failing = (r: StageResult) =>
  r.checks.filter((c) => c.status !== "pass").map((c) => `${c.name}: ${c.message}`).join("\n");

Deno.test("stage 1 passes the solution", async () => {
  const r = await grade(kitPath("solutions"));
  assertEquals(r.status, "pass", failing(r));
  assertEquals(r.checks.length, stage.checks.length);
});

Deno.test("stage 1 reports the untouched exercise as not started, with its first hint", async () => {
  await withStubs(async (dir) => {
    // the stub itself, importable from here (the copy's "../mod.ts" is the grader's snapshot's)
    const stub = await Deno.readTextFile(`${dir}/1_tokenizer.ts`);
    await Deno.writeTextFile(`${dir}/stub.ts`, stub.replaceAll('"../mod.ts"', '"../../mod.ts"'));
    const exercise = await import(toFileUrl(`${dir}/stub.ts`).href);
    let firstHint = "";
    try {
      exercise.bytesToUnicode();
    } catch (e) {
      assert(e instanceof NotImplementedError, "the stub's bytesToUnicode is a todo()");
      firstHint = e.hint;
    }
    const r = await grade(dir);
    assertEquals(r.status, "not-started", failing(r));
    assertStringIncludes(formatStage(r, styles(false), false).join("\n"), `hint: ${firstHint}`);
  });
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

Deno.test("stage 1 grades a finished bytesToUnicode while bpe is still a todo", async () => {
  const r = await withMutatedCopy(stage.file, [
    [
      "export function bytesToUnicode",
      'import { todo } from "../mod.ts";\n\nexport function bytesToUnicode',
    ],
    [
      "  let symbols = [...word];",
      '  if (word) todo("bpe", "merge pairs");\n  let symbols = [...word];',
    ],
  ], grade);
  assertEquals(r.status, "fail");
  assertEquals(checkNamed(r, "bpe runs").status, "todo");
  assertEquals(checkNamed(r, "bytesToUnicode covers the 256 bytes").status, "pass");
  assertEquals(checkNamed(r, "bytesToUnicode is GPT-2's table").status, "pass");
  assertMatch(checkNamed(r, "encode gives valid ids").message, /skipped until "bpe runs" passes/);
});
