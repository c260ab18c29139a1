// gpt2-kit: reveals-solutions (grades adversarial copies of solutions/)
//
// Adversarial submissions: each attack sits in stage 2 of a copy of the solutions, stages 2 and
// 3 are graded, and the attack must become stage 2's result — contained, reported in words a
// learner understands — while stage 3, the untouched solution, still passes.
import { assert, assertEquals, assertLess, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import type { StageResult } from "./stage.ts";
import { STAGES } from "./stages/mod.ts";
import {
  gradeDir,
  learnerText,
  TEST_MEMORY_LIMIT_MB,
  TEST_TIME_LIMIT_MS,
  withMutatedCopy,
} from "./test_support.ts";

const EMBEDDING = STAGES.find((s) => s.number === 2)!;
const ATTENTION = STAGES.find((s) => s.number === 3)!;
const TOKENIZER = STAGES.find((s) => s.number === 1)!;
const MLP = STAGES.find((s) => s.number === 4)!;
/** A short time limit, so that the endless loop ends soon (a busy machine loads in time). */
const SHORT = { timeLimitMs: 10_000, memoryLimitMb: TEST_MEMORY_LIMIT_MB };
/** A small memory cap for the memory hogs (the cap must stop them, not the clock). */
const SMALL = { timeLimitMs: TEST_TIME_LIMIT_MS, memoryLimitMb: 300 };
/** The tests' usual limits, which a busy machine does not reach. */
const USUAL = { timeLimitMs: TEST_TIME_LIMIT_MS, memoryLimitMb: TEST_MEMORY_LIMIT_MB };

/** Where the attack goes: before the first class (import time) or inside `Embedding.forward`. */
const AT_IMPORT = "export class Embedding extends nn.Module {";
const IN_FORWARD = "return this.weight.indexSelect(0, ids);";

/** What happened to stage 2, and the directory it was graded in (still there). */
interface Attack {
  r: StageResult;
  dir: string;
}

/** Puts `code` at the top of stage 2's file, run when it is imported. */
const atImport = (code: string): [string, string] => [AT_IMPORT, `${code}\n${AT_IMPORT}`];
/** Puts `code` in place of the body of `Embedding.forward`. */
const inForward = (code: string): [string, string] => [IN_FORWARD, code];

/**
 * Grades stages 2 (with the attack) and 3 (untouched) of a copy of the solutions, asserts that
 * stage 2 ended within its time limit and that stage 3 passes, and hands stage 2's result to
 * `expect`.
 */
async function attack(
  replacements: [string, string][],
  expect: (a: Attack) => void | Promise<void>,
  limits = USUAL,
): Promise<void> {
  await withMutatedCopy("2_embedding.ts", replacements, async (dir) => {
    const started = performance.now();
    const r = await gradeDir(EMBEDDING, dir, limits);
    assertLess(performance.now() - started, limits.timeLimitMs + 5000, "stage 2 took too long");
    const three = await gradeDir(ATTENTION, dir); // the tests' usual limits: a busy machine

    assertEquals(three.status, "pass", `stage 3 after the attack: ${three.message}`);
    await expect({ r, dir });
  });
}

function failures(r: StageResult): string {
  return r.checks.filter((c) => c.status === "fail").map(learnerText).join("\n");
}

Deno.test("an endless loop is stopped at the time limit, naming the call it was in", async () => {
  await attack([inForward("for (;;) { /* spin */ }")], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /^Stopped after 10 s, the time limit of a stage, while your code ran/);
    assertStringIncludes(r.message, "an endless loop");
  }, SHORT);
});

Deno.test("a throw at import time is the file's error, with its line", async () => {
  await attack([atImport('throw new RangeError("broken at import");')], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /^Could not load .*2_embedding\.ts: RangeError: broken at import$/);
    assertMatch(r.error?.at ?? "", /2_embedding\.ts:\d+:\d+$/);
  });
});

Deno.test("Deno.exit(0) at import time is the file's error, not an early end", async () => {
  await attack([atImport("Deno.exit(0);")], ({ r }) => {
    assertEquals(r.status, "error");
    assertStringIncludes(r.message, "ExitError: Deno.exit() ends the grading process");
    assertMatch(r.error?.at ?? "", /2_embedding\.ts:\d+:\d+$/);
  });
});

Deno.test("Deno.exit(0) inside a method is that call's error, not an early end", async () => {
  await attack([inForward("Deno.exit(0);")], ({ r }) => {
    assertEquals(r.status, "fail", r.message);
    assertStringIncludes(failures(r), "ExitError: Deno.exit() ends the grading process");
    assertMatch(failures(r), /at .*2_embedding\.ts:\d+:\d+/);
  });
});

Deno.test("allocating until the memory cap stops the stage with the cap named", async () => {
  await attack(
    [atImport(
      "const hog: Float64Array[] = [];\nfor (;;) hog.push(new Float64Array(1 << 22).fill(1));",
    )],
    ({ r }) => {
      assertEquals(r.status, "error");
      assertMatch(r.message, /over the memory limit of a stage \(300 MiB\)/);
    },
    SMALL,
  );
});

Deno.test("filling the JavaScript heap stops the stage as out of memory, without V8's dump", async () => {
  await attack(
    [atImport("const hog: object[] = [];\nfor (let i = 0; ; i++) hog.push({ i, s: `row ${i}` });")],
    ({ r }) => {
      assertEquals(r.status, "error");
      assertMatch(r.message, /memory (limit )?of a stage/);
      assertEquals((r.output ?? "").includes("Last few GCs"), false, r.output);
    },
    SMALL,
  );
});

Deno.test("reading solutions/ is refused, and the message says what the sandbox allows", async () => {
  const read = `await Deno.readTextFile(${
    JSON.stringify(kitPath("solutions", "2_embedding.ts"))
  });`;
  await attack([atImport(read)], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /Requires read access to .*solutions\/2_embedding\.ts/);
    assertStringIncludes(r.message, "may only read its own files, the library and the model");
    assertEquals(r.message.includes("--allow-read"), false);
  });
});

Deno.test("importing solutions/ is refused, statically and dynamically", async () => {
  // by its absolute path (the permission), and by the relative one that reaches it from
  // exercises/ (the snapshot has no solutions/ beside it)
  const absolute = JSON.stringify(kitPath("solutions", "2_embedding.ts"));
  await attack([atImport(`import { Embedding as _E } from ${absolute};`)], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /Requires read access to .*solutions\/2_embedding\.ts/);
  });
  await attack([atImport(`await import(${absolute});`)], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /Requires read access to .*solutions\/2_embedding\.ts/);
  });
  await attack([atImport('await import("../solutions/2_embedding.ts");')], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /Module not found/);
  });
  // the references the grader compares with are out of reach too
  const refs = `await Deno.readFile(${
    JSON.stringify(kitPath("data", "reference", "tiny.safetensors"))
  });`;
  await attack([atImport(refs)], ({ r }) => {
    assertMatch(r.message, /Requires read access to .*tiny\.safetensors/);
  });
});

Deno.test("the network, writing files, the environment and subprocesses are refused", async () => {
  const atLoad: [string, RegExp][] = [
    ['await fetch("http://127.0.0.1:8080/");', /Requires net access to "127\.0\.0\.1:8080"/],
    ['await Deno.connect({ hostname: "127.0.0.1", port: 8080 });', /Requires net access/],
  ];
  for (const [code, says] of atLoad) {
    await attack([atImport(code)], ({ r }) => {
      assertEquals(r.status, "error", code);
      assertMatch(r.message, says);
      assertStringIncludes(r.message, "no writing, network, environment variables");
    });
  }
  const inCall: [string, RegExp][] = [
    ['Deno.env.get("HOME");', /Requires env access/],
    [
      'new Deno.Command("/bin/sh", { args: ["-c", "exit 0"] }).outputSync();',
      /Requires run access/,
    ],
  ];
  for (const [code, says] of inCall) {
    await attack([inForward(`${code}\n${IN_FORWARD}`)], ({ r }) => {
      assertEquals(r.status, "fail", code);
      assertMatch(failures(r), says);
      assertStringIncludes(failures(r), "no writing, network, environment variables");
    });
  }
  const write = 'Deno.writeTextFileSync(new URL("./written.txt", import.meta.url), "x");';
  await attack([atImport(write)], async ({ r, dir }) => {
    assertMatch(r.message, /Requires write access to .*written\.txt/);
    assertEquals(await Deno.stat(`${dir}/written.txt`).catch(() => "absent"), "absent");
  });
});

Deno.test("the library's classes cannot be patched, and the wire ignores patched built-ins", async () => {
  const zeros = "Tensor.prototype.indexSelect = function (this: Tensor) " +
    "{ return Tensor.zeros([...this.shape]); };";
  await attack([atImport(zeros)], ({ r }) => {
    assertEquals(r.status, "error", r.message);
    assertMatch(r.message, /Cannot assign to read only property 'indexSelect'/);
  });
  const wire =
    "(Uint8Array.prototype as unknown as { toBase64(): string }).toBase64 = () => 'AAAA';";
  await attack([atImport(wire)], ({ r }) => {
    assertEquals(r.status, "pass", r.message);
  });
});

Deno.test("a megabyte of printing is cut to 64 KB in the report, with the rest counted", async () => {
  await attack([atImport('console.log("x".repeat(1 << 20));')], ({ r }) => {
    assertEquals(r.status, "pass", r.message);
    assertLess(r.output!.length, 64 * 1024 + 200);
    assert(r.outputDropped! > (1 << 20) - 64 * 1024, `dropped ${r.outputDropped}`);
    assertStringIncludes(r.output!, "more bytes of output were not kept");
  });
});

Deno.test("an error thrown in a timer is printed and grading goes on", async () => {
  const late = 'setTimeout(() => { throw new Error("late boom"); }, 0);\n' +
    "await new Promise((wake) => setTimeout(wake, 20));";
  await attack([atImport(late)], ({ r }) => {
    assertEquals(r.status, "pass", r.message);
    assertStringIncludes(
      r.output ?? "",
      "Uncaught in a timer or promise of your code: Error: late boom",
    );
  });
});

Deno.test("printed frames are not results, and the nonce cannot be read from the learner's code", async () => {
  // the learner's code patches every built-in a result line passes through, looks for the
  // nonce everywhere its module scope reaches, and prints forged frames
  const spy = `
const seen: string[] = [];
const typed = Object.getPrototypeOf(Uint8Array.prototype);
const length = Object.getOwnPropertyDescriptor(typed, "length")!.get!;
const look = (x: unknown) => {
  const s = typeof x === "string" ? x : x instanceof Uint8Array && length.call(x) < 1e5
    ? new TextDecoder().decode(x) : "";
  if (s.includes("GPT2KIT")) seen.push(s);
};
const encode = TextEncoder.prototype.encode;
TextEncoder.prototype.encode = function (s?: string) { look(s); return encode.call(this, s); };
const sub = Uint8Array.prototype.subarray;
Uint8Array.prototype.subarray = function (this: Uint8Array, ...a: number[]) {
  look(this); return sub.apply(this, a);
} as typeof sub;
const stringify = JSON.stringify;
JSON.stringify = ((...a: Parameters<typeof stringify>) => {
  const s = stringify(...a); look(s); return s;
}) as typeof stringify;
Object.defineProperty(typed, "length", { get() { look(this); return length.call(this); } });
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const reach: string[] = Object.getOwnPropertyNames(globalThis).map((k) => {
  try { return String((globalThis as Record<string, unknown>)[k]); } catch { return ""; }
});
try { reach.push(await new Response(Deno.stdin.readable).text()); } catch { /* closed */ }
try { reach.push(String(Object.values(await import(${
    JSON.stringify(kitPath("grader", "child.ts"))
  })))); } catch { /**/ }
console.log("\\u001eGPT2KIT:not-the-nonce:" + stringify({ done: true }));
console.log("\\u001eGPT2KIT:" + stringify({ id: "emb:keys", outcome: { ok: true, value: 1 } }));
const report = () => console.log(
  "SPY " + seen.length + " " + reach.filter((s) => uuid.test(s)).length,
);
`;
  await attack([atImport(spy), inForward(`report();\n${IN_FORWARD}`)], ({ r }) => {
    assertEquals(r.status, "pass", r.message);
    assertStringIncludes(r.output ?? "", "SPY 0 0");
    assertStringIncludes(r.output ?? "", "not-the-nonce");
  });
});

Deno.test("patched built-ins cannot hide an MLP that writes into its input", async () => {
  // the built-ins a naive comparison would use are patched to say "no change" (Math.abs alone
  // hid the change from the grader's earlier x.sub(before).abs().max() check)
  const hide = `
(Math as { abs: (x: number) => number }).abs = () => 0;
Object.getPrototypeOf(Float32Array.prototype).every = () => true;
Object.is = () => true;
try { (Tensor.prototype as { clone: () => Tensor }).clone = function (this: Tensor) { return this; }; }
catch { /* frozen */ }
`;
  const r = await withMutatedCopy(
    "4_mlp.ts",
    [
      ["export class Conv1D", `${hide}\nexport class Conv1D`],
      [
        "const h = gelu(this.c_fc.forward(x)); // (B, T, 4C)",
        "const h = gelu(this.c_fc.forward(x));\n    x.data.fill(0);",
      ],
    ],
    (dir) => gradeDir(MLP, dir),
  );
  const c = r.checks.find((c) => c.name === "MLP does not modify its input")!;
  assertEquals([c.status, c.message], ["fail", "forward(x) changed x"]);
});

Deno.test("the grader's tokenizer oracle cannot be imported, by name or by path", async () => {
  const oracle = kitPath("node_modules", "js-tiktoken");
  for (
    const [from, says] of [
      ['"js-tiktoken"', /"js-tiktoken" not a dependency and not in import map/],
      [JSON.stringify(`${oracle}/dist/index.js`), /Requires read access to .*js-tiktoken/],
    ] as const
  ) {
    const r = await withMutatedCopy(
      "1_tokenizer.ts",
      [[
        "export function bytesToUnicode",
        `await import(${from});\nexport function bytesToUnicode`,
      ]],
      (dir) => gradeDir(TOKENIZER, dir),
    );
    assertEquals(r.status, "error", from);
    assertMatch(r.message, says);
  }
});

Deno.test("the model's folder is not readable, only its files: the references stay out of reach", async () => {
  // data/tokenizer/ stands for data/gpt2/, where reference.safetensors sits beside vocab.json
  const read = `await Deno.readTextFile(${
    JSON.stringify(kitPath("data", "tokenizer", "SHA256SUMS"))
  });`;
  await attack([atImport(read)], ({ r }) => {
    assertEquals(r.status, "error");
    assertMatch(r.message, /Requires read access to .*data\/tokenizer\/SHA256SUMS/);
  });
});
