import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parse } from "yaml";
import { kitPath } from "../../lib/paths.ts";
import {
  inTempDir,
  missingCommands,
  names,
  runTask,
  taskCommands,
  type WorkflowStep as Step,
} from "../../commands/_test_helpers.ts";
import { runScript, writeSubmission } from "../test_support.ts";

const SANDBOX_INSTALL = "deno install --frozen --config grader/sandbox/deno.json";
const FILE = kitPath("platforms", "github_actions", "grade_class.yml");
const workflow = parse(await Deno.readTextFile(FILE));
const jobs: Record<
  string,
  {
    steps: Step[];
    needs?: string;
    if?: string;
    strategy?: { "fail-fast": boolean; matrix: Record<string, string> };
  }
> = workflow.jobs;
const step = (job: string, name: string) => jobs[job].steps.find((s) => s.name === name)!;

/** Runs a step's script in bash as a runner would, with `env` and `RUNNER_TEMP`, in the kit. */
async function runStep(s: Step, env: Record<string, string>) {
  return await runScript("bash", ["-eo", "pipefail", "-c", s.run!], env);
}

Deno.test("the class workflow is a matrix over the roster's repositories, merged by a last job", async () => {
  assertEquals(Object.keys(workflow.on), ["workflow_dispatch"]);
  assertEquals(workflow.permissions, { contents: "read" });
  assertEquals(Object.keys(jobs), ["roster", "grade", "gradebook"]);
  assertEquals(jobs.grade.needs, "roster");
  const strategy = jobs.grade.strategy!;
  assertEquals(strategy["fail-fast"], false);
  assertEquals(strategy.matrix.repos, "${{ fromJSON(needs.roster.outputs.groups) }}");
  // the gradebook is made whatever happened to some of the jobs
  assertEquals([jobs.gradebook.needs, jobs.gradebook.if], ["grade", "always()"]);
  // the sandbox's packages are installed before it grades (its child fetches nothing)
  const grading = jobs.grade.steps.map((s) => s.run ?? "");
  const install = grading.findIndex((r) => r.includes(SANDBOX_INSTALL));
  assert(install !== -1 && install < grading.findIndex((r) => r.includes("grade-batch")));
  const scripts = Object.values(jobs).flatMap((j) => j.steps.map((s) => s.run ?? "")).join("\n");
  assertEquals(taskCommands(scripts).map((c) => c.task), ["grade-batch", "gradebook"]);
  assertEquals(await missingCommands(scripts), []);
  // the secrets: the token that reads the students' repositories, the references' passphrase
  const secrets = [...new Set((await Deno.readTextFile(FILE)).match(/secrets\.\w+/g))];
  assertEquals(secrets, ["secrets.GPT2KIT_CLASS_TOKEN", "secrets.GPT2KIT_REFS_PASSPHRASE"]);
});

Deno.test("the class workflow splits a roster into at most 256 groups, every repository once", async () => {
  await inTempDir(async (dir) => {
    const roster = `${dir}/roster.txt`;
    const groups = async (lines: string[]) => {
      await Deno.writeTextFile(roster, lines.join("\n"));
      const out = `${dir}/output`;
      await Deno.writeTextFile(out, "");
      const r = await runStep(step("roster", "Read the roster"), {
        ROSTER: roster,
        GITHUB_OUTPUT: out,
      });
      const line = (await Deno.readTextFile(out)).match(/^groups=(.*)$/m);
      return {
        code: r.code,
        stdout: r.stdout,
        groups: line ? JSON.parse(line[1]) as string[] : [],
      };
    };
    const few = await groups([
      "# the class of 2026",
      "org/hw-ada",
      "",
      "org/hw-bob  # late",
      " org/hw-cy",
    ]);
    assertEquals(few.groups, ["org/hw-ada", "org/hw-bob", "org/hw-cy"]);
    const repos = Array.from({ length: 1000 }, (_, i) => `org/hw-${i}`);
    const many = await groups(repos);
    assert(many.groups.length <= 256, `${many.groups.length} groups`);
    assertEquals(many.groups.flatMap((g) => g.split(" ")), repos);
    const none = await groups(["# nobody yet"]);
    assertEquals(none.code, 1);
    assertStringIncludes(none.stdout, "lists no student repository");
  });
});

Deno.test("the class workflow's grading step writes the reports its upload and merge read", async () => {
  await inTempDir(async (tmp) => {
    await writeSubmission(`${tmp}/class/hw-ada`, "stub", "/dev/null");
    await Deno.mkdir(`${tmp}/class/hw-bob`);
    const graded = await runStep(step("grade", "Grade"), {
      RUNNER_TEMP: tmp,
      GRADE_MODEL: "--model tiny",
    });
    assertEquals(graded.code, 0, graded.stdout + graded.stderr);
    // what the upload step takes: the students' reports
    const upload = step("grade", "Upload the students' reports");
    assertEquals([upload.if, upload.with!.path], [
      "always()",
      "${{ runner.temp }}/out/gradebook/*.json",
    ]);
    assertEquals(await names(`${tmp}/out/gradebook`), ["hw-ada.json", "hw-bob.json"]);
    // what the last job downloads (every job's artifact into one folder) and merges
    const download = step("gradebook", "Download every student's report");
    assertEquals(download.with, {
      pattern: "reports-*",
      "merge-multiple": true,
      path: "gradebook",
    });
    assertEquals(upload.with!.name, "reports-${{ strategy.job-index }}");
    const merge = taskCommands(step("gradebook", "Merge them into the gradebook").run!)[0];
    assertEquals(merge.task, "gradebook");
    const merged = await runTask("gradebook", [`${tmp}/out/gradebook`, "--out", `${tmp}/book.csv`]);
    assertEquals(merged.code, 0, merged.stderr);
    assertEquals(
      await Deno.readTextFile(`${tmp}/book.csv`),
      await Deno.readTextFile(`${tmp}/out/gradebook.csv`),
    );
  });
});
