import { assert, assertEquals, assertThrows } from "@std/assert";
import { Tensor, tensor } from "../lib/tensor.ts";
import { decodeValue, encodeValue, isTensorData, MAX_DEPTH, WireError } from "./wire.ts";

const roundTrip = (v: unknown, asTensor = false) =>
  decodeValue(JSON.parse(encodeValue(v)), asTensor);

Deno.test("encodeValue() and decodeValue() carry JSON values, non-finite numbers and tensors", () => {
  const value = {
    ids: [1, 2, 3],
    text: 'a\n"b"',
    nested: { ok: true, none: null, nan: NaN, inf: -Infinity },
    t: tensor([[1, 2], [3, 4.5]]),
  };
  const back = roundTrip(value) as Record<string, unknown>;
  assertEquals(back.ids, [1, 2, 3]);
  assertEquals(back.text, 'a\n"b"');
  assertEquals(back.nested, { ok: true, none: null, nan: NaN, inf: -Infinity });
  assertEquals(back.t, { shape: [2, 2], data: new Float32Array([1, 2, 3, 4.5]) });
  const t = (roundTrip(value, true) as { t: Tensor }).t;
  assert(t instanceof Tensor);
  assertEquals(t.toNested(), [[1, 2], [3, 4.5]]);
});

Deno.test("encodeValue() sends a strided view's elements in row-major order", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1);
  assertEquals(roundTrip(x), { shape: [3, 2], data: new Float32Array([1, 4, 2, 5, 3, 6]) });
});

Deno.test("a learner's object shaped like a tensor node stays an object", () => {
  const data = new Uint8Array(new Float32Array([1]).buffer).toBase64();
  for (const lookalike of [{ t: { s: [1], d: data } }, { $tensor: { shape: [1], data } }]) {
    const back = roundTrip(lookalike);
    assertEquals(back, lookalike);
    assertEquals(isTensorData(back), false);
  }
  // an object that borrowed the tensor prototype is not a tensor either
  const fake = Object.assign(Object.create(Tensor.prototype), { shape: [1], strides: [1] });
  assertEquals(encodeValue(fake).startsWith('{"o":'), true);
});

Deno.test("values JSON cannot hold come back as undefined, in objects and arrays", () => {
  assertEquals(roundTrip({ f: () => 1, u: undefined, s: Symbol("x"), b: 1n }), {
    f: undefined,
    u: undefined,
    s: undefined,
    b: undefined,
  });
  assertEquals(roundTrip([undefined, 1]), [undefined, 1]);
});

Deno.test("encodeValue() refuses values nested too deep or larger than asked", () => {
  let deep: unknown = 1;
  for (let i = 0; i < MAX_DEPTH + 1; i++) deep = [deep];
  assertThrows(() => encodeValue(deep), WireError, `nested more than ${MAX_DEPTH} deep`);
  assertThrows(() => encodeValue("x".repeat(1000), 100), WireError, "larger than 100");
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assertThrows(() => encodeValue(cycle), WireError, "nested more than");
});

Deno.test("encodeValue() writes its own JSON: toJSON and a patched JSON.stringify change nothing", () => {
  const before = encodeValue({ a: [1, "x"] });
  const proto = Object.prototype as { toJSON?: () => unknown };
  const stringify = JSON.stringify;
  proto.toJSON = () => "forged";
  JSON.stringify = () => '"forged"';
  try {
    assertEquals(encodeValue({ a: [1, "x"] }), before);
  } finally {
    delete proto.toJSON;
    JSON.stringify = stringify;
  }
  assertEquals(before, '{"o":{"a":{"a":[1,"x"]}}}');
});

Deno.test("a tensor whose shape was tampered with cannot write more than a tensor node", () => {
  const u = tensor([1, 2]);
  Object.defineProperty(u, "shape", { value: ['1]},"x":{"a":[', 2] });
  assertThrows(() => encodeValue(u), WireError, "shape is not a list of sizes");
  // sizes that are numbers: whatever the elements, the node's shape matches its data
  const t = tensor([1, 2, 3, 4]);
  Object.defineProperty(t, "shape", { value: [2, 3] });
  const back = roundTrip(t);
  assert(isTensorData(back));
  assertEquals(back.data.length, 6);
});

Deno.test("decodeValue() refuses every node the encoder does not write", () => {
  const data = new Uint8Array(new Float32Array([1, 2]).buffer).toBase64();
  const bad: [unknown, string][] = [
    [[1], "an untagged array or value"],
    [{ a: [1], o: {} }, "a node with 2 keys instead of 1"],
    [{}, "a node with 0 keys instead of 1"],
    [{ a: "no" }, 'an "a" node that is not an array'],
    [{ o: [1] }, 'an "o" node that is not an object'],
    [{ n: "1e999" }, 'an "n" node that is not NaN or ±Infinity'],
    [{ $tensor: { shape: [2], data } }, 'a node tagged "$tensor"'],
    [{ t: { s: [3], d: data } }, "a tensor of shape [3] with 8 bytes of data"],
    [{ t: { s: [-2], d: data } }, "a tensor shape that is not up to 8 sizes"],
    [{ t: { s: [1e9, 1e9], d: data } }, "with 8 bytes of data"],
    [{ t: { s: [2], d: "@@@" } }, "a tensor whose data is not base64"],
    [{ t: { s: [2] } }, "a tensor without its data"],
  ];
  for (const [node, why] of bad) assertThrows(() => decodeValue(node), WireError, why);
  let deep: unknown = 1;
  for (let i = 0; i < MAX_DEPTH + 1; i++) deep = { a: [deep] };
  assertThrows(() => decodeValue(deep), WireError, "nested more than");
});

Deno.test("decodeValue() keeps a key named __proto__ as data, not as a prototype", () => {
  const back = decodeValue(JSON.parse('{"o":{"__proto__":{"o":{"polluted":true}}}}')) as Record<
    string,
    unknown
  >;
  assertEquals(Object.getPrototypeOf(back), Object.prototype);
  assertEquals(Object.keys(back), ["__proto__"]);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
});
