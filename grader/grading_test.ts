import { assertEquals } from "@std/assert";
import { EXIT, gradeExitCode, graderFailures } from "./grading.ts";
import { GRADER_ERROR } from "./run_stage.ts";
import type { StageResult } from "./stage.ts";

const stage = (status: StageResult["status"], errorName?: string): StageResult => ({
  stage: 1,
  name: "Tokenizer",
  file: "exercises/1_tokenizer.ts",
  status,
  message: status,
  checks: [],
  ms: 1,
  ...(errorName ? { error: { kind: "exception", name: errorName, message: "x" } } : {}),
});

Deno.test("gradeExitCode() tells a failing learner (1) from a grader that could not grade (3)", () => {
  assertEquals(gradeExitCode([stage("pass"), stage("pass")]), EXIT.pass);
  assertEquals(gradeExitCode([stage("pass"), stage("not-started")]), EXIT.fail);
  // the learner's own crash, syntax error or symbolic link is a failing grade
  assertEquals(gradeExitCode([stage("error", "SyntaxError"), stage("pass")]), EXIT.fail);
  assertEquals(gradeExitCode([stage("error", "LearnerFileError")]), EXIT.fail);
  // the grader's own failure on any stage is not
  const broken = stage("error", GRADER_ERROR);
  assertEquals(gradeExitCode([stage("pass"), broken]), EXIT.cannotGrade);
  assertEquals(graderFailures([stage("fail"), broken]), [broken]);
});
