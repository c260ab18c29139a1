import { assertEquals, assertThrows } from "@std/assert";
import type { Stage } from "../grader/stage.ts";
import { checkOrWrite, parseCommandLine, stageArg, UsageError } from "./_cli.ts";

const STAGES = [1, 2, 3].map((n) => ({ number: n, name: `S${n}` }) as Stage);

Deno.test("stageArg() finds a stage by its number", () => {
  assertEquals(stageArg("2", STAGES, "deno task hint").name, "S2");
});

Deno.test("stageArg() says which stages exist when the number is missing, unknown or not one", () => {
  assertThrows(
    () => stageArg(undefined, STAGES, "deno task hint"),
    UsageError,
    "Say which stage: `deno task hint N` with N one of 1, 2, 3.",
  );
  for (const bad of ["9", "0", "abc", "2.0", "-1", " 2", ""]) {
    assertThrows(
      () => stageArg(bad, STAGES, "deno task hint"),
      UsageError,
      `There is no stage "${bad}": choose one of 1, 2, 3.`,
    );
  }
});

Deno.test("parseCommandLine() reads flags and positionals", () => {
  const { values, positionals } = parseCommandLine(["3", "--all"], {
    all: { type: "boolean", default: false },
    reset: { type: "boolean", default: false },
  }, 1);
  assertEquals({ ...values }, { all: true, reset: false });
  assertEquals(positionals, ["3"]);
});

Deno.test("parseCommandLine() turns unknown options and extra arguments into one-line usage errors", () => {
  const options = { all: { type: "boolean" as const } };
  assertThrows(
    () => parseCommandLine(["--nope"], options, 1),
    UsageError,
    "Unknown option '--nope'.",
  );
  const extra = assertThrows(() => parseCommandLine(["3", "4"], options, 1), UsageError);
  assertEquals(extra.message, 'Unexpected argument "4".');
  assertThrows(() => parseCommandLine(["x"], {}, 0), UsageError, 'Unexpected argument "x".');
});

Deno.test("checkOrWrite() tells --check from writing, prints the usage for --help, refuses the rest", () => {
  assertEquals(checkOrWrite([], "Usage: x"), "write");
  assertEquals(checkOrWrite(["--check"], "Usage: x"), "check");
  const printed: unknown[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => printed.push(...a);
  try {
    assertEquals(checkOrWrite(["--help"], "Usage: x"), undefined);
  } finally {
    console.log = log;
  }
  assertEquals(printed, ["Usage: x"]);
  assertThrows(() => checkOrWrite(["--write"], "Usage: x"), UsageError, "--write");
  assertThrows(() => checkOrWrite(["extra"], "Usage: x"), UsageError, "extra");
});
