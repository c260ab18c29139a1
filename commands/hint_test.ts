import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { styles } from "../grader/report/pretty.ts";
import type { Stage } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { UsageError } from "./_cli.ts";
import { hasSolutions } from "../grader/context.ts";
import { hint, hintLines, readHintState, revealedAfter, writeHintState } from "./hint.ts";
import { inCacheDir, runTask } from "./_test_helpers.ts";

const plain = styles(false);
const stage = STAGES.find((s) => s.hints.length >= 3)!;
const n = String(stage.number);

/** Runs the hint command with a state file in a scratch directory; counts `passes` calls. */
async function withState(
  fn: (
    run: (...args: string[]) => Promise<string>,
    path: string,
    asked: () => number,
  ) => Promise<void>,
  passes = false,
): Promise<void> {
  await inCacheDir(async (dir) => {
    const path = `${dir}/state/hints.json`;
    let asked = 0;
    const run = async (...args: string[]) =>
      (await hint(args, path, () => {
        asked++;
        return Promise.resolve(passes);
      }, plain)).join("\n");
    await fn(run, path, () => asked);
  });
}

Deno.test("a registered stage with several hints exists for these tests", () => {
  assert(stage, "no stage has three hints or more");
});

Deno.test("`hint N` reveals one more hint per call and remembers it per stage", async () => {
  await withState(async (run, path, asked) => {
    const first = await run(n);
    assertStringIncludes(first, `hint 1 of ${stage.hints.length}`);
    assertStringIncludes(first, `1. ${stage.hints[0]}`);
    assertEquals(first.includes(stage.hints[1]), false);
    assertStringIncludes(first, `Run \`deno task hint ${n}\` again`);
    const second = await run(n);
    assertStringIncludes(second, `hint 2 of ${stage.hints.length}`);
    assertStringIncludes(second, `1. ${stage.hints[0]}`);
    assertStringIncludes(second, `2. ${stage.hints[1]}`);
    assertEquals(second.includes(stage.hints[2]), false);
    assertEquals(await readHintState(path), { [n]: 2 });
    assertEquals(asked(), 2, "each call grades the stage");
    assertEquals(second.includes("already passes"), false);
  });
});

Deno.test("`hint N --all` shows every hint; `--reset` hides them again", async () => {
  await withState(async (run, path) => {
    const all = await run(n, "--all");
    for (const h of stage.hints) assertStringIncludes(all, h);
    assertStringIncludes(all, `hint ${stage.hints.length} of ${stage.hints.length}`);
    assertStringIncludes(await run(n, "--reset"), "hidden again");
    assertEquals(await readHintState(path), {});
    assertStringIncludes(await run(n), `hint 1 of ${stage.hints.length}`);
  });
});

Deno.test("after the last hint, the solution is pointed to only when the stage passes", async () => {
  await withState(async (run) => {
    const last = await run(n, "--all");
    assertStringIncludes(last, `\`deno task check ${n} --verbose\``);
    assertEquals(last.includes("solutions/"), false);
    // another call stays on the last hint
    assertStringIncludes(await run(n), `hint ${stage.hints.length} of ${stage.hints.length}`);
  });
  await withState(async (run) => {
    const last = await run(n, "--all");
    // a student template has no solutions/ to point to (see hintLines' test for both cases)
    assertStringIncludes(last, hasSolutions() ? `solutions/${stage.file}` : "deno task progress");
  }, true);
});

Deno.test("a missing or corrupt hint state counts as nothing revealed", async () => {
  await inCacheDir(async (dir) => {
    const path = `${dir}/hints.json`;
    assertEquals(await readHintState(path), {});
    for (const bad of ["{not json", "[3]", "null", '"3"', '{"3": "two", "4": -1, "5": 1.5}']) {
      await Deno.writeTextFile(path, bad);
      assertEquals(await readHintState(path), {}, bad);
    }
    await Deno.writeTextFile(path, '{"3": 2, "4": "x"}');
    assertEquals(await readHintState(path), { "3": 2 });
  });
  await withState(async (run, path) => {
    await writeHintState(path, {});
    await Deno.writeTextFile(path, "\u0000garbage");
    assertStringIncludes(await run(n), `hint 1 of ${stage.hints.length}`);
    assertEquals(await readHintState(path), { [n]: 1 });
  });
});

Deno.test("the hint is still shown when the state cannot be saved", async () => {
  await inCacheDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    const path = `${dir}/file/hints.json`; // its "directory" is a file
    const out = (await hint([n], path, () => Promise.resolve(false), plain)).join("\n");
    assertStringIncludes(out, stage.hints[0]);
    assertStringIncludes(out, "Could not remember this");
  });
});

Deno.test("revealedAfter() counts up to the number of hints, and resets to 0", () => {
  assertEquals(revealedAfter(0, 3, "next"), 1);
  assertEquals(revealedAfter(2, 3, "next"), 3);
  assertEquals(revealedAfter(3, 3, "next"), 3);
  assertEquals(revealedAfter(7, 3, "next"), 3, "a stage whose hints got fewer");
  assertEquals(revealedAfter(1, 3, "all"), 3);
  assertEquals(revealedAfter(2, 3, "reset"), 0);
});

Deno.test("`hint N` on a passing stage says that it passes before the hints", async () => {
  await withState(async (run) => {
    const lines = (await run(n)).split("\n");
    const passes = lines.findIndex((l) => l.includes(`Your stage ${n} already passes`));
    const first = lines.findIndex((l) => l.includes(stage.hints[0]));
    assert(passes > 0 && passes < first, lines.join("\n"));
  }, true);
});

Deno.test("hintLines() numbers the hints and says how many there are", () => {
  const s = { ...stage, hints: ["Why?", "How?"] } as Stage;
  assertEquals(hintLines(s, 1, false, plain, true), [
    `Stage ${s.number} · ${s.name} — hint 1 of 2`,
    "",
    "  1. Why?",
    "",
    `Run \`deno task hint ${s.number}\` again for the next hint.`,
  ]);
});

Deno.test("after the last hint, a passing stage points to the solution only where there is one", () => {
  const s = { ...stage, hints: ["Why?"] } as Stage;
  const last = (solutions: boolean) => hintLines(s, 1, true, plain, solutions).at(-1)!;
  assertStringIncludes(last(true), `compare your code with solutions/${s.file}`);
  assertEquals(last(false).includes("solutions/"), false);
  assertStringIncludes(last(false), "deno task progress");
  assertStringIncludes(hintLines(s, 1, false, plain, true).at(-1)!, `check ${s.number} --verbose`);
});

Deno.test("`hint` rejects a missing, unknown or malformed stage and conflicting flags", async () => {
  await withState(async (run) => {
    for (const args of [[], ["99"], ["abc"], ["3.5"], [n, "--all", "--reset"], [n, "--bogus"]]) {
      await assertRejects(() => run(...args), UsageError);
    }
  });
});

Deno.test("`deno task hint` exits 2 with a clear message for bad input", async () => {
  for (
    const [args, says] of [[["99"], 'There is no stage "99"'], [[], "Say which stage"]] as const
  ) {
    const { code, stderr, stdout } = await runTask("hint", [...args]);
    assertEquals(code, 2);
    assertStringIncludes(stderr, says);
    assertStringIncludes(stderr, "Usage: deno task hint N");
    assertEquals(stdout, "");
  }
});
