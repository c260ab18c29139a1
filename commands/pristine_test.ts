import { assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { loadPristine } from "./reset.ts";
import { runTask } from "./_test_helpers.ts";
import { differences, readExercises, snapshotText } from "./pristine.ts";

Deno.test(
  "grader/pristine.json matches exercises/ (guards the kit's repository: a learner who edits " +
    "exercises/ will see this fail; maintainers run `deno task pristine` after changing a stub)",
  async () => {
    const snapshot = await loadPristine();
    const exercises = await readExercises(kitPath("exercises"));
    assertEquals(differences(snapshot, exercises), []);
    assertEquals(
      await Deno.readTextFile(kitPath("grader", "pristine.json")),
      snapshotText(exercises),
    );
  },
);

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
