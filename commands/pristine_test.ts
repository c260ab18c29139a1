import { assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { loadPristine } from "./reset.ts";
import { runTask } from "./_test_helpers.ts";
import { differences, readExercises, snapshotText, staleStubs } from "./pristine.ts";

Deno.test(
  "grader/pristine.json matches every exercise file that is still a stub (maintainers run " +
    "`deno task pristine` after changing a stub; a learner's work is left alone)",
  async () => {
    const snapshot = await loadPristine();
    assertEquals(staleStubs(snapshot, await readExercises(kitPath("exercises"))), []);
    assertEquals(
      await Deno.readTextFile(kitPath("grader", "pristine.json")),
      snapshotText(snapshot),
    );
  },
);

Deno.test("staleStubs() reports a changed stub, not a learner's work or a finished file", () => {
  const snapshot = { "1_a.ts": 'todo("a")\ntodo("b")\n', "2_b.ts": 'todo("c")\n' };
  assertEquals(staleStubs(snapshot, { ...snapshot }), []);
  const learner = { "1_a.ts": 'return 1;\ntodo("b")\n', "2_b.ts": "done\n" };
  assertEquals(staleStubs(snapshot, learner), []);
  const edited = { ...snapshot, "2_b.ts": 'todo("c, reworded")\n', "3_c.ts": "new" };
  assertEquals(staleStubs(snapshot, edited), [
    "2_b.ts differs from the snapshot",
    "3_c.ts is in exercises/ but not in the snapshot",
  ]);
});

Deno.test("differences() names each added, removed and changed file", () => {
  const snapshot = { "1_a.ts": "a", "2_b.ts": "b", "3_c.ts": "c" };
  const now = { "1_a.ts": "a", "2_b.ts": "b, edited", "4_d.ts": "d" };
  assertEquals(differences(snapshot, now), [
    "2_b.ts differs from the snapshot",
    "3_c.ts is in the snapshot but not in exercises/",
    "4_d.ts is in exercises/ but not in the snapshot",
  ]);
  assertEquals(differences(snapshot, { ...snapshot }), []);
});

Deno.test("readExercises() takes the .ts files only, sorted; snapshotText() is stable JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pristine_test_" });
  try {
    await Deno.writeTextFile(`${dir}/2_b.ts`, "b\n");
    await Deno.writeTextFile(`${dir}/1_a.ts`, 'a "quoted" ✓\n');
    await Deno.writeTextFile(`${dir}/1_a.ts.bak-20250101-000000`, "backup");
    await Deno.mkdir(`${dir}/sub.ts`);
    const files = await readExercises(dir);
    assertEquals(Object.keys(files), ["1_a.ts", "2_b.ts"]);
    const text = snapshotText({ "2_b.ts": files["2_b.ts"], "1_a.ts": files["1_a.ts"] });
    assertEquals(text, '{\n  "1_a.ts": "a \\"quoted\\" ✓\\n",\n  "2_b.ts": "b\\n"\n}\n');
    assertEquals(JSON.parse(text), files);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`deno task pristine --check` exits 0 exactly when the snapshot matches exercises/", async () => {
  const diff = differences(await loadPristine(), await readExercises(kitPath("exercises")));
  const { code, stdout, stderr } = await runTask("pristine", ["--check"]);
  assertEquals(code, diff.length ? 1 : 0, stdout + stderr);
});
