import { assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { TINY } from "../grader/context.ts";
import type { ChildRun } from "../grader/run_stage.ts";
import type { ProbeOutcome } from "../grader/wire.ts";
import { learnerOutcome, StudioSession } from "./session.ts";

const session = new StudioSession({ learnerDir: kitPath("exercises"), files: TINY });
const stage = session.stage(3);

function run(outcomes: Record<string, ProbeOutcome>, extra: Partial<ChildRun> = {}): ChildRun {
  return {
    outcomes: new Map(Object.entries(outcomes)),
    output: "",
    dropped: 0,
    peakMb: 0,
    ...extra,
  };
}

const double = (v: unknown) => {
  if (typeof v !== "number") throw new TypeError(`expected a number, found ${typeof v}`);
  return 2 * v;
};

Deno.test("learnerOutcome() gives the value, read by the panel", () => {
  assertEquals(learnerOutcome(run({ a: { ok: true, value: 21 } }), "a", stage, double), {
    state: "ready",
    value: 42,
  });
});

Deno.test("learnerOutcome() says a stage still calling todo() is not started, with its first hint", () => {
  const todo = { kind: "not-implemented" as const, name: "NotImplementedError", message: "todo" };
  const notStarted = { state: "not-started" as const, stage: 3, hint: stage.hints[0] };
  assertEquals(
    learnerOutcome(run({ a: { ok: false, error: todo } }), "a", stage, double),
    notStarted,
  );
  assertEquals(learnerOutcome(run({}, { importError: todo }), "a", stage, double), notStarted);
});

Deno.test("learnerOutcome() reports errors in the grader's words, with where they were thrown", () => {
  const thrown = {
    kind: "exception" as const,
    name: "RangeError",
    message: "bad shape",
    at: "exercises/3_attention.ts:12:5",
  };
  const error = (message: string) => ({ state: "error" as const, stage: 3, message });
  assertEquals(
    learnerOutcome(run({ a: { ok: false, error: thrown } }), "a", stage, double),
    error("RangeError: bad shape (at exercises/3_attention.ts:12:5)"),
  );
  assertEquals(
    learnerOutcome(run({}, { importError: thrown }), "a", stage, double),
    error(
      "Could not load 3_attention.ts: RangeError: bad shape (at exercises/3_attention.ts:12:5)",
    ),
  );
  assertEquals(
    learnerOutcome(run({}, { stopped: "Stopped after 120 s" }), "a", stage, double),
    error("Stopped after 120 s"),
  );
  assertEquals(
    learnerOutcome(run({ a: { ok: true, value: "x" } }), "a", stage, double),
    error("expected a number, found string"),
  );
});

Deno.test("a StudioSession without references says how to make them, and grades nothing", async () => {
  const custom = { ...TINY, model: "custom", refsPath: undefined };
  using s = new StudioSession({ learnerDir: kitPath("exercises"), files: custom });
  assertEquals(s.problem?.includes("deno task refs"), true);
  await s.filesChanged();
  assertEquals(s.status(), { files: 1, results: 0, grading: 0 });
});

Deno.test("filesChanged() grades the stages again and counts the results", async () => {
  using s = new StudioSession({ learnerDir: kitPath("exercises"), files: TINY });
  const first = [s.stage(1), s.stage(2)];
  await s.regrade(first);
  assertEquals(s.status(), { files: 0, results: 2, grading: 0 });
  assertEquals(s.result(1)?.status, "not-started");
  const again = s.filesChanged();
  assertEquals(s.status().files, 1);
  assertEquals(s.grading(6), true);
  await again;
  assertEquals(s.status(), { files: 1, results: 8, grading: 0 });
});
