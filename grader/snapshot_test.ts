import { assert, assertEquals, assertRejects } from "@std/assert";
import { MAX_SNAPSHOT_FILES, SANDBOX_CACHE, snapshot, SNAPSHOTS } from "./snapshot.ts";
import { LearnerFileError } from "./learner_file.ts";
import { inTempDir } from "../commands/_test_helpers.ts";

Deno.test("snapshot() copies a stage's file and the siblings it imports, and a mod.ts beside", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/5_gpt2.ts`,
      'import { nn } from "../mod.ts";\nimport "./util.ts";',
    );
    await Deno.writeTextFile(`${dir}/util.ts`, 'export * from "./deeper.ts";');
    await Deno.writeTextFile(`${dir}/deeper.ts`, "export const d = 1;");
    await Deno.writeTextFile(`${dir}/unrelated.ts`, "export {};");
    let root: string;
    {
      await using snap = await snapshot(dir, ["5_gpt2.ts", "6_missing.ts"]);
      assertEquals(snap.files, ["5_gpt2.ts", "util.ts", "deeper.ts"]);
      assertEquals(await Deno.readTextFile(`${snap.dir}/util.ts`), 'export * from "./deeper.ts";');
      root = snap.dir.slice(0, snap.dir.lastIndexOf("/"));
      const mod = await import(`file://${root}/mod.ts`);
      assert(typeof mod.Tensor === "function" && typeof mod.nn.Module === "function");
    }
    // disposed: the temporary folder is gone
    await assertRejects(() => Deno.stat(root!));
  });
});

Deno.test("snapshot() refuses a link among the files and leaves nothing behind", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/5_gpt2.ts`, 'import "./3_attention.ts";');
    await Deno.symlink("/etc/passwd", `${dir}/3_attention.ts`);
    await Deno.mkdir(SNAPSHOTS, { recursive: true });
    const before = await Array.fromAsync(Deno.readDir(SNAPSHOTS));
    await assertRejects(
      () => snapshot(dir, ["5_gpt2.ts"]),
      LearnerFileError,
      "3_attention.ts is a symbolic link",
    );
    // a snapshot made by a test running beside this one may come and go: only a folder of
    // this one's (holding its 5_gpt2.ts) would be a leftover
    const after = await Array.fromAsync(Deno.readDir(SNAPSHOTS));
    for (const e of after.filter((e) => !before.some((b) => b.name === e.name))) {
      const copy = await Deno.readTextFile(`${SNAPSHOTS}/${e.name}/exercises/5_gpt2.ts`)
        .catch(() => "");
      assertEquals(copy === 'import "./3_attention.ts";', false, `a leftover: ${e.name}`);
    }
  });
});

Deno.test("snapshot() refuses a linked folder, which would lead anywhere", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/elsewhere`);
    await Deno.writeTextFile(`${dir}/elsewhere/1_tokenizer.ts`, "export {};");
    await Deno.symlink(`${dir}/elsewhere`, `${dir}/exercises`);
    await assertRejects(
      () => snapshot(`${dir}/exercises`, ["1_tokenizer.ts"]),
      LearnerFileError,
      "exercises is a symbolic link: submit the folder itself",
    );
    await Deno.writeTextFile(`${dir}/file`, "");
    await assertRejects(() => snapshot(`${dir}/file`, ["1_tokenizer.ts"]), LearnerFileError);
  });
});

Deno.test("snapshot() refuses more files, or more bytes together, than a stage may load", async () => {
  await inTempDir(async (dir) => {
    const pads = Array.from({ length: MAX_SNAPSHOT_FILES }, (_, i) => `pad${i}.ts`);
    await Deno.writeTextFile(`${dir}/4_mlp.ts`, pads.map((p) => `import "./${p}";\n`).join(""));
    for (const p of pads) await Deno.writeTextFile(`${dir}/${p}`, "export {};\n");
    await assertRejects(() => snapshot(dir, ["4_mlp.ts"]), LearnerFileError, "more than 32 files");
    // 5 files of just under 1 MiB each: each allowed alone, too much together
    const big = `export const s = "${"a".repeat((1 << 20) - 64)}";\n`;
    const five = pads.slice(0, 5);
    await Deno.writeTextFile(`${dir}/4_mlp.ts`, five.map((p) => `import "./${p}";\n`).join(""));
    for (const p of five) await Deno.writeTextFile(`${dir}/${p}`, big);
    await assertRejects(() => snapshot(dir, ["4_mlp.ts"]), LearnerFileError, "4 MiB together");
    await Deno.writeTextFile(`${dir}/4_mlp.ts`, 'import "./pad0.ts";\n');
    await using snap = await snapshot(dir, ["4_mlp.ts"]);
    assertEquals(snap.files, ["4_mlp.ts", "pad0.ts"]);
  });
});

Deno.test("disposing of a snapshot also removes what the sandbox's Deno compiled of it", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/1_tokenizer.ts`, "export {};\n");
    let compiled = "";
    {
      await using snap = await snapshot(dir, ["1_tokenizer.ts"]);
      compiled = `${SANDBOX_CACHE}/gen/file${snap.dir}`;
      await Deno.mkdir(compiled, { recursive: true });
      await Deno.writeTextFile(`${compiled}/1_tokenizer.ts.js`, "// compiled");
    }
    await assertRejects(() => Deno.stat(compiled), Deno.errors.NotFound);
  });
});
