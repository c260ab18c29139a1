import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { Buffer } from "node:buffer";
import { parse } from "yaml";
import { kitPath } from "../lib/paths.ts";
import { UsageError } from "./_cli.ts";
import { inTempDir, runTask } from "./_test_helpers.ts";
import {
  BY_HAND,
  leftOut,
  REVEALS_MARKER,
  revealsSolutions,
  templateConfig,
  WORKFLOW,
  writeStudentTemplate,
} from "./student_template.ts";
import { hashDifferences, INTEGRITY_FILE, kitHashes } from "./verify.ts";

async function textFiles(root: string, rel = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(rel ? `${root}/${rel}` : root)) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (path === "node_modules") continue;
    if (e.isDirectory) { for (const [p, t] of await textFiles(root, path)) out.set(p, t); }
    else if (e.isFile && /\.(ts|js|json|md|yml)$/.test(path)) {
      out.set(path, await Deno.readTextFile(`${root}/${path}`));
    }
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("the student template holds no solution and passes its own checks", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "student_template_test_" });
  try {
    await writeStudentTemplate(out);
    // the kit's npm packages, so that the template runs without installing them
    await Deno.symlink(kitPath("node_modules"), `${out}/node_modules`);
    const files = await textFiles(out);

    await t.step("no file reveals the solutions, and no instructor's kit is there", () => {
      assertEquals(files.has("solutions"), false);
      assert(![...files.keys()].some((p) => p.startsWith("solutions/")));
      assert(![...files.keys()].some((p) => p.startsWith("platforms/")));
      for (const [path, text] of files) {
        assertEquals(text.startsWith(REVEALS_MARKER), false, path);
        assert(!/(from|import)\s*\(?\s*["'][^"']*solutions\//.test(text), `${path} imports them`);
        const why = revealsSolutions(text);
        assert(!why || BY_HAND[path]?.keep, `${path} ${why}`);
      }
    });

    await t.step("deno.json's tasks only name files that exist", async () => {
      const tasks: Record<string, string> = JSON.parse(files.get("deno.json")!).tasks;
      assert(tasks.check && tasks.test && tasks.verify, "the students' tasks are kept");
      assertEquals([tasks.refs, tasks.gradescope], [undefined, undefined]);
      for (const [name, command] of Object.entries(tasks)) {
        for (const word of command.split(" ").filter((w) => /\.ts$/.test(w) && !w.includes("*"))) {
          assert(await exists(`${out}/${word}`), `task ${name} runs ${word}, which is missing`);
        }
      }
      const checked = tasks.test.match(/deno check ([^&]*)/)![1].trim().split(" ");
      for (const path of checked) {
        const folder = path.includes("*") ? path.slice(0, path.lastIndexOf("/")) : path;
        assert(await exists(`${out}/${folder}`), `deno check ${path}`);
      }
    });

    await t.step("the classroom workflow and the integrity manifest are in place", async () => {
      assertEquals(
        files.get(WORKFLOW.target),
        await Deno.readTextFile(kitPath(WORKFLOW.source)),
      );
      const manifest = JSON.parse(files.get(INTEGRITY_FILE)!).sha256;
      assertEquals(hashDifferences(manifest, await kitHashes(out)), []);
    });

    await t.step("`check --solutions` says the solutions are not part of this copy", async () => {
      const r = await runTask("check", ["3", "--solutions"], out);
      assertEquals(r.code, 2, r.stderr);
      assertStringIncludes(r.stderr, "The solutions are not part of this copy of the kit");
      const exercises = await runTask("check", ["3"], out);
      assertEquals(exercises.code, 1, exercises.stderr);
      assertStringIncludes(exercises.stdout, "not started");
    });

    await t.step(
      "the workflow's grading step grades once and hands Classroom its result",
      async () => {
        const steps: { id?: string; run?: string }[] =
          parse(files.get(WORKFLOW.target)!).jobs["run-autograding-tests"].steps;
        const grade = steps.find((s) => s.run?.includes("deno task check"))!;
        const runner = `${out}/.runner`;
        await Deno.mkdir(runner);
        const env = {
          PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:${Deno.env.get("PATH")}`,
          NO_COLOR: "1",
          GRADE_MODEL: "--model tiny",
          RUNNER_TEMP: runner,
          GITHUB_OUTPUT: `${runner}/output`,
          GITHUB_STEP_SUMMARY: `${runner}/summary.md`,
        };
        // as GitHub Actions runs a step: bash -eo pipefail
        const r = await new Deno.Command("bash", {
          args: ["--noprofile", "--norc", "-eo", "pipefail", "-c", grade.run!],
          cwd: out,
          env,
          stdin: "null",
        }).output();
        const log = new TextDecoder().decode(r.stdout);
        assertEquals(r.code, 0, log + new TextDecoder().decode(r.stderr));
        assertStringIncludes(log, "::stop-commands::");
        const output = await Deno.readTextFile(env.GITHUB_OUTPUT);
        const result = JSON.parse(
          Buffer.from(output.match(/^result=(.*)$/m)![1], "base64").toString(),
        );
        assertEquals([result.version, result.status], [1, "fail"]);
        assert(result.max_score > 0 && result.tests.length > 0);
        assertStringIncludes(await Deno.readTextFile(env.GITHUB_STEP_SUMMARY), "| **total** |");
        assertStringIncludes(await Deno.readTextFile(`${out}/junit.xml`), "<testsuites ");
        await Deno.remove(`${out}/junit.xml`);
        await Deno.remove(runner, { recursive: true });
      },
    );

    await t.step(
      "`verify DIR` names each file added, changed or removed, not exercises/",
      async () => {
        assertEquals((await runTask("verify", [], out)).code, 0);
        await Deno.writeTextFile(`${out}/commands/check.ts`, "// always pass\n", { append: true });
        await Deno.writeTextFile(`${out}/lib/extra.ts`, "export {};\n");
        await Deno.remove(`${out}/data/tiny/config.json`);
        await Deno.writeTextFile(`${out}/exercises/3_attention.ts`, "// my work\n", {
          append: true,
        });
        const r = await runTask("verify", [], out);
        assertEquals(r.code, 1, r.stdout);
        assertStringIncludes(
          r.stdout,
          "3 of the kit's files differ from grader/integrity.json (exercises/ is not checked):\n" +
            "  changed: commands/check.ts\n  removed: data/tiny/config.json\n  added: lib/extra.ts\n",
        );
        assertEquals(r.stdout.includes("3_attention"), false);
      },
    );

    await t.step("the template's code type-checks without the solutions", async () => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["check", "mod.ts", "lib", "grader", "exercises", "commands"],
        cwd: out,
        env: { NO_COLOR: "1" },
      }).output();
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("writeStudentTemplate() refuses a directory that is not empty, or inside the kit", async () => {
  const out = await Deno.makeTempDir({ prefix: "student_template_test_" });
  try {
    await Deno.writeTextFile(`${out}/keep.txt`, "mine");
    await assertRejects(() => writeStudentTemplate(out), UsageError, "is not empty");
    assertEquals(await Deno.readTextFile(`${out}/keep.txt`), "mine");
    await assertRejects(() => writeStudentTemplate(kitPath(".cache", "t")), UsageError, "outside");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("leftOut() drops what reveals the solutions, then whatever imports it", () => {
  const files = new Map<string, string | undefined>([
    ["tools/a.ts", 'import { GPT2 } from "../solutions/5_gpt2.ts";'],
    ["tools/b.ts", 'export * from "./a.ts";'],
    ["tools/c_test.ts", 'const b = await import("./b.ts");'],
    ["lib/x_test.ts", `${REVEALS_MARKER} (runs them)\nimport "./x.ts";`],
    ["lib/x.ts", "export const x = 1;"],
    ["grader/y.ts", 'const dir = kitPath("solutions");'],
    ["grader/context.ts", 'const dir = kitPath("solutions");'],
    ["data/blob.bin", undefined],
  ]);
  assertEquals(Object.fromEntries(leftOut(files)), {
    "tools/a.ts": "imports ../solutions/5_gpt2.ts",
    "tools/b.ts": "imports tools/a.ts, which is left out",
    "tools/c_test.ts": "imports tools/b.ts, which is left out",
    "lib/x_test.ts": "is marked as revealing the solutions",
    "grader/y.ts": "reads solutions/",
  });
});

Deno.test("templateConfig() drops the tasks of missing scripts and solutions from deno check", () => {
  const config = {
    tasks: {
      test: "deno check mod.ts solutions tools/*.ts && deno test",
      refs: "deno run --allow-read commands/refs.ts",
      check: "deno run --allow-read commands/check.ts",
    },
  };
  assertEquals(templateConfig(config, (p) => p !== "commands/refs.ts").tasks, {
    test: "deno check mod.ts tools/*.ts && deno test",
    check: "deno run --allow-read commands/check.ts",
  });
});

Deno.test("the template's exercises/ are the untouched stubs, even where the kit's are filled in", async () => {
  await inTempDir(async (dir) => {
    const kit = `${dir}/kit`, out = `${dir}/out`;
    const write = async (path: string, text: string) => {
      await Deno.mkdir(`${kit}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${kit}/${path}`, text);
    };
    await write(".gitignore", ".cache/\n");
    await write("grader/pristine.json", JSON.stringify({ "1_a.ts": "todo();\n" }));
    await write(WORKFLOW.source, "on: push\n");
    await write("exercises/1_a.ts", "my finished work\n");
    await write("exercises/1_a.ts.bak-20250101-000000", "a backup\n");
    await writeStudentTemplate(out, kit);
    assertEquals([...Deno.readDirSync(`${out}/exercises`)].map((e) => e.name), ["1_a.ts"]);
    assertEquals(await Deno.readTextFile(`${out}/exercises/1_a.ts`), "todo();\n");
  });
});
