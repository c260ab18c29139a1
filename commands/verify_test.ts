import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { inTempDir, runTask } from "./_test_helpers.ts";
import { submissionProblems } from "./verify.ts";

/** A student's repository: exercises, and what a hostile student committed besides. */
async function hostileRepository(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/exercises`);
  await Deno.mkdir(`${dir}/.git`);
  await Deno.symlink(".", `${dir}/.git/ignored-link`); // .git is never looked at
  await Deno.writeTextFile(`${dir}/exercises/2_embedding.ts`, "export {};\n");
  await Deno.symlink(kitPath("solutions", "3_attention.ts"), `${dir}/exercises/3_attention.ts`);
  await Deno.symlink("..", `${dir}/exercises/up`);
  await new Deno.Command("mkfifo", { args: [`${dir}/exercises/4_mlp.ts`] }).output();
  await Deno.mkdir(`${dir}/node_modules/js-tiktoken`, { recursive: true });
  await Deno.writeTextFile(`${dir}/node_modules/js-tiktoken/index.js`, "export {};\n");
  await Deno.mkdir(`${dir}/grader/sandbox/node_modules`, { recursive: true });
  await Deno.mkdir(`${dir}/data/gpt2`, { recursive: true });
  await Deno.writeTextFile(`${dir}/data/gpt2/reference.safetensors`, "");
}

Deno.test("submissionProblems() names links, pipes, node_modules and data/gpt2 anywhere", async () => {
  await inTempDir(async (dir) => {
    await hostileRepository(dir);
    assertEquals(await submissionProblems(dir), [
      "data/gpt2/: a model and references of its own, which the grader could pick up: delete it",
      "symbolic link: exercises/3_attention.ts -> " + kitPath("solutions", "3_attention.ts"),
      "not a regular file: exercises/4_mlp.ts",
      "symbolic link: exercises/up -> ..",
      "grader/sandbox/node_modules/: installed packages, which run inside the grader: delete them",
      "node_modules/: installed packages, which run inside the grader: delete them",
    ]);
  });
});

Deno.test("`verify DIR` names what a submission must not hold, and exits 1", async () => {
  await inTempDir(async (dir) => {
    await hostileRepository(dir);
    const r = await runTask("verify", [dir]);
    assertEquals(r.code, 1, r.stdout);
    assertStringIncludes(r.stdout, "The submission holds what it must not:");
    assertStringIncludes(r.stdout, "symbolic link: exercises/up -> ..");
    assertStringIncludes(r.stdout, "node_modules/: installed packages");
    assertStringIncludes(r.stdout, "data/gpt2/: a model and references of its own");
  });
});

Deno.test("the classroom workflow names its model and removes committed packages and models", async () => {
  const workflow = await Deno.readTextFile(kitPath("grader", "classroom", "classroom.yml"));
  const steps = workflow.split("\n      - ");
  const removes = steps.findIndex((s) =>
    s.includes("rm -rf node_modules grader/sandbox/node_modules data/gpt2")
  );
  const grades = steps.findIndex((s) => s.includes("deno task check"));
  assertEquals(removes > 0 && removes < grades, true, "removed before grading");
  assertStringIncludes(workflow, 'GRADE_MODEL=--model tiny"');
  for (const line of workflow.split("\n").filter((l) => l.includes("deno task check"))) {
    assertStringIncludes(line, "$GRADE_MODEL", line);
  }
  // node_modules comes from Deno's checked download cache, never from a cache the repository filled
  assertEquals(/path:[^\n]*node_modules/.test(workflow), false);
});
