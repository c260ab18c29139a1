import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  encodeSafetensors,
  SafetensorsError,
  SafetensorsFile,
  writeSafetensors,
} from "./safetensors.ts";

// ---- helpers ----------------------------------------------------------------------------------

/** A safetensors file built by hand: the length prefix, `header` as given, then `data`. */
function rawFile(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = typeof header === "string" ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Where the data section of a file starts. */
function dataStartOf(bytes: Uint8Array): number {
  return 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

/** The same file with its header padded with spaces to exactly `headerLength` bytes. */
function withHeaderLength(bytes: Uint8Array, headerLength: number): Uint8Array {
  const start = dataStartOf(bytes);
  const header = new TextDecoder().decode(bytes.subarray(8, start)).trimEnd();
  return rawFile(header.padEnd(headerLength, " "), bytes.subarray(start));
}

/** The float32 whose bits are `bits`. */
function floatOfBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

/** Asserts that two float arrays hold the same values, telling -0 from 0 and NaN equal to NaN. */
function assertSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assertEquals(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert(
      Object.is(actual[i], expected[i]),
      `index ${i}: expected ${Object.is(expected[i], -0) ? "-0" : expected[i]}, got ${
        Object.is(actual[i], -0) ? "-0" : actual[i]
      }`,
    );
  }
}

/** Asserts that opening `bytes` fails with a message naming the file and containing `parts`. */
function assertRejected(bytes: Uint8Array, ...parts: string[]): void {
  const error = assertThrows(
    () => SafetensorsFile.fromBytes(bytes, "bad.safetensors"),
    SafetensorsError,
  );
  assertStringIncludes(error.message, `Cannot read "bad.safetensors": `);
  for (const part of parts) assertStringIncludes(error.message, part);
}

/** A small file with one tensor of every dtype, a scalar and an empty tensor. */
function mixedFile(): Uint8Array {
  return encodeSafetensors({
    "wte.weight": { dtype: "F32", shape: [2, 3], data: [0.5, -1, 2, 3.25, 1e-7, -0] },
    "ln.half": { dtype: "F16", shape: [3], data: [1, -2.5, 65504] },
    "ln.brain": { dtype: "BF16", shape: [2], data: [0.1, -300] },
    "ids": { dtype: "I32", shape: [2, 2], data: [1, -2, 2 ** 24, 7] },
    "positions": { dtype: "I64", shape: [3], data: new BigInt64Array([0n, 1n, -5n]) },
    "scale": { dtype: "F32", shape: [], data: [0.125] },
    "empty": { dtype: "I32", shape: [0, 4], data: [] },
  }, { format: "pt" });
}

/** A fresh empty directory; the caller removes it. */
function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "safetensors_test_" });
}

// ---- round trips ------------------------------------------------------------------------------

Deno.test("encodeSafetensors() round-trips every dtype through SafetensorsFile.read()", () => {
  const file = SafetensorsFile.fromBytes(mixedFile());
  assertEquals(file.metadata, { format: "pt" });
  assertEquals(file.names(), [
    "wte.weight",
    "ln.half",
    "ln.brain",
    "ids",
    "positions",
    "scale",
    "empty",
  ]);
  const weights = file.read("wte.weight");
  assertEquals(weights.dtype, "F32");
  assertEquals(weights.shape, [2, 3]);
  assertSameFloats(weights.data as Float32Array, Float32Array.of(0.5, -1, 2, 3.25, 1e-7, -0));
  assertEquals(file.read("ln.half"), {
    dtype: "F16",
    shape: [3],
    data: Float32Array.of(1, -2.5, 65504),
  });
  assertEquals(file.read("ln.brain"), {
    dtype: "BF16",
    shape: [2],
    data: Float32Array.of(0.10009765625, -300),
  });
  assertEquals(file.read("ids"), {
    dtype: "I32",
    shape: [2, 2],
    data: Int32Array.of(1, -2, 2 ** 24, 7),
  });
  assertEquals(file.read("positions"), {
    dtype: "I64",
    shape: [3],
    data: BigInt64Array.of(0n, 1n, -5n),
  });
  assertEquals(file.read("scale"), { dtype: "F32", shape: [], data: Float32Array.of(0.125) });
  assertEquals(file.read("empty"), { dtype: "I32", shape: [0, 4], data: new Int32Array(0) });
});

Deno.test("encodeSafetensors() writes I64 from numbers and I32 from a BigInt64Array", () => {
  const file = SafetensorsFile.fromBytes(encodeSafetensors({
    big: { dtype: "I64", shape: [2], data: [Number.MAX_SAFE_INTEGER, -3] },
    small: { dtype: "I32", shape: [2], data: BigInt64Array.of(-(2n ** 31n), 2n ** 31n - 1n) },
  }));
  assertEquals(file.read("big").data, BigInt64Array.of(BigInt(Number.MAX_SAFE_INTEGER), -3n));
  assertEquals(file.read("small").data, Int32Array.of(-(2 ** 31), 2 ** 31 - 1));
});

Deno.test("encodeSafetensors() rounds F16 to nearest even and keeps zeros, subnormals, inf, NaN", () => {
  const cases: [input: number, expected: number][] = [
    [0, 0],
    [-0, -0],
    [1, 1],
    [0.1, 0.0999755859375],
    [65504, 65504], // largest finite half
    [65519, 65504],
    [65520, Infinity], // halfway to 65536: ties to even rounds up, which overflows
    [1e6, Infinity],
    [-1e6, -Infinity],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
    [NaN, NaN],
    [floatOfBits(0x7f800001), NaN], // a NaN whose payload lies in the bits F16 drops
    [1 + 2 ** -11, 1], // halfway: ties to the even 1
    [1 + 3 * 2 ** -11, 1 + 2 ** -9], // halfway: ties to the even neighbour above
    [1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -10], // just above halfway
    [2 ** -14, 2 ** -14], // smallest normal
    [1023 * 2 ** -24, 1023 * 2 ** -24], // largest subnormal
    [1023.5 * 2 ** -24, 2 ** -14], // rounds up from subnormal into normal
    [2 ** -24, 2 ** -24], // smallest subnormal
    [3 * 2 ** -25, 2 ** -23], // halfway between subnormals 1 and 2: ties to even
    [2 ** -25, 0], // halfway to the smallest subnormal: ties to even zero
    [2 ** -25 + 2 ** -40, 2 ** -24],
    [-(2 ** -26), -0],
    [1e-40, 0], // a float32 subnormal
  ];
  const inputs = cases.map(([input]) => input);
  const bytes = encodeSafetensors({ x: { dtype: "F16", shape: [inputs.length], data: inputs } });
  assertSameFloats(
    SafetensorsFile.fromBytes(bytes).readFloat32("x").data,
    cases.map(([, expected]) => expected),
  );
});

Deno.test("encodeSafetensors() rounds BF16 to nearest even and keeps zeros, subnormals, inf, NaN", () => {
  const cases: [input: number, expected: number][] = [
    [0, 0],
    [-0, -0],
    [1, 1],
    [0.1, 0.10009765625],
    [1 + 2 ** -8, 1], // halfway: ties to the even 1
    [1 + 3 * 2 ** -8, 1 + 2 ** -6], // halfway: ties to the even neighbour above
    [1 + 2 ** -8 + 2 ** -20, 1 + 2 ** -7], // just above halfway
    [floatOfBits(0x7f7f0000), floatOfBits(0x7f7f0000)], // largest finite bfloat16
    [floatOfBits(0x7f7fffff), Infinity], // largest float32 rounds past it
    [2 ** -133, 2 ** -133], // smallest bfloat16 subnormal
    [2 ** -149, 0],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
    [NaN, NaN],
    [floatOfBits(0x7f800001), NaN], // a NaN whose payload lies in the bits BF16 drops
  ];
  const inputs = cases.map(([input]) => input);
  const bytes = encodeSafetensors({ x: { dtype: "BF16", shape: [inputs.length], data: inputs } });
  assertSameFloats(
    SafetensorsFile.fromBytes(bytes).readFloat32("x").data,
    cases.map(([, expected]) => expected),
  );
});

Deno.test("encodeSafetensors() stores the standard F16 and BF16 bit patterns", () => {
  const half = encodeSafetensors({
    x: { dtype: "F16", shape: [6], data: [1, -2, 65504, Infinity, 2 ** -24, 0.1] },
  });
  assertEquals(
    new Uint16Array(half.slice(dataStartOf(half)).buffer),
    Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x2e66),
  );
  const brain = encodeSafetensors({ x: { dtype: "BF16", shape: [3], data: [1, -2, 0.1] } });
  assertEquals(
    new Uint16Array(brain.slice(dataStartOf(brain)).buffer),
    Uint16Array.of(0x3f80, 0xc000, 0x3dcd),
  );
});

Deno.test("SafetensorsFile.readFloat32() widens F16 bit patterns exactly", () => {
  const bits = Uint16Array.of(0x3c00, 0x8000, 0x0001, 0x03ff, 0x7bff, 0xfc00, 0x7e00, 0x3555);
  const bytes = rawFile(
    JSON.stringify({ x: { dtype: "F16", shape: [bits.length], data_offsets: [0, 16] } }),
    new Uint8Array(bits.buffer),
  );
  assertSameFloats(
    SafetensorsFile.fromBytes(bytes).readFloat32("x").data,
    [1, -0, 2 ** -24, 1023 * 2 ** -24, 65504, -Infinity, NaN, 0.333251953125],
  );
});

Deno.test("encodeSafetensors() round-trips scalars, empty tensors and a file with no tensors", () => {
  const file = SafetensorsFile.fromBytes(encodeSafetensors({
    scalar: { dtype: "I64", shape: [], data: [42] },
    none: { dtype: "F32", shape: [0], data: [] },
    wide: { dtype: "BF16", shape: [2, 0, 3], data: new Float32Array(0) },
    half: { dtype: "F16", shape: [], data: [0.5] },
  }));
  assertEquals(file.read("scalar"), { dtype: "I64", shape: [], data: BigInt64Array.of(42n) });
  assertEquals(file.read("none"), { dtype: "F32", shape: [0], data: new Float32Array(0) });
  assertEquals(file.readFloat32("wide"), { shape: [2, 0, 3], data: new Float32Array(0) });
  assertEquals(file.readFloat32("half"), { shape: [], data: Float32Array.of(0.5) });
  const info = file.info("none");
  assertEquals(info.begin, info.end);

  const nothing = SafetensorsFile.fromBytes(encodeSafetensors({}));
  assertEquals(nothing.names(), []);
  assertEquals(nothing.metadata, {});
});

Deno.test("SafetensorsFile accepts zero-length tensors at the start, middle and end", () => {
  const header = {
    a: { dtype: "F32", shape: [0], data_offsets: [0, 0] },
    b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
    c: { dtype: "I64", shape: [3, 0], data_offsets: [4, 4] },
    d: { dtype: "I32", shape: [0], data_offsets: [4, 4] },
    e: { dtype: "F16", shape: [2], data_offsets: [4, 8] },
    f: { dtype: "BF16", shape: [0], data_offsets: [8, 8] },
  };
  const file = SafetensorsFile.fromBytes(rawFile(JSON.stringify(header), new Uint8Array(8)));
  assertEquals(file.names(), ["a", "b", "c", "d", "e", "f"]);
  assertEquals(file.read("c").data, new BigInt64Array(0));
});

Deno.test("encodeSafetensors() aligns the data section to 8 bytes and lays out wide dtypes first", () => {
  const bytes = encodeSafetensors({
    h: { dtype: "F16", shape: [3], data: [1, 2, 3] },
    f: { dtype: "F32", shape: [1], data: [1] },
    l: { dtype: "I64", shape: [1], data: [1] },
  }, { "a key with ünïcode": "välue" });
  assertEquals(dataStartOf(bytes) % 8, 0);
  const file = SafetensorsFile.fromBytes(bytes);
  assertEquals(file.names(), ["h", "f", "l"]);
  assertEquals(file.metadata, { "a key with ünïcode": "välue" });
  // each tensor starts at a multiple of its element size
  assertEquals(file.info("l"), { dtype: "I64", shape: [1], begin: 0, end: 8 });
  assertEquals(file.info("f"), { dtype: "F32", shape: [1], begin: 8, end: 12 });
  assertEquals(file.info("h"), { dtype: "F16", shape: [3], begin: 12, end: 18 });
});

// ---- reading files ----------------------------------------------------------------------------

Deno.test("SafetensorsFile.open() reads tensors and metadata from a file", () => {
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    Deno.writeFileSync(path, mixedFile());
    using file = SafetensorsFile.open(path);
    assertEquals(file.path, path);
    assertEquals(file.metadata, { format: "pt" });
    assertEquals(file.readFloat32("ids"), {
      shape: [2, 2],
      data: Float32Array.of(1, -2, 2 ** 24, 7),
    });
    assertEquals(file.read("scale").data, Float32Array.of(0.125));
    const { dtype, shape, begin, end } = file.info("ln.half");
    assertEquals({ dtype, shape, bytes: end - begin }, { dtype: "F16", shape: [3], bytes: 6 });
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("SafetensorsFile.read() handles a data section that starts at an odd byte", () => {
  // GPT-2's model.safetensors starts its data section at byte 14,291: not even 2-byte aligned
  const bytes = withHeaderLength(mixedFile(), 14_291 - 8);
  assertEquals(dataStartOf(bytes), 14_291);
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    Deno.writeFileSync(path, bytes);
    const expected = SafetensorsFile.fromBytes(mixedFile());
    for (const file of [SafetensorsFile.open(path), SafetensorsFile.fromBytes(bytes)]) {
      for (const name of expected.names()) assertEquals(file.read(name), expected.read(name));
      file.close();
    }
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("SafetensorsFile.read() reads only the requested tensor's bytes, when asked", () => {
  const values = (n: number, start: number) =>
    Float32Array.from({ length: n }, (_, i) => start + i);
  const bytes = encodeSafetensors({
    big: { dtype: "F32", shape: [512, 512], data: values(512 * 512, 0) },
    middle: { dtype: "F32", shape: [4], data: values(4, 10) },
    last: { dtype: "F32", shape: [2], data: values(2, 20) },
  });
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    Deno.writeFileSync(path, bytes);
    using file = SafetensorsFile.open(path);
    // change "middle" on disk and cut "last" off the end: reads made later see exactly that
    const start = dataStartOf(bytes);
    const changed = bytes.slice(0, start + file.info("last").begin);
    changed.set(
      new Uint8Array(Float32Array.of(-1, -2, -3, -4).buffer),
      start + file.info("middle").begin,
    );
    Deno.writeFileSync(path, changed);
    assertEquals(file.read("middle").data, Float32Array.of(-1, -2, -3, -4));
    assertEquals(file.read("big").data, values(512 * 512, 0));
    const error = assertThrows(
      () => file.read("last"),
      SafetensorsError,
      "truncated after opening",
    );
    assertStringIncludes(error.message, path);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("SafetensorsFile.read() returns the last tensor of a many-tensor file correctly", () => {
  const dtypes = ["F32", "F16", "BF16", "I32", "I64"] as const;
  const tensors = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [
    `h.${i}.weight`,
    {
      dtype: dtypes[i % 5],
      shape: [i % 4, 3],
      data: Array.from({ length: (i % 4) * 3 }, (_, j) => i + j),
    },
  ]));
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    writeSafetensors(path, tensors);
    using file = SafetensorsFile.open(path);
    for (const name of file.names().reverse()) {
      assertEquals(file.readFloat32(name), {
        shape: tensors[name].shape,
        data: Float32Array.from(tensors[name].data),
      }, name);
    }
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("SafetensorsFile.readFloat32() converts integers and rejects those beyond 2^24", () => {
  const file = SafetensorsFile.fromBytes(
    encodeSafetensors({
      ok: { dtype: "I64", shape: [2], data: [-(2 ** 24), 2 ** 24] },
      i32: { dtype: "I32", shape: [3], data: [0, 5, 2 ** 24 + 1] },
      i64: { dtype: "I64", shape: [1], data: BigInt64Array.of(-(2n ** 40n)) },
    }),
    "ints.safetensors",
  );
  assertEquals(file.readFloat32("ok").data, Float32Array.of(-(2 ** 24), 2 ** 24));
  assertEquals(
    assertThrows(() => file.readFloat32("i32"), SafetensorsError).message,
    `Cannot read "ints.safetensors": tensor "i32" holds the I32 value 16777217 at index 2, ` +
      `beyond ±2^24 where float32 holds integers exactly`,
  );
  assertThrows(() => file.readFloat32("i64"), SafetensorsError, "-1099511627776");
});

Deno.test("SafetensorsFile.info() of an unknown name lists a few known names", () => {
  const file = SafetensorsFile.fromBytes(mixedFile(), "model.safetensors");
  assertEquals(
    assertThrows(() => file.info("transformer.wte.weight"), SafetensorsError).message,
    `Cannot read "model.safetensors": no tensor "transformer.wte.weight" (it has 7: ` +
      `"wte.weight", "ln.half", "ln.brain", "ids", "positions", ...)`,
  );
  assertThrows(() => file.read("nope"), SafetensorsError, `no tensor "nope"`);
  const empty = SafetensorsFile.fromBytes(encodeSafetensors({}), "empty.safetensors");
  assertThrows(() => empty.info("x"), SafetensorsError, "the file has no tensors");
});

Deno.test("SafetensorsFile.has() and names() see tensors only, not metadata or inherited names", () => {
  const file = SafetensorsFile.fromBytes(mixedFile());
  assert(file.has("ids"));
  for (const name of ["__metadata__", "constructor", "toString", "__proto__"]) {
    assert(!file.has(name), name);
    assertThrows(() => file.info(name), SafetensorsError);
  }
});

Deno.test("SafetensorsFile.info() returns a copy the caller may change", () => {
  const file = SafetensorsFile.fromBytes(mixedFile());
  file.info("ids").shape.push(99);
  assertEquals(file.info("ids").shape, [2, 2]);
});

Deno.test("SafetensorsFile.close() and `using` release the file; the header stays readable", () => {
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    Deno.writeFileSync(path, mixedFile());
    let escaped: SafetensorsFile;
    {
      using file = SafetensorsFile.open(path);
      escaped = file;
    }
    assertEquals(escaped.info("ids").shape, [2, 2]);
    assertThrows(
      () => escaped.read("ids"),
      SafetensorsError,
      `Cannot read "${path}": it is closed`,
    );
    escaped.close(); // closing twice is harmless
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("SafetensorsFile.open() of a missing file raises SafetensorsError naming it", () => {
  const dir = tempDir();
  try {
    const path = `${dir}/missing.safetensors`;
    assertEquals(
      assertThrows(() => SafetensorsFile.open(path), SafetensorsError).message,
      `Cannot read "${path}": file not found`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("SafetensorsFile.open() names the file's path when its data is cut short", () => {
  const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
  try {
    const bytes = mixedFile();
    Deno.writeFileSync(path, bytes.subarray(0, bytes.length - 1));
    assertThrows(
      () => SafetensorsFile.open(path),
      SafetensorsError,
      `Cannot read "${path}": tensor "`,
    );
  } finally {
    Deno.removeSync(path);
  }
});

// ---- malformed files --------------------------------------------------------------------------

function lengthOnly(length: bigint, fileSize: number): Uint8Array {
  const bytes = new Uint8Array(fileSize);
  new DataView(bytes.buffer).setBigUint64(0, length, true);
  return bytes;
}

function headerFile(header: unknown, dataLength = 0): Uint8Array {
  return rawFile(JSON.stringify(header), new Uint8Array(dataLength));
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

const malformed: [what: string, bytes: Uint8Array, ...parts: string[]][] = [
  [
    "a file shorter than 8 bytes",
    new Uint8Array(5),
    "file is 5 bytes, too short for the 8-byte header length",
  ],
  [
    "a header length beyond the end of the file",
    lengthOnly(100n, 20),
    "header length 100 runs past the end of the file (20 bytes)",
  ],
  [
    "a header over 100 MB",
    lengthOnly(100_000_001n, 20),
    "header length 100000001 exceeds the limit of 100000000 bytes",
  ],
  [
    "a header length of 2^64 - 1",
    lengthOnly(2n ** 64n - 1n, 8),
    "header length 18446744073709551615 exceeds the limit",
  ],
  [
    "a header that is not UTF-8",
    rawFile(Uint8Array.of(0x7b, 0xff, 0x7d)),
    "header is not valid UTF-8 JSON",
  ],
  ["a header that is not JSON", rawFile("{nope"), "header is not valid UTF-8 JSON"],
  ["an empty header", rawFile(""), "header is not valid UTF-8 JSON"],
  ["a header that is an array", rawFile("[]"), "header must be a JSON object, got []"],
  ["a header that is null", rawFile("null"), "header must be a JSON object, got null"],
  ["a tensor entry that is not an object", headerFile({ a: 3 }), `tensor "a" must be an object`],
  [
    "a tensor without dtype",
    headerFile({ a: { shape: [1], data_offsets: [0, 4] } }, 4),
    `tensor "a" has no "dtype"`,
  ],
  [
    "a tensor without shape",
    headerFile({ a: { dtype: "F32", data_offsets: [0, 4] } }, 4),
    `tensor "a" has no "shape"`,
  ],
  [
    "a tensor without data_offsets",
    headerFile({ a: { dtype: "F32", shape: [1] } }, 4),
    `tensor "a" has no "data_offsets"`,
  ],
  [
    "a negative dimension",
    headerFile({ a: f32([2, -1], 0, 4) }, 4),
    `tensor "a" has shape [2,-1]: expected an array of non-negative integers`,
  ],
  ["a fractional dimension", headerFile({ a: f32([1.5], 0, 4) }, 4), `tensor "a" has shape [1.5]`],
  [
    "a shape that is not an array",
    headerFile({ a: { dtype: "F32", shape: "4", data_offsets: [0, 16] } }, 16),
    `tensor "a" has shape "4"`,
  ],
  [
    "fractional data_offsets",
    headerFile({ a: f32([1], 0.5, 4.5) }, 4),
    `tensor "a" has data_offsets [0.5,4.5]: expected [begin, end], two non-negative integers`,
  ],
  [
    "negative data_offsets",
    headerFile({ a: f32([0], -4, -4) }),
    `tensor "a" has data_offsets [-4,-4]`,
  ],
  [
    "data_offsets with one number",
    headerFile({ a: { dtype: "F32", shape: [0], data_offsets: [0] } }),
    `tensor "a" has data_offsets [0]`,
  ],
  [
    "an unknown dtype",
    headerFile({ a: { dtype: "F64", shape: [1], data_offsets: [0, 8] } }, 8),
    `tensor "a" has dtype "F64", which is not supported (supported: F32, F16, BF16, I32, I64)`,
  ],
  [
    "a dtype named after an Object method",
    headerFile({ a: { dtype: "toString", shape: [1], data_offsets: [0, 4] } }, 4),
    `tensor "a" has dtype "toString", which is not supported`,
  ],
  [
    "a dtype that is not a string",
    headerFile({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4),
    `tensor "a" has dtype 4, which is not supported`,
  ],
  [
    "data_offsets past the data section",
    headerFile({ a: f32([2], 0, 8) }, 4),
    `tensor "a" has data_offsets [0,8] but the data section is 4 bytes`,
  ],
  [
    "data_offsets whose begin is after their end",
    headerFile({ a: f32([1], 4, 0) }, 4),
    `tensor "a" has data_offsets [4,0]: begin is after end`,
  ],
  [
    "overlapping tensors",
    headerFile({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12),
    `tensors "a" [0,8] and "b" [4,12] overlap`,
  ],
  [
    "an empty tensor inside another",
    headerFile({ a: f32([2], 0, 8), b: f32([0], 4, 4) }, 8),
    `tensors "a" [0,8] and "b" [4,4] overlap`,
  ],
  [
    "a gap between tensors",
    headerFile({ b: f32([1], 8, 12), a: f32([1], 0, 4) }, 12),
    `bytes 4 to 8 of the data section lie in no tensor (before "b")`,
  ],
  [
    "a gap before the first tensor",
    headerFile({ a: f32([1], 4, 8) }, 8),
    `bytes 0 to 4 of the data section lie in no tensor (before "a")`,
  ],
  [
    "bytes after the last tensor",
    headerFile({ a: f32([1], 0, 4) }, 8),
    `bytes 4 to 8 of the data section lie in no tensor (at the end)`,
  ],
  [
    "data but no tensors",
    headerFile({}, 3),
    `bytes 0 to 3 of the data section lie in no tensor (at the end)`,
  ],
  [
    "a byte length that does not match the shape",
    headerFile({ a: { dtype: "I64", shape: [2, 3], data_offsets: [0, 24] } }, 24),
    `tensor "a" has shape [2,3] (48 bytes of I64) but data_offsets span 24 bytes`,
  ],
  [
    "a shape too large to count in a double",
    headerFile({ a: f32([2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1], 0, 4) }, 4),
    `tensor "a" has shape [9007199254740991,9007199254740991,9007199254740991] ` +
    `(${(2n ** 53n - 1n) ** 3n * 4n} bytes of F32)`,
  ],
  [
    "a metadata value that is not a string",
    headerFile({ __metadata__: { format: "pt", epochs: 3 } }),
    `"__metadata__" value "epochs" must be a string, got 3`,
  ],
  [
    "metadata that is not an object",
    headerFile({ __metadata__: ["pt"] }),
    `"__metadata__" must be an object, got ["pt"]`,
  ],
];

for (const [what, bytes, ...parts] of malformed) {
  Deno.test(`SafetensorsFile.fromBytes() rejects ${what}`, () => assertRejected(bytes, ...parts));
}

Deno.test("SafetensorsFile reports a size mismatch in one sentence naming file and tensor", () => {
  const bytes = headerFile({ "h.0.attn.bias": f32([1, 1, 1024, 1024], 0, 12) }, 12);
  assertEquals(
    assertThrows(() => SafetensorsFile.fromBytes(bytes, "model.safetensors"), SafetensorsError)
      .message,
    `Cannot read "model.safetensors": tensor "h.0.attn.bias" has shape [1,1,1024,1024] ` +
      `(4194304 bytes of F32) but data_offsets span 12 bytes`,
  );
});

// ---- fuzzing ----------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32): floats in [0, 1). */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Opens `bytes` and reads every tensor both ways; true on success, false on SafetensorsError. */
function readsCleanly(bytes: Uint8Array, label: string): boolean {
  try {
    const file = SafetensorsFile.fromBytes(bytes, "fuzz.safetensors");
    for (const name of file.names()) {
      file.info(name);
      file.read(name);
      file.readFloat32(name);
    }
    return true;
  } catch (e) {
    if (!(e instanceof SafetensorsError)) {
      throw new Error(`${label}: ${e} escaped instead of a SafetensorsError`);
    }
    assertStringIncludes(e.message, `Cannot read "fuzz.safetensors": `, label);
    return false;
  }
}

Deno.test("SafetensorsFile rejects every truncation of a valid file with SafetensorsError", () => {
  const bytes = mixedFile();
  assert(readsCleanly(bytes, "the whole file"));
  for (let length = 0; length < bytes.length; length++) {
    assert(!readsCleanly(bytes.slice(0, length), `truncated to ${length} bytes`));
  }
});

Deno.test("SafetensorsFile raises only SafetensorsError on randomly corrupted bytes", () => {
  const original = mixedFile();
  const headerEnd = dataStartOf(original);
  const jsonChars = new TextEncoder().encode(`0123456789-.,:[]{}" eE`);
  const random = mulberry32(0x5afe);
  const below = (n: number) => Math.floor(random() * n);
  let accepted = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const bytes = original.slice();
    for (let edits = 1 + below(3); edits > 0; edits--) {
      // mostly the header, where corruption changes what the file claims
      const at = random() < 0.8 ? below(headerEnd) : below(bytes.length);
      const kind = below(3);
      if (kind === 0) bytes[at] ^= 1 << below(8);
      else if (kind === 1) bytes[at] = below(256);
      else bytes[at] = jsonChars[below(jsonChars.length)];
    }
    if (readsCleanly(bytes, `trial ${trial}`)) accepted++;
  }
  // both outcomes happen, so the corruption is neither always fatal nor always harmless
  assertGreater(accepted, 0);
  assertGreater(3000 - accepted, 0);
});

// ---- writing ----------------------------------------------------------------------------------

Deno.test("writeSafetensors() writes a file that reads back, replacing an older one", () => {
  const dir = tempDir();
  try {
    const path = `${dir}/model.safetensors`;
    writeSafetensors(path, { old: { dtype: "F32", shape: [1], data: [1] } });
    writeSafetensors(path, { "wpe.weight": { dtype: "F32", shape: [2], data: [3, 4] } }, {
      format: "pt",
    });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["model.safetensors"]);
    using file = SafetensorsFile.open(path);
    assertEquals(file.names(), ["wpe.weight"]);
    assertEquals(file.metadata, { format: "pt" });
    assertEquals(file.read("wpe.weight").data, Float32Array.of(3, 4));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writeSafetensors() leaves no file and no temporary file when a tensor is invalid", () => {
  const dir = tempDir();
  try {
    const path = `${dir}/model.safetensors`;
    assertEquals(
      assertThrows(
        () =>
          writeSafetensors(path, {
            ok: { dtype: "F32", shape: [1], data: [1] },
            "c_attn.weight": { dtype: "F32", shape: [2, 2], data: [1, 2, 3] },
          }),
        SafetensorsError,
      ).message,
      `Cannot write "${path}": tensor "c_attn.weight" has shape [2,2] (4 values) but 3 values`,
    );
    assertEquals([...Deno.readDirSync(dir)], []);
    // an existing file is left as it was
    writeSafetensors(path, { kept: { dtype: "I32", shape: [1], data: [5] } });
    assertThrows(() => writeSafetensors(path, { bad: { dtype: "I32", shape: [1], data: [0.5] } }));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["model.safetensors"]);
    using file = SafetensorsFile.open(path);
    assertEquals(file.read("kept").data, Int32Array.of(5));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writeSafetensors() removes its temporary file when the final rename fails", () => {
  const dir = tempDir();
  try {
    const path = `${dir}/model.safetensors`;
    Deno.mkdirSync(path); // a directory where the file should go: the rename must fail
    assertThrows(
      () => writeSafetensors(path, { x: { dtype: "F32", shape: [1], data: [1] } }),
      SafetensorsError,
      `Cannot write "${path}": `,
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["model.safetensors"]);
    assert(Deno.statSync(path).isDirectory);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("encodeSafetensors() rejects tensors it cannot store, naming them", () => {
  const cases: [Parameters<typeof encodeSafetensors>[0], string][] = [
    [
      // @ts-expect-error: a dtype this module does not support
      { x: { dtype: "F64", shape: [1], data: [1] } },
      `tensor "x" has dtype "F64", which is not supported (supported: F32, F16, BF16, I32, I64)`,
    ],
    [
      { x: { dtype: "F32", shape: [-1], data: [] } },
      `tensor "x" has shape [-1]: expected an array of non-negative integers`,
    ],
    [
      { x: { dtype: "I32", shape: [2], data: [1, 2 ** 31] } },
      `tensor "x" has the value 2147483648 at index 1, which is not an integer in ` +
      `[-2147483648, 2147483647]`,
    ],
    [
      { x: { dtype: "I64", shape: [1], data: [2 ** 53] } },
      `tensor "x" has the value 9007199254740992 at index 0, which is not an integer in ` +
      `[-9007199254740991, 9007199254740991]`,
    ],
    [
      { x: { dtype: "I32", shape: [1], data: [NaN] } },
      `tensor "x" has the value NaN at index 0, which is not an integer in ` +
      `[-2147483648, 2147483647]`,
    ],
    [
      { __metadata__: { dtype: "F32", shape: [0], data: [] } },
      `"__metadata__" is reserved and cannot name a tensor`,
    ],
  ];
  for (const [tensors, message] of cases) {
    assertEquals(
      assertThrows(() => encodeSafetensors(tensors), SafetensorsError).message,
      `Cannot encode safetensors: ${message}`,
    );
  }
  assertThrows(
    // @ts-expect-error: metadata values must be strings
    () => encodeSafetensors({}, { epochs: 3 }),
    SafetensorsError,
    `"__metadata__" value "epochs" must be a string, got 3`,
  );
});
