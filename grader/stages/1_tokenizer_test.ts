import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { NotImplementedError } from "../../lib/todo.ts";
import { gradeContext, TINY } from "../context.ts";
import { formatStage, styles } from "../report/pretty.ts";
import { gradeStage, type RunOptions } from "../run_stage.ts";
import type { StageResult } from "../stage.ts";
import { stage } from "./1_tokenizer.ts";

const ctx = gradeContext(TINY);

function grade(learnerDir: string): Promise<StageResult> {
  const options: RunOptions = {
    learnerDir,
    configPath: TINY.configPath,
    weightsPath: TINY.weightsPath,
    tokenizerDir: TINY.tokenizerDir,
    timeLimitMs: 60_000,
    memoryLimitMb: 4096,
  };
  return gradeStage(stage, ctx, options);
}

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
  const source = await Deno.readTextFile(kitPath("solutions", stage.file));
  // The solution imports nothing, so its copy can live anywhere the sandbox may read.
  assert(!/from\s+["']\.\.?\//.test(source), "copy the solution's relative imports too");
  const lowestRank = "rank !== undefined && rank < bestRank";
  assertStringIncludes(source, lowestRank);
  const leftmost = source.replace(lowestRank, "rank !== undefined && bestRank === Infinity");
  const dir = await Deno.makeTempDir({ prefix: "gpt2kit-stage1-" });
  try {
    await Deno.writeTextFile(`${dir}/${stage.file}`, leftmost);
    const r = await grade(dir);
    assertEquals(r.status, "fail");
    const first = r.checks.find((c) => c.status !== "pass")!;
    assertEquals(first.name, "bpe merges the lowest-ranked pair first");
    assertMatch(`${first.message}\n${first.details?.join("\n")}\n${first.hint}`, /lowest rank/i);
    assertStringIncludes(first.details!.join("\n"), "leftmost pair");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
