import { assertEquals, assertLess } from "@std/assert";
import { BoundedText, ChildMessages, frameLimits, FrameReader } from "./child_output.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const LIMITS = { frame: 1 << 20, total: 4 << 20 };

/**
 * Feeds `chunks` to a reader with prefix `#n1:`; returns the frames, the printed text and the
 * violations reported.
 */
function read(
  chunks: string[],
  limits = LIMITS,
): { frames: string[]; printed: string; violations: string[] } {
  const frames: string[] = [];
  const violations: string[] = [];
  const printed = new BoundedText(1 << 20);
  const reader = new FrameReader(
    "#n1:",
    (f) => frames.push(f),
    printed,
    limits,
    (why) => violations.push(why),
  );
  for (const c of chunks) reader.push(bytes(c));
  reader.end();
  return { frames, printed: printed.text(), violations };
}

Deno.test("FrameReader() takes frames with the nonce out of the printed text", () => {
  assertEquals(read(['hi\n\n#n1:{"a":1}\nbye\n\n#n1:{"b":2}\n']), {
    frames: ['{"a":1}', '{"b":2}'],
    printed: "hi\nbye\n",
    violations: [],
  });
});

Deno.test("FrameReader() reads frames and text cut anywhere between chunks", () => {
  const whole = 'x\n\n#n1:{"a":1}\nno newline before\n#n1:[2]\n\n\nlast';
  for (let cut = 0; cut <= whole.length; cut++) {
    assertEquals(read([whole.slice(0, cut), whole.slice(cut)]), {
      frames: ['{"a":1}', "[2]"],
      printed: "x\nno newline before\n\n\nlast",
      violations: [],
    }, `cut at ${cut}`);
  }
});

Deno.test("FrameReader() prints lines that only look like frames", () => {
  const forged = ['#n2:{"done":true}', "#n1", "#n:{}", " #n1:{}", "\u001e#n1:{}"];
  const { frames, printed } = read(forged.map((l) => `${l}\n`));
  assertEquals(frames, []);
  assertEquals(printed, forged.join("\n") + "\n");
});

Deno.test("FrameReader() keeps 64 KB of a quarter gigabyte of printing, in little memory", () => {
  const printed = new BoundedText(64 * 1024);
  let frames = 0;
  const reader = new FrameReader("#n1:", () => frames++, printed, LIMITS);
  const line = bytes("y".repeat(1023) + "\n");
  const chunk = new Uint8Array(64 * 1024);
  for (let at = 0; at < chunk.length; at += line.length) chunk.set(line, at);
  const endless = bytes("z".repeat(64 * 1024)); // and a line that never ends
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < 2048; i++) reader.push(chunk);
  for (let i = 0; i < 2048; i++) reader.push(endless);
  reader.push(bytes("\n\n#n1:{}\n"));
  reader.end();
  assertLess(Deno.memoryUsage().heapUsed - before, 16 << 20);
  assertEquals(frames, 1);
  assertEquals(printed.text().length, 64 * 1024);
  assertEquals(printed.dropped, 2 * 2048 * 64 * 1024 + 1 - 64 * 1024);
});

Deno.test("BoundedText() keeps the first bytes and counts the rest", () => {
  const t = new BoundedText(5);
  t.write(bytes("abc"));
  t.write(bytes("defg"));
  t.write(bytes("h"));
  assertEquals(t.text(), "abcde");
  assertEquals(t.dropped, 3);
});

Deno.test("FrameReader() refuses a frame over its cap without holding it, and every frame after", () => {
  const big = "x".repeat(3000);
  const r = read(['\n#n1:{"a":1}\n', `\n#n1:${big}`, `${big}\n`, '\n#n1:{"b":2}\n'], {
    frame: 4000,
    total: 1 << 20,
  });
  assertEquals(r.frames, ['{"a":1}']);
  assertEquals(r.violations, ["an answer was larger than 4000 bytes"]);
});

Deno.test("FrameReader() refuses frames over the stage's cap", () => {
  const frame = `\n#n1:${"y".repeat(900)}\n`;
  const r = read(Array(5).fill(frame), { frame: 1000, total: 3000 });
  assertEquals(r.frames.length, 3);
  assertEquals(r.violations, ["its answers came to more than 3000 bytes"]);
});

Deno.test("FrameReader() reports a frame the output ends in the middle of, not as a frame", () => {
  const r = read(['\n#n1:{"id":"a","outcome":{"ok":true,"value":']);
  assertEquals(r.frames, []);
  assertEquals(r.violations, ["its output ended in the middle of an answer"]);
});

Deno.test("frameLimits() scales with the longest reference sequence and the vocabulary", () => {
  const small = frameLimits(40, 50257), long = frameLimits(400, 50257);
  assertLess(Math.abs(long.total - 10 * small.total), 100);
  assertLess(Math.abs(small.total - 4 * small.frame), 4 * 65536 + 1);
  // the largest answer the kit's probes sent for the bundled references (40 tokens), measured
  assertLess(2 * 10_722_526, small.frame);
});

Deno.test("ChildMessages() takes the messages of the child's encoder", () => {
  const m = new ChildMessages(new Set(["a", "b"]));
  m.accept('{"running":"a"}');
  m.accept('{"id":"a","outcome":{"ok":true,"value":{"a":[1,{"n":"NaN"}]}}}');
  m.accept('{"running":"b"}');
  m.accept(
    '{"id":"b","outcome":{"ok":false,"error":{"kind":"exception","name":"E","message":"m"}}}',
  );
  m.accept('{"done":true}');
  assertEquals(m.violation, undefined);
  assertEquals(m.outcomes.get("a"), { ok: true, value: [1, NaN] });
  assertEquals(m.outcomes.get("b"), {
    ok: false,
    error: { kind: "exception", name: "E", message: "m" },
  });
  assertEquals([m.running, m.done], ["b", true]);
});

Deno.test("ChildMessages() stops at the first frame that is not a message of the child", () => {
  const cases: [string, string][] = [
    ['{"id":"a","outcome":{"ok":true,"value":1}}', 'a second answer to "a"'],
    [
      '{"id":"zz","outcome":{"ok":true,"value":3}}',
      'a frame answers "zz", a call the grader did not make',
    ],
    ['{"running":"zz"}', 'a frame answers "zz", a call the grader did not make'],
    ['{"id":"b","outcome":{"ok":"yes"}}', "an answer that is neither a value nor an error"],
    ['{"id":"b","outc', "a frame that is not JSON"],
    ["null", "a frame that is not a message"],
    ['{"done":true,"x":1}', "a frame that is not one of the child's messages"],
    ['{"id":"b","outcome":{"ok":true,"value":[1]}}', "an untagged array or value"],
    [
      '{"id":"b","outcome":{"ok":false,"error":{"kind":"pass","name":"E","message":"m"}}}',
      "an error that is not one the child describes",
    ],
  ];
  for (const [frame, why] of cases) {
    const m = new ChildMessages(new Set(["a", "b"]));
    m.accept('{"id":"a","outcome":{"ok":true,"value":1}}');
    m.accept(frame);
    m.accept('{"done":true}');
    assertEquals(m.violation, why, frame);
    assertEquals([...m.outcomes.keys()], ["a"], frame);
    assertEquals(m.done, false, frame);
  }
});

Deno.test("ChildMessages() takes nothing after the last frame: a second `done` is a violation", () => {
  for (const after of ['{"id":"b","outcome":{"ok":true,"value":2}}', '{"done":true}']) {
    const m = new ChildMessages(new Set(["a", "b"]));
    m.accept('{"id":"a","outcome":{"ok":true,"value":1}}');
    m.accept('{"done":true}');
    m.accept(after);
    assertEquals(m.violation, "a frame after the last one", after);
    assertEquals([...m.outcomes.keys()], ["a"], after);
  }
});

Deno.test("ChildMessages() decodes tensors in outcomes, and never a learner's object as one", () => {
  const m = new ChildMessages(new Set(["t", "fake"]));
  const data = new Uint8Array(new Float32Array([1.5, -2]).buffer).toBase64();
  m.accept(JSON.stringify({ id: "t", outcome: { ok: true, value: { t: { s: [2], d: data } } } }));
  m.accept(JSON.stringify({
    id: "fake",
    outcome: { ok: true, value: { o: { t: { o: { s: { a: [2] }, d: data } } } } },
  }));
  const o = m.outcomes.get("t"), fake = m.outcomes.get("fake");
  assertEquals(o?.ok && o.value, { shape: [2], data: new Float32Array([1.5, -2]) });
  assertEquals(fake?.ok && fake.value, { t: { s: [2], d: data } });
});
