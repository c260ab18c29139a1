import { assertEquals, assertThrows } from "@std/assert";
import { gradeContext, TINY } from "./context.ts";
import {
  defaultPoints,
  loadPoints,
  POINTS_PATH,
  PointsError,
  pointsOf,
  pointsProblems,
} from "./points.ts";
import { gradeStage } from "./run_stage.ts";
import { STAGES } from "./stages/mod.ts";
import { runTask, withStubs } from "../commands/_test_helpers.ts";

Deno.test(
  "grader/points.json names only stages and checks that exist (after renaming a check, fix " +
    "the manifest or rewrite it with `deno task points`)",
  () => {
    const manifest = JSON.parse(Deno.readTextFileSync(POINTS_PATH));
    assertEquals(pointsProblems(manifest, STAGES), []);
    loadPoints(STAGES);
  },
);

Deno.test("pointsProblems() names unknown stages and checks, and points that are not points", () => {
  const [first] = STAGES;
  const name = first.checks[0].name;
  assertEquals(
    pointsProblems({
      [first.number]: { [name]: 2, "a check renamed since": 3, [first.checks[1].name]: -1 },
      "99": { x: 1 },
    }, STAGES),
    [
      `stage ${first.number} has no check "a check renamed since"`,
      `stage ${first.number}, "${first.checks[1].name}": points must be a number >= 0, found -1`,
      `there is no stage "99" (stages: ${STAGES.map((s) => s.number).join(", ")})`,
    ],
  );
  assertEquals(pointsProblems([], STAGES).length, 1);
  assertEquals(pointsProblems({ [first.number]: { [name]: 0 } }, STAGES), []);
});

Deno.test("loadPoints() refuses a manifest that names a check that does not exist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "points_test_" });
  try {
    const path = `${dir}/points.json`;
    await Deno.writeTextFile(path, JSON.stringify({ [STAGES[0].number]: { nope: 1 } }));
    const e = assertThrows(() => loadPoints(STAGES, path), PointsError);
    assertEquals(e.problems, [`stage ${STAGES[0].number} has no check "nope"`]);
    await Deno.writeTextFile(path, "{not json");
    assertThrows(() => loadPoints(STAGES, path), PointsError, "Cannot read the points manifest");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pointsOf() takes the manifest's entry, else the check's default, else 1", () => {
  const stage = STAGES[0];
  const [a, b] = stage.checks;
  const manifest = { [stage.number]: { [a.name]: 7 } };
  assertEquals(pointsOf(manifest, stage, a), 7);
  assertEquals(pointsOf(manifest, stage, b), b.points ?? 1);
  assertEquals(pointsOf({}, stage, { ...b, points: undefined }), 1);
  assertEquals(defaultPoints(STAGES)[stage.number][a.name], a.points ?? 1);
});

Deno.test("a graded stage's points come from the manifest", async () => {
  const stage = STAGES.find((s) => s.number === 3)!;
  const points = { "3": Object.fromEntries(stage.checks.map((c) => [c.name, 5])) };
  const r = await withStubs((learnerDir) =>
    gradeStage(stage, gradeContext(TINY), {
      learnerDir,
      configPath: TINY.configPath,
      weightsPath: TINY.weightsPath,
      tokenizerDir: TINY.tokenizerDir,
      timeLimitMs: 60_000,
      memoryLimitMb: 4096,
      points,
    })
  );
  assertEquals(r.checks.map((c) => c.maxPoints), r.checks.map((c) => c.status === "n/a" ? 0 : 5));
  assertEquals(r.checks.map((c) => c.points), r.checks.map(() => 0)); // not started: no points
});

Deno.test("`deno task points --check` accepts the kit's manifest", async () => {
  const r = await runTask("points", ["--check"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.stdout.split("\n")[0], "grader/points.json matches the checks.");
});
