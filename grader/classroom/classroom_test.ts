import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parse } from "yaml";
import { kitPath } from "../../lib/paths.ts";
import {
  missingCommands,
  taskCommands,
  type WorkflowStep as Step,
} from "../../commands/_test_helpers.ts";

const SANDBOX_INSTALL = "deno install --frozen --config grader/sandbox/deno.json";
const workflow = parse(await Deno.readTextFile(kitPath("grader", "classroom", "classroom.yml")));

Deno.test("the classroom workflow is the one GitHub Classroom reads points from", () => {
  // Classroom looks for the workflow "Autograding Tests" and its one job run-autograding-tests
  assertEquals(workflow.name, "Autograding Tests");
  assertEquals(Object.keys(workflow.jobs), ["run-autograding-tests"]);
  assertEquals(Object.keys(workflow.on), ["push", "workflow_dispatch", "repository_dispatch"]);
  assertEquals(workflow.permissions, { checks: "write", actions: "read", contents: "read" });
  const job = workflow.jobs["run-autograding-tests"];
  assertEquals(job.if, "github.actor != 'github-classroom[bot]'");
});

Deno.test("the classroom workflow grades once and hands the result to Classroom's reporter", async () => {
  const steps: Step[] = workflow.jobs["run-autograding-tests"].steps;
  const scripts = steps.map((s) => s.run ?? "").join("\n");
  const checks = taskCommands(scripts).filter((c) => c.task === "check");
  assertEquals(checks.length, 1, "one grading");
  assertEquals(checks[0].options.filter((o) => o === "--report").length, 1);
  const grade = steps.find((s) => s.run?.includes("deno task check"))!;
  assertStringIncludes(grade.run!, "--format github --report junit=junit.xml");
  assertStringIncludes(grade.run!, '--report "classroom=$RUNNER_TEMP/classroom.b64"');
  assertStringIncludes(grade.run!, 'echo "result=$(cat "$RUNNER_TEMP/classroom.b64")"');
  assertStringIncludes(grade.run!, '>> "$GITHUB_OUTPUT"');
  // the reporter reads <ID>_RESULTS for each runner ID
  const reporter = steps.find((s) => s.uses?.startsWith("classroom-resources/"))!;
  assertEquals(reporter.uses, "classroom-resources/autograding-grading-reporter@v1");
  assertEquals(reporter.with, { runners: grade.id! });
  assertEquals(reporter.env, {
    [`${grade.id!.toUpperCase()}_RESULTS`]: `\${{ steps.${grade.id}.outputs.result }}`,
  });
  assert(steps.indexOf(grade) < steps.indexOf(reporter));
  // the sandbox's packages are installed before it grades (its child fetches nothing)
  const install = steps.findIndex((s) => s.run?.includes(SANDBOX_INSTALL));
  assert(install !== -1 && install < steps.indexOf(grade), "the sandbox's packages");
  // the JUnit artifact stays, whatever happened before it
  const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!;
  assertEquals([upload.if, upload.with?.path], ["always()", "junit.xml"]);
  assertEquals(await missingCommands(scripts), []);
});
