import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { styles } from "../grader/report/pretty.ts";
import type { Stage, StageResult, StageStatus } from "../grader/stage.ts";
import type { Grade } from "./_cli.ts";
import type { FsWatch } from "./_file_changes.ts";
import { runTask } from "./_test_helpers.ts";
import { type WatchEvent, type WatchOptions, watchScreen, watchStages } from "./watch.ts";

const STAGE_A = { number: 1, name: "A", file: "1_a.ts", hints: [] } as unknown as Stage;
const STAGE_B = { number: 2, name: "B", file: "2_b.ts", hints: [] } as unknown as Stage;

function result(stage: Stage, status: StageStatus): StageResult {
  return {
    stage: stage.number,
    name: stage.name,
    file: `exercises/${stage.file}`,
    status,
    message: status,
    checks: [],
    ms: 1,
  };
}

/** A watcher under test: its events arrive in a queue; `next()` waits for one (or fails). */
function harness(dir: string, statuses: Map<Stage, StageStatus>, extra: Partial<WatchOptions>) {
  const events: WatchEvent[] = [];
  const waiting: ((e: WatchEvent) => void)[] = [];
  const graded: number[] = [];
  const grade: Grade = (stage) => {
    graded.push(stage.number);
    return Promise.resolve(result(stage, statuses.get(stage) ?? "not-started"));
  };
  const stop = new AbortController();
  const done = watchStages({
    dir,
    stages: [STAGE_A, STAGE_B],
    grade,
    signal: stop.signal,
    debounceMs: 20,
    // by default only file-system events can cause a re-grade; polling tests set pollMs
    pollMs: 60_000,
    onEvent: (e) => {
      const w = waiting.shift();
      if (w) w(e);
      else events.push(e);
    },
    ...extra,
  });
  const next = (timeoutMs = 5000) => {
    const queued = events.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<WatchEvent>((resolve, reject) => {
      const take = (e: WatchEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(take), 1);
        reject(new Error("no event from the watcher"));
      }, timeoutMs);
      waiting.push(take);
    });
  };
  const finish = async () => {
    stop.abort();
    await done;
  };
  return { next, graded, finish };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "watch_test_" });
  await Deno.writeTextFile(`${dir}/1_a.ts`, "// start\n");
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function graded(e: WatchEvent): Extract<WatchEvent, { kind: "graded" }> {
  assertEquals(e.kind, "graded", JSON.stringify(e));
  return e as Extract<WatchEvent, { kind: "graded" }>;
}

let saves = 0;
/** Saves a file with a new size, so that even a coarse modification time shows the change. */
function save(dir: string, name = "1_a.ts"): Promise<void> {
  return Deno.writeTextFile(`${dir}/${name}`, `// save ${++saves}\n`.repeat(saves));
}

Deno.test("watchStages() grades at once, then again when a file is saved (file-system events)", async () => {
  await withDir(async (dir) => {
    const w = harness(dir, new Map(), {});
    try {
      assertEquals(graded(await w.next()).result.stage, 1);
      await save(dir);
      const again = graded(await w.next());
      assertEquals(again.result.stage, 1);
      assertEquals(w.graded, [1, 1]);
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() re-grades on saves when polling (--poll)", async () => {
  await withDir(async (dir) => {
    const w = harness(dir, new Map(), {
      poll: true,
      pollMs: 40,
      watchFs: () => {
        throw new Error("events must not be used with --poll");
      },
    });
    try {
      const first = await w.next();
      assertEquals(first, { kind: "polling", reason: "--poll was given" });
      graded(await w.next());
      await save(dir);
      graded(await w.next());
      assertEquals(w.graded, [1, 1]);
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() falls back to polling when Deno.watchFs throws", async () => {
  await withDir(async (dir) => {
    const w = harness(dir, new Map(), {
      pollMs: 40,
      watchFs: () => {
        throw new Error("not supported");
      },
    });
    try {
      const first = await w.next();
      assert(first.kind === "polling");
      assertStringIncludes(first.reason, "not supported");
      graded(await w.next());
      await save(dir);
      graded(await w.next());
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() falls back to polling when file-system events never arrive", async () => {
  await withDir(async (dir) => {
    let closed = false;
    // a watcher that delivers no event until it is closed
    const silent: FsWatch = () => {
      let close = () => {};
      const ended = new Promise<IteratorResult<Deno.FsEvent>>((resolve) =>
        close = () => {
          closed = true;
          resolve({ done: true, value: undefined });
        }
      );
      return { close, [Symbol.asyncIterator]: () => ({ next: () => ended }) };
    };
    const w = harness(dir, new Map(), { watchFs: silent, pollMs: 40 });
    try {
      graded(await w.next());
      await save(dir);
      const fallback = await w.next();
      assertEquals(fallback.kind, "polling");
      assert(closed, "the silent watcher is closed");
      graded(await w.next());
      assertEquals(w.graded, [1, 1]);
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() ignores files that are not TypeScript sources (backups, swap files)", async () => {
  await withDir(async (dir) => {
    const w = harness(dir, new Map(), {});
    try {
      graded(await w.next());
      await save(dir, "1_a.ts.bak-20250101-000000");
      await save(dir, ".1_a.ts.swp");
      const quiet = await w.next(400).then(() => false, () => true);
      assert(quiet, "a backup or swap file caused a re-grade");
      await save(dir);
      graded(await w.next());
      assertEquals(w.graded, [1, 1]);
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() moves on to the next stage when the watched one passes, and says so", async () => {
  await withDir(async (dir) => {
    const statuses = new Map<Stage, StageStatus>([[STAGE_A, "fail"]]);
    const w = harness(dir, statuses, {});
    try {
      const first = graded(await w.next());
      assertEquals([first.result.stage, first.passed.length, first.done], [1, 0, false]);
      statuses.set(STAGE_A, "pass");
      await save(dir);
      const moved = graded(await w.next());
      assertEquals(moved.passed.map((r) => r.stage), [1]);
      assertEquals([moved.result.stage, moved.result.status, moved.done], [
        2,
        "not-started",
        false,
      ]);
      statuses.set(STAGE_B, "pass");
      await save(dir, "2_b.ts");
      const done = graded(await w.next());
      assertEquals([done.result.stage, done.passed.length, done.done], [2, 0, true]);
      assertEquals(w.graded, [1, 1, 2, 2]);
    } finally {
      await w.finish();
    }
  });
});

Deno.test("watchStages() starts at the given stage and stops cleanly when aborted", async () => {
  await withDir(async (dir) => {
    const w = harness(dir, new Map(), { start: STAGE_B });
    assertEquals(graded(await w.next()).result.stage, 2);
    await w.finish();
    assertEquals(w.graded, [2]);
  });
});

Deno.test("watchScreen() says which stages passed, shows the watched stage, and how to stop", () => {
  const lines = watchScreen(
    {
      kind: "graded",
      result: result(STAGE_B, "not-started"),
      passed: [result(STAGE_A, "pass")],
      done: false,
    },
    styles(false),
    "file-system events",
    new Date(2025, 0, 1, 9, 45, 0),
    false,
  ).join("\n");
  assertStringIncludes(lines, "✓ Stage 1 · A passes: on to stage 2.");
  assertStringIncludes(lines, "Stage 2 · B");
  assertStringIncludes(lines, "not started");
  assertStringIncludes(lines, "Checked at 09:45:00");
  assertStringIncludes(lines, "Ctrl-C stops");
  const done = watchScreen(
    { kind: "graded", result: result(STAGE_B, "pass"), passed: [], done: true },
    styles(false),
    "file-system events",
    new Date(),
    true,
  ).join("\n");
  assertStringIncludes(done, "Congratulations");
  assertStringIncludes(done, "deno task check all --model gpt2");
});

Deno.test("`deno task watch` exits 2 with a clear message for an unknown stage", async () => {
  const { code, stderr } = await runTask("watch", ["abc"]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, 'There is no stage "abc"');
  assertStringIncludes(stderr, "Usage: deno task watch");
});
