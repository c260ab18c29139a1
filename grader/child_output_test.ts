import { assertEquals, assertLess } from "@std/assert";
import { BoundedText, ChildMessages, FrameReader } from "./child_output.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Feeds `chunks` to a reader with prefix `#n1:`; returns the frames and the printed text. */
function read(chunks: string[], limit = 1 << 20): { frames: string[]; printed: string } {
  const frames: string[] = [];
  const printed = new BoundedText(limit);
  const reader = new FrameReader("#n1:", (f) => frames.push(f), printed);
  for (const c of chunks) reader.push(bytes(c));
  reader.end();
  return { frames, printed: printed.text() };
}

Deno.test("FrameReader() takes frames with the nonce out of the printed text", () => {
  assertEquals(read(['hi\n\n#n1:{"a":1}\nbye\n\n#n1:{"b":2}\n']), {
    frames: ['{"a":1}', '{"b":2}'],
    printed: "hi\nbye\n",
  });
});

Deno.test("FrameReader() reads frames and text cut anywhere between chunks", () => {
  const whole = 'x\n\n#n1:{"a":1}\nno newline before\n#n1:[2]\n\n\nlast';
  for (let cut = 0; cut <= whole.length; cut++) {
    assertEquals(read([whole.slice(0, cut), whole.slice(cut)]), {
      frames: ['{"a":1}', "[2]"],
      printed: "x\nno newline before\n\n\nlast",
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
  const reader = new FrameReader("#n1:", () => frames++, printed);
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

Deno.test("ChildMessages() accepts outcomes only for calls asked for, once each", () => {
  const m = new ChildMessages(new Set(["a", "b"]));
  m.accept('{"running":"a"}');
  m.accept('{"id":"a","outcome":{"ok":true,"value":1}}');
  m.accept('{"id":"a","outcome":{"ok":true,"value":2}}'); // a second answer
  m.accept('{"id":"zz","outcome":{"ok":true,"value":3}}'); // not asked for
  m.accept('{"running":"zz"}');
  m.accept('{"id":"b","outcome":{"ok":"yes"}}'); // not an outcome
  m.accept('{"id":"b","outc'); // cut short
  m.accept("null");
  m.accept('{"import":{"kind":"exception","name":"E","message":"late"}}'); // after an outcome
  assertEquals([...m.outcomes], [["a", { ok: true, value: 1 }]]);
  assertEquals(m.running, "a");
  assertEquals(m.importError, undefined);
  assertEquals(m.done, false);
  m.accept('{"done":true}');
  assertEquals(m.done, true);
});

Deno.test("ChildMessages() decodes tensors in outcomes", () => {
  const m = new ChildMessages(new Set(["t"]));
  const data = new Uint8Array(new Float32Array([1.5, -2]).buffer).toBase64();
  m.accept(
    JSON.stringify({ id: "t", outcome: { ok: true, value: { $tensor: { shape: [2], data } } } }),
  );
  const o = m.outcomes.get("t");
  assertEquals(o?.ok && o.value, { shape: [2], data: new Float32Array([1.5, -2]) });
});
