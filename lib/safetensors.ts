/**
 * Reading and writing safetensors files, the format of Hugging Face's `model.safetensors`.
 *
 * A file is an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON describing each
 * tensor (`dtype`, `shape`, `data_offsets` relative to the data section), then the data section.
 * {@linkcode SafetensorsFile} reads and validates only the header when it opens a file and reads
 * a tensor's bytes when asked for that tensor, so memory holds only the tensors asked for.
 *
 * @module
 */

/** The element types this module reads and writes. */
export type Dtype = "F32" | "F16" | "BF16" | "I32" | "I64";

/** Where a tensor lives: `begin` and `end` are byte offsets into the data section. */
export interface TensorInfo {
  /** The element type as stored. */
  dtype: Dtype;
  /** The size along each dimension (`[]` for a scalar). */
  shape: number[];
  /** The first byte, relative to the start of the data section. */
  begin: number;
  /** One past the last byte, relative to the start of the data section. */
  end: number;
}

/**
 * A tensor's values. F32, F16 and BF16 values are a `Float32Array` (half precision widens to
 * float32 exactly), I32 an `Int32Array` and I64 a `BigInt64Array`.
 */
export interface RawTensor {
  /** The element type as stored in the file. */
  dtype: Dtype;
  /** The size along each dimension (`[]` for a scalar). */
  shape: number[];
  /** The values in row-major order. */
  data: Float32Array | Int32Array | BigInt64Array;
}

/** A malformed or unreadable safetensors file, or tensors that cannot be written as one. */
export class SafetensorsError extends Error {
  /**
   * Creates the error; the message says what could not be done and why.
   *
   * @param message what could not be done and why, naming the file and tensor
   * @param options the underlying error, if any, as `cause`
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SafetensorsError";
  }
}

/** Bytes per element of each dtype. */
const DTYPE_SIZE: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
const SUPPORTED = `supported: ${Object.keys(DTYPE_SIZE).join(", ")}`;
const MAX_HEADER_BYTES = 100_000_000;
/** float32 holds every integer up to 2^24 exactly. */
const MAX_EXACT_INT = 2 ** 24;

type Fail = (message: string) => never;

function failWith(context: string): Fail {
  return (message) => {
    throw new SafetensorsError(`${context}: ${message}`);
  };
}

/** Runs an I/O call, turning whatever it throws into a SafetensorsError about `path`. */
function guardIo<T>(path: string, io: () => T): T {
  try {
    return io();
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    const reason = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new SafetensorsError(`Cannot read "${path}": ${reason}`, { cause: e });
  }
}

/** A JSON value as error messages quote it, cut short when long. */
function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && Object.hasOwn(DTYPE_SIZE, value);
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isIndex);
}

/** The element count of a shape, exact however large the sizes are. */
function countElements(shape: number[]): bigint {
  return shape.reduce((n, size) => n * BigInt(size), 1n);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks `__metadata__`: absent, or an object whose values are all strings. */
function checkMetadata(metadata: unknown, fail: Fail): Record<string, string> {
  if (metadata === undefined) return {};
  if (!isObject(metadata)) fail(`"__metadata__" must be an object, got ${show(metadata)}`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      fail(`"__metadata__" value "${key}" must be a string, got ${show(value)}`);
    }
  }
  return { ...metadata } as Record<string, string>;
}

/** Checks a tensor's dtype and shape (read from a header, or given to the writer). */
function checkKind(
  dtype: unknown,
  shape: unknown,
  failTensor: Fail,
): { dtype: Dtype; shape: number[] } {
  if (!isDtype(dtype)) {
    failTensor(`has dtype ${show(dtype)}, which is not supported (${SUPPORTED})`);
  }
  if (!isShape(shape)) {
    failTensor(`has shape ${show(shape)}: expected an array of non-negative integers`);
  }
  return { dtype, shape };
}

/** Checks one header entry on its own: fields, types, dtype, and size against its offsets. */
function parseEntry(name: string, entry: unknown, dataLength: number, fail: Fail): TensorInfo {
  if (!isObject(entry)) fail(`tensor "${name}" must be an object, got ${show(entry)}`);
  for (const key of ["dtype", "shape", "data_offsets"]) {
    if (!Object.hasOwn(entry, key)) fail(`tensor "${name}" has no "${key}"`);
  }
  const { data_offsets: offsets } = entry;
  const { dtype, shape } = checkKind(
    entry.dtype,
    entry.shape,
    (message) => fail(`tensor "${name}" ${message}`),
  );
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    fail(
      `tensor "${name}" has data_offsets ${show(offsets)}: expected [begin, end], ` +
        `two non-negative integers`,
    );
  }
  const [begin, end] = offsets;
  if (begin > end) fail(`tensor "${name}" has data_offsets ${show(offsets)}: begin is after end`);
  if (end > dataLength) {
    fail(
      `tensor "${name}" has data_offsets ${show(offsets)} but the data section is ` +
        `${dataLength} bytes`,
    );
  }
  const bytes = countElements(shape) * BigInt(DTYPE_SIZE[dtype]);
  if (bytes !== BigInt(end - begin)) {
    fail(
      `tensor "${name}" has shape ${show(shape)} (${bytes} bytes of ${dtype}) but data_offsets ` +
        `span ${end - begin} bytes`,
    );
  }
  return { dtype, shape, begin, end };
}

/** Checks that the tensors, sorted by offset, cover the data section with no gap or overlap. */
function checkTiling(tensors: Map<string, TensorInfo>, dataLength: number, fail: Fail): void {
  const sorted = [...tensors].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = "";
  for (const [name, { begin, end }] of sorted) {
    if (begin < cursor) {
      const { begin: b, end: e } = tensors.get(previous)!;
      fail(`tensors "${previous}" [${b},${e}] and "${name}" [${begin},${end}] overlap`);
    }
    if (begin > cursor) {
      fail(`bytes ${cursor} to ${begin} of the data section lie in no tensor (before "${name}")`);
    }
    cursor = end;
    previous = name;
  }
  if (cursor < dataLength) {
    fail(`bytes ${cursor} to ${dataLength} of the data section lie in no tensor (at the end)`);
  }
}

/** Where a SafetensorsFile gets its bytes: an open file or an in-memory buffer. */
interface ByteSource {
  readonly size: number;
  /**
   * Up to `length` bytes from `position`, in `into` when given (of that length), else in a
   * fresh buffer (so typed views are aligned).
   */
  readAt(position: number, length: number, into?: Uint8Array): Uint8Array;
  close(): void;
}

function fileSource(file: Deno.FsFile, size: number): ByteSource {
  return {
    size,
    readAt(position, length, into) {
      const bytes = into ?? new Uint8Array(length);
      file.seekSync(position, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < length) {
        const n = file.readSync(bytes.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return bytes.subarray(0, filled);
    },
    close: () => file.close(),
  };
}

function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    readAt(position, length, into) {
      const part = bytes.subarray(position, position + length);
      if (!into) return part.slice();
      into.set(part);
      return into.subarray(0, part.length);
    },
    close() {},
  };
}

/** The float32 value of IEEE half-precision bits. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let halves: Float32Array | undefined;

/** Every half-precision value, indexed by its bits (made once). */
function halfTable(): Float32Array {
  return halves ??= Float32Array.from({ length: 0x10000 }, (_, bits) => halfToFloat(bits));
}

/** The half-precision bits nearest to float32 bits, ties to even. */
function floatToHalf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  // NaN stays NaN (quiet), infinity stays infinity
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (halfExponent < -10) return sign; // below half the smallest subnormal: zero
  // a normal half keeps the top 10 of the 23 mantissa bits; a subnormal keeps fewer, and its
  // significand includes the implicit leading 1
  const significand = halfExponent > 0 ? mantissa : mantissa | 0x800000;
  const dropped = halfExponent > 0 ? 13 : 14 - halfExponent;
  const half = 1 << (dropped - 1);
  const rest = significand & ((1 << dropped) - 1);
  let result = (Math.max(halfExponent, 0) << 10) | (significand >>> dropped);
  // round to nearest, ties to even; a carry may roll into the exponent, up to infinity
  if (rest > half || (rest === half && result & 1)) result++;
  return sign | result;
}

/** The bfloat16 bits nearest to float32 bits, ties to even. */
function floatToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40; // NaN stays NaN (quiet)
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/**
 * A tensor's values from its bytes, which must own their buffer (so views are aligned). Typed
 * arrays use the platform's byte order: little-endian, as in safetensors, wherever Deno runs.
 */
function decode(dtype: Dtype, bytes: Uint8Array): RawTensor["data"] {
  switch (dtype) {
    case "F32":
      return new Float32Array(bytes.buffer);
    case "F16": {
      // one table lookup per value: a 14 MB F16 model widens in milliseconds, not seconds
      const halves = new Uint16Array(bytes.buffer), table = halfTable();
      const out = new Float32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
      return out;
    }
    case "BF16":
      return new Float32Array(
        Uint32Array.from(new Uint16Array(bytes.buffer), (b) => b << 16).buffer,
      );
    case "I32":
      return new Int32Array(bytes.buffer);
    case "I64":
      return new BigInt64Array(bytes.buffer);
  }
}

/** Fails unless every value is an integer in `[min, max]`. */
function checkIntegers(values: ArrayLike<number>, min: number, max: number, fail: Fail): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < min || v > max) {
      fail(`has the value ${v} at index ${i}, which is not an integer in [${min}, ${max}]`);
    }
  }
}

function bytesOf(array: Float32Array | Uint16Array | Int32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** One tensor's bytes as stored, converting and range-checking its values for `dtype`. */
function encodeData(
  dtype: Dtype,
  data: ArrayLike<number> | BigInt64Array,
  fail: Fail,
): Uint8Array {
  if (dtype === "I64" && data instanceof BigInt64Array) return bytesOf(data);
  const values = data instanceof BigInt64Array ? Array.from(data, Number) : data;
  if (dtype === "I64") {
    checkIntegers(values, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, fail);
    return bytesOf(BigInt64Array.from(values, BigInt));
  }
  if (dtype === "I32") {
    checkIntegers(values, -(2 ** 31), 2 ** 31 - 1, fail);
    return bytesOf(Int32Array.from(values));
  }
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === "F32") return bytesOf(floats);
  const bits = new Uint32Array(floats.buffer, floats.byteOffset, floats.length);
  return bytesOf(Uint16Array.from(bits, dtype === "F16" ? floatToHalf : floatToBf16));
}

/** A safetensors file opened for reading; see the module doc for the format. */
export class SafetensorsFile {
  /** The file's path, or the name given to {@linkcode SafetensorsFile.fromBytes}. */
  readonly path: string;
  /** The header's `__metadata__` (empty when the file has none). */
  readonly metadata: Record<string, string>;
  #source: ByteSource | undefined;
  #dataStart: number;
  #tensors: Map<string, TensorInfo>;

  private constructor(path: string, source: ByteSource) {
    this.path = path;
    this.#source = source;
    const fail: Fail = failWith(`Cannot read "${path}"`);
    if (source.size < 8) {
      fail(`file is ${source.size} bytes, too short for the 8-byte header length`);
    }
    const length = new DataView(this.#readAt(0, 8).buffer).getBigUint64(0, true);
    if (length > MAX_HEADER_BYTES) {
      fail(`header length ${length} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
    }
    this.#dataStart = 8 + Number(length);
    if (this.#dataStart > source.size) {
      fail(`header length ${length} runs past the end of the file (${source.size} bytes)`);
    }
    const header = this.#readAt(8, this.#dataStart - 8);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(header));
    } catch (e) {
      fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
    }
    if (!isObject(json)) fail(`header must be a JSON object, got ${show(json)}`);
    const { __metadata__: metadata, ...entries } = json;
    this.metadata = checkMetadata(metadata, fail);
    const dataLength = source.size - this.#dataStart;
    this.#tensors = new Map(
      Object.entries(entries).map(([name, e]) => [name, parseEntry(name, e, dataLength, fail)]),
    );
    checkTiling(this.#tensors, dataLength, fail);
  }

  /**
   * Opens a safetensors file and validates its whole header, reading no tensor data yet.
   *
   * @param path the file to open
   * @returns the open file: close it, or declare it with `using` to close it automatically
   * @example
   * ```ts
   * import { SafetensorsFile, writeSafetensors } from "./safetensors.ts";
   * const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
   * writeSafetensors(path, { wpe: { dtype: "F32", shape: [2, 2], data: [1, 2, 3, 4] } });
   * const file = SafetensorsFile.open(path);
   * file.readFloat32("wpe").data; // Float32Array [1, 2, 3, 4]
   * file.close();
   * Deno.removeSync(path);
   * ```
   */
  static open(path: string): SafetensorsFile {
    const file = guardIo(path, () => Deno.openSync(path));
    try {
      const size = guardIo(path, () => file.statSync().size);
      return new SafetensorsFile(path, fileSource(file, size));
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /**
   * Reads safetensors bytes already in memory, validating the header as {@linkcode open} does.
   *
   * @param bytes the whole file's bytes
   * @param name what error messages call the file
   * @returns the file, reading from `bytes`
   * @example
   * ```ts
   * import { encodeSafetensors, SafetensorsFile } from "./safetensors.ts";
   * const bytes = encodeSafetensors({ ids: { dtype: "I32", shape: [3], data: [7, 8, 9] } });
   * SafetensorsFile.fromBytes(bytes).read("ids").data; // Int32Array [7, 8, 9]
   * ```
   */
  static fromBytes(bytes: Uint8Array, name = "<memory>"): SafetensorsFile {
    return new SafetensorsFile(name, memorySource(bytes));
  }

  /**
   * Lists the tensors' names in header order (as JavaScript orders object keys: names that are
   * integers such as `"0"` come first).
   *
   * @returns the names, without `__metadata__`
   */
  names(): string[] {
    return [...this.#tensors.keys()];
  }

  /**
   * Tells whether the file holds a tensor of this name.
   *
   * @param name the tensor's name
   * @returns true if the header lists it
   */
  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  /**
   * Describes a tensor without reading its data.
   *
   * @param name the tensor's name
   * @returns its dtype, shape and data-section offsets
   */
  info(name: string): TensorInfo {
    const info = this.#tensors.get(name);
    if (info === undefined) {
      const names = this.names();
      const some = names.slice(0, 5).map((n) => `"${n}"`).join(", ");
      const known = names.length === 0
        ? "the file has no tensors"
        : `it has ${names.length}: ${some}${names.length > 5 ? ", ..." : ""}`;
      throw new SafetensorsError(`Cannot read "${this.path}": no tensor "${name}" (${known})`);
    }
    return { ...info, shape: [...info.shape] };
  }

  /**
   * Reads one tensor, and only that tensor's bytes, into fresh memory.
   *
   * @param name the tensor's name
   * @returns its dtype as stored, shape and values (F16 and BF16 widened to float32)
   * @example
   * ```ts
   * import { encodeSafetensors, SafetensorsFile } from "./safetensors.ts";
   * const bytes = encodeSafetensors({ pos: { dtype: "I64", shape: [2], data: [0, 1] } });
   * SafetensorsFile.fromBytes(bytes).read("pos"); // { dtype: "I64", shape: [2], data: BigInt64Array [0n, 1n] }
   * ```
   */
  read(name: string): RawTensor {
    const { dtype, shape, begin, end } = this.info(name);
    return {
      dtype,
      shape,
      data: decode(dtype, this.#readAt(this.#dataStart + begin, end - begin)),
    };
  }

  /**
   * Reads one tensor as float32, whatever its dtype.
   *
   * @param name the tensor's name
   * @param allocate makes the array the values go to (F32 values are read straight into it),
   *   for memory of the caller's choosing; by default a new `Float32Array`
   * @returns its shape and values; integers must lie within ±2^24, where float32 is exact
   */
  readFloat32(
    name: string,
    allocate: (length: number) => Float32Array = (n) => new Float32Array(n),
  ): { shape: number[]; data: Float32Array } {
    const info = this.info(name);
    if (info.dtype === "F32") {
      const data = allocate((info.end - info.begin) / 4);
      const into = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      this.#readAt(this.#dataStart + info.begin, into.length, into);
      return { shape: info.shape, data };
    }
    const { dtype, shape, data } = this.read(name);
    const floats = allocate(data.length);
    if (data instanceof Float32Array) {
      floats.set(data); // F16, BF16: widened by read()
      return { shape, data: floats };
    }
    for (let i = 0; i < data.length; i++) {
      const v = Number(data[i]);
      if (Math.abs(v) > MAX_EXACT_INT) {
        throw new SafetensorsError(
          `Cannot read "${this.path}": tensor "${name}" holds the ${dtype} value ${data[i]} at ` +
            `index ${i}, beyond ±2^24 where float32 holds integers exactly`,
        );
      }
      floats[i] = v;
    }
    return { shape, data: floats };
  }

  /** Closes the file; the header (names, info, metadata) stays available. */
  close(): void {
    this.#source?.close();
    this.#source = undefined;
  }

  /** Closes the file at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Exactly `length` bytes from `position` (in `into`, or a fresh buffer), or a SafetensorsError. */
  #readAt(position: number, length: number, into?: Uint8Array): Uint8Array {
    const source = this.#source;
    if (source === undefined) {
      throw new SafetensorsError(`Cannot read "${this.path}": it is closed`);
    }
    const bytes = guardIo(this.path, () => source.readAt(position, length, into));
    if (bytes.length < length) {
      throw new SafetensorsError(
        `Cannot read "${this.path}": it ends at byte ${position + bytes.length}, before byte ` +
          `${position + length} (was it truncated after opening?)`,
      );
    }
    return bytes;
  }
}

function encode(
  tensors: Parameters<typeof encodeSafetensors>[0],
  metadata: Record<string, string> | undefined,
  context: string,
): Uint8Array {
  const fail: Fail = failWith(context);
  const encoded = Object.entries(tensors).map(([name, tensor]) => {
    if (name === "__metadata__") fail(`"__metadata__" is reserved and cannot name a tensor`);
    const failTensor: Fail = (message) => fail(`tensor "${name}" ${message}`);
    const { dtype, shape } = checkKind(tensor.dtype, tensor.shape, failTensor);
    const { data } = tensor;
    const count = countElements(shape);
    if (count !== BigInt(data.length)) {
      failTensor(`has shape ${show(shape)} (${count} values) but ${data.length} values`);
    }
    return { name, dtype, shape, bytes: encodeData(dtype, data, failTensor) };
  });
  // widest elements first, so that each tensor starts aligned to its element size
  const layout = [...encoded].sort((a, b) => DTYPE_SIZE[b.dtype] - DTYPE_SIZE[a.dtype]);
  const offsets = new Map<string, [number, number]>();
  let dataLength = 0;
  for (const { name, bytes } of layout) {
    offsets.set(name, [dataLength, dataLength + bytes.length]);
    dataLength += bytes.length;
  }
  // built field by field so that the header keeps the caller's order
  const fields = encoded.map(({ name, dtype, shape }) =>
    `${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: offsets.get(name) })}`
  );
  if (metadata !== undefined) {
    fields.unshift(`"__metadata__":${JSON.stringify(checkMetadata(metadata, fail))}`);
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  // padded with spaces so that the data section starts 8-byte aligned
  const headerLength = Math.ceil(json.length / 8) * 8;
  const dataStart = 8 + headerLength;
  const out = new Uint8Array(dataStart + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);
  for (const { name, bytes } of encoded) out.set(bytes, dataStart + offsets.get(name)![0]);
  return out;
}

/**
 * Encodes tensors as the bytes of a safetensors file.
 *
 * @param tensors the tensors by name, listed in the header in this order; values of any numeric
 *   array, converted to `dtype`: F16 and BF16 round from float32 to nearest, ties to even; I32 and
 *   I64 values must be integers in range (I64 takes a `BigInt64Array` as is)
 * @param metadata string key/value pairs stored as the header's `__metadata__`
 * @returns the file's bytes, with the data section 8-byte aligned
 * @example
 * ```ts
 * import { encodeSafetensors, SafetensorsFile } from "./safetensors.ts";
 * const bytes = encodeSafetensors(
 *   { "ln_f.weight": { dtype: "F16", shape: [2], data: [1, 0.1] } },
 *   { format: "pt" },
 * );
 * SafetensorsFile.fromBytes(bytes).readFloat32("ln_f.weight").data; // Float32Array [1, 0.0999755859375]
 * ```
 */
export function encodeSafetensors(
  tensors: Record<
    string,
    { dtype: Dtype; shape: number[]; data: ArrayLike<number> | BigInt64Array }
  >,
  metadata?: Record<string, string>,
): Uint8Array {
  return encode(tensors, metadata, "Cannot encode safetensors");
}

/**
 * Writes tensors to a safetensors file atomically: the bytes go to a temporary file beside
 * `path`, which is then renamed over it, so `path` never holds a half-written file.
 *
 * @param path the file to create or replace
 * @param tensors the tensors by name, as for {@linkcode encodeSafetensors}
 * @param metadata string key/value pairs stored as the header's `__metadata__`
 * @example
 * ```ts
 * import { writeSafetensors } from "./safetensors.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".safetensors" });
 * writeSafetensors(path, { "wte.weight": { dtype: "F32", shape: [1, 2], data: [0.5, -1] } });
 * Deno.removeSync(path);
 * ```
 */
export function writeSafetensors(
  path: string,
  tensors: Record<
    string,
    { dtype: Dtype; shape: number[]; data: ArrayLike<number> | BigInt64Array }
  >,
  metadata?: Record<string, string>,
): void {
  const bytes = encode(tensors, metadata, `Cannot write "${path}"`);
  const temp = `${path}.tmp-${crypto.randomUUID()}`;
  let created = false;
  try {
    {
      using file = Deno.openSync(temp, { write: true, createNew: true });
      created = true;
      for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
      file.syncSync();
    }
    Deno.renameSync(temp, path);
  } catch (e) {
    if (created) {
      try {
        Deno.removeSync(temp);
      } catch {
        // keep the error that stopped the write
      }
    }
    throw new SafetensorsError(`Cannot write "${path}": ${(e as Error).message}`, { cause: e });
  }
}
