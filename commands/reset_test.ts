import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import type { Stage } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { gradeDir } from "../grader/test_support.ts";
import { backupName, loadPristine, type Pristine, type ResetOptions, resetStage } from "./reset.ts";
import { inTempDir, names, runTask, withStubs } from "./_test_helpers.ts";

const STAGE = {
  number: 3,
  name: "Attention",
  file: "3_attention.ts",
  hints: [],
} as unknown as Stage;
const STUB = "// the original stub\n";
const MINE = "// my work, with ✓ and bytes kept exactly\n";
const NOW = new Date(2025, 0, 31, 9, 45, 7);

function options(dir: string, extra: Partial<ResetOptions> = {}): ResetOptions {
  return {
    stage: STAGE,
    dir,
    shownDir: "exercises",
    pristine: { "3_attention.ts": STUB },
    yes: false,
    interactive: true,
    confirm: () => true,
    now: NOW,
    ...extra,
  };
}

Deno.test("backupName() adds .bak- and a sortable local timestamp", () => {
  assertEquals(
    backupName("exercises/3_attention.ts", NOW),
    "exercises/3_attention.ts.bak-20250131-094507",
  );
});

Deno.test("resetStage() asks first, keeps the learner's file as a backup, then restores the stub", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, MINE);
    const asked: string[] = [];
    const { code, lines } = await resetStage(options(dir, {
      confirm: (q) => {
        asked.push(q);
        return true;
      },
    }));
    assertEquals(code, 0);
    assertEquals(asked, [
      "This replaces exercises/3_attention.ts with the original stub. Your file is kept as " +
      "exercises/3_attention.ts.bak-20250131-094507. Continue? [y/N]",
    ]);
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts`), STUB);
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts.bak-20250131-094507`), MINE);
    assertEquals(await names(dir), ["3_attention.ts", "3_attention.ts.bak-20250131-094507"]);
    assertStringIncludes(lines.join("\n"), "kept as exercises/3_attention.ts.bak-20250131-094507");
  });
});

Deno.test("resetStage() changes nothing when the learner answers no", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, MINE);
    const { code, lines } = await resetStage(options(dir, { confirm: () => false }));
    assertEquals(code, 0);
    assertStringIncludes(lines[0], "Nothing changed");
    assertEquals(await names(dir), ["3_attention.ts"]);
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts`), MINE);
  });
});

Deno.test("resetStage() refuses without a terminal unless --yes is given", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, MINE);
    const refused = await resetStage(options(dir, {
      interactive: false,
      confirm: () => {
        throw new Error("must not ask without a terminal");
      },
    }));
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.lines.join("\n"), "`deno task reset 3 --yes`");
    assertEquals(await names(dir), ["3_attention.ts"]);
    const forced = await resetStage(options(dir, {
      interactive: false,
      yes: true,
      confirm: () => {
        throw new Error("must not ask with --yes");
      },
    }));
    assertEquals(forced.code, 0);
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts`), STUB);
  });
});

Deno.test("resetStage() never overwrites an earlier backup", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, MINE);
    await Deno.writeTextFile(`${dir}/3_attention.ts.bak-20250131-094507`, "older backup");
    await resetStage(options(dir, { yes: true }));
    assertEquals(
      await Deno.readTextFile(`${dir}/3_attention.ts.bak-20250131-094507`),
      "older backup",
    );
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts.bak-20250131-094507-2`), MINE);
  });
});

Deno.test("resetStage() does nothing to a file that is already the stub, and restores a missing one", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, STUB);
    const same = await resetStage(options(dir, { confirm: () => false }));
    assertStringIncludes(same.lines[0], "already the original stub");
    assertEquals(await names(dir), ["3_attention.ts"]);
    await Deno.remove(`${dir}/3_attention.ts`);
    const missing = await resetStage(options(dir, { confirm: () => false }));
    assertStringIncludes(missing.lines[0], "was missing");
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts`), STUB);
  });
});

Deno.test("resetStage() changes nothing when the snapshot has no stub for the stage", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/3_attention.ts`, MINE);
    await assertRejects(
      () => resetStage(options(dir, { yes: true, pristine: {} })),
      Error,
      "no original stub for 3_attention.ts",
    );
    assertEquals(await names(dir), ["3_attention.ts"]);
    assertEquals(await Deno.readTextFile(`${dir}/3_attention.ts`), MINE);
  });
});

Deno.test("loadPristine() explains a missing or damaged snapshot", async () => {
  await inTempDir(async (dir) => {
    await assertRejects(() => loadPristine(`${dir}/none.json`), Error, "the file does not exist");
    for (const bad of ["{", "[]", '{"a.ts": 3}']) {
      await Deno.writeTextFile(`${dir}/p.json`, bad);
      await assertRejects(() => loadPristine(`${dir}/p.json`), Error, "p.json");
    }
    await Deno.writeTextFile(`${dir}/p.json`, '{"a.ts": "x"}');
    assertEquals(await loadPristine(`${dir}/p.json`), { "a.ts": "x" });
  });
});

Deno.test("every stub in grader/pristine.json grades as not started through the real grader", async () => {
  const pristine: Pristine = await loadPristine();
  await withStubs(async (dir) => {
    for (const stage of STAGES) {
      assert(stage.file in pristine, `grader/pristine.json has no stub for ${stage.file}`);
      const r = await gradeDir(stage, dir);
      assertEquals(r.status, "not-started", `stage ${stage.number}: ${r.message}`);
    }
  });
});

Deno.test("`deno task reset` exits 2 with a clear message for a missing or unknown stage", async () => {
  for (const [args, says] of [[[], "Say which stage"], [["9"], 'There is no stage "9"']] as const) {
    const { code, stderr } = await runTask("reset", [...args]);
    assertEquals(code, 2);
    assertStringIncludes(stderr, says);
    assertStringIncludes(stderr, "Usage: deno task reset N [--yes]");
  }
});
