/**
 * Values crossing the process boundary between the grader and the sandboxed learner code.
 *
 * Every value is sent as a *tagged* JSON node, so that the shape of a learner's data can never
 * be mistaken for the wire's own structure: JSON's strings, booleans, finite numbers and `null`
 * stand for themselves; everything else is an object with exactly one key —
 * `{"a": [...]}` an array, `{"o": {...}}` an object, `{"n": "NaN"}` a non-finite number,
 * `{"u": "function"}` a value JSON cannot hold (read back as `undefined`), and
 * `{"t": {"s": shape, "d": base64}}` a tensor. A learner's object `{ t: ... }` is sent as
 * `{"o": {"t": ...}}` and comes back as that object, never as a tensor: only this encoder,
 * given a real `Tensor`, writes a `t` node.
 *
 * The encoder runs in the sandbox, next to learner code, so it writes the JSON text itself
 * with built-ins taken when this module loads (before any learner code): a patched
 * `JSON.stringify`, `Object.prototype.toJSON` or array method cannot change what it writes.
 * The decoder runs in the grader and trusts nothing: it checks every node, the nesting depth,
 * tensor shapes against their bytes, and sizes, and throws a {@linkcode WireError} that says
 * what was wrong.
 *
 * @module
 */
import { Tensor } from "../lib/tensor.ts";
import {
  append,
  floatsBase64,
  isArray,
  isFiniteNumber,
  joined,
  jsonText,
  keysOf,
  lengthOfTyped,
} from "./intrinsics.ts";

/** A tensor as plain data: the grader compares these without running learner code. */
export interface TensorData {
  /** The shape. */
  shape: number[];
  /** The elements, row-major. */
  data: Float32Array;
}

/** What learner code threw, as the grader reports it. */
export interface ThrownError {
  /** `not-implemented` for the kit's `todo()`, else `exception`. */
  kind: "not-implemented" | "exception";
  /** The error's class name, e.g. `RangeError`. */
  name: string;
  /** The error's message. */
  message: string;
  /** For `todo()`: the unfinished function and its hint. */
  what?: string;
  /** For `todo()`: the hint. */
  hint?: string;
  /** Where in the learner's files it was thrown (`file.ts:12:5`), when known. */
  at?: string;
}

/** The outcome of one probe: a value, or what the learner's code threw. */
export type ProbeOutcome = { ok: true; value: unknown } | { ok: false; error: ThrownError };

/** Deepest nesting of arrays and objects a value may have. */
export const MAX_DEPTH = 64;
/** Most dimensions of a tensor on the wire. */
const MAX_DIMS = 8;

/** A value that cannot be sent, or a wire node that is not one the encoder writes. */
export class WireError extends Error {
  /** @param message what was wrong */
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

const rowMajor = Tensor.rowMajor;
const isTensor = Tensor.isTensor;

/**
 * Encodes a value as the JSON text of its tagged node.
 *
 * @param value a value built of JSON types and tensors (from learner code or the grader)
 * @param maxChars the most characters the text may have
 * @returns the JSON text
 * @throws {WireError} when the value is nested deeper than {@linkcode MAX_DEPTH}, is larger
 *   than `maxChars`, or holds a tensor that cannot be read
 * @example
 * ```ts
 * import { encodeValue } from "./wire.ts";
 * encodeValue({ ids: [1, 2], t: "x" }); // '{"o":{"ids":{"a":[1,2]},"t":"x"}}'
 * ```
 */
export function encodeValue(value: unknown, maxChars = Infinity): string {
  const parts: string[] = [];
  let chars = 0;
  const out = (s: string) => {
    chars += s.length;
    if (chars > maxChars) throw new WireError(`it is larger than ${maxChars} characters`);
    append(parts, s);
  };
  const visit = (v: unknown, depth: number): void => {
    if (v === null || typeof v === "boolean") return out(v === null ? "null" : `${v}`);
    if (typeof v === "string") {
      // escaping only lengthens a string: refuse a long one before copying it
      if (chars + v.length > maxChars) out(v);
      return out(jsonText(v));
    }
    if (typeof v === "number") return out(isFiniteNumber(v) ? jsonText(v) : `{"n":"${v}"}`);
    if (typeof v !== "object") return out(`{"u":${jsonText(typeof v)}}`);
    if (depth >= MAX_DEPTH) throw new WireError(`it is nested more than ${MAX_DEPTH} deep`);
    if (isTensor(v)) return out(tensorNode(v));
    if (isArray(v)) {
      out('{"a":[');
      for (let i = 0; i < v.length; i++) {
        if (i) out(",");
        visit(v[i], depth + 1);
      }
      return out("]}");
    }
    out('{"o":{');
    const keys = keysOf(v);
    for (let i = 0; i < keys.length; i++) {
      out(`${i ? "," : ""}${jsonText(keys[i])}:`);
      visit((v as Record<string, unknown>)[keys[i]], depth + 1);
    }
    out("}}");
  };
  visit(value, 0);
  return joined(parts);
}

// The shape is checked against the elements here: a tensor whose fields were tampered with
// cannot write a node that says more (or other) than its data.
function tensorNode(t: Tensor): string {
  const elements = rowMajor(t);
  const shape = t.shape;
  const sizes: string[] = [];
  let numel = 1;
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i];
    if (typeof n !== "number" || !(n >= 0) || n % 1 !== 0) {
      throw new WireError("it holds a tensor whose shape is not a list of sizes");
    }
    numel *= n;
    append(sizes, jsonText(n));
  }
  if (numel !== lengthOfTyped(elements)) {
    throw new WireError("it holds a tensor whose shape does not match its elements");
  }
  return `{"t":{"s":[${joined(sizes, ",")}],"d":"${floatsBase64(elements)}"}}`;
}

/**
 * Decodes a tagged node (parsed JSON) back into a value, checking it as it goes.
 *
 * @param node the parsed JSON of {@linkcode encodeValue}'s text
 * @param asTensor build `Tensor`s (for learner code) instead of {@linkcode TensorData}
 * @returns the value
 * @throws {WireError} for any node the encoder does not write, nesting deeper than
 *   {@linkcode MAX_DEPTH}, or a tensor whose shape does not match its bytes
 * @example
 * ```ts
 * import { decodeValue } from "./wire.ts";
 * decodeValue(JSON.parse('{"o":{"t":{"a":[1]}}}')); // { t: [1] }: an object, not a tensor
 * ```
 */
export function decodeValue(node: unknown, asTensor = false): unknown {
  const visit = (n: unknown, depth: number): unknown => {
    if (n === null || typeof n === "boolean" || typeof n === "string") return n;
    if (typeof n === "number") {
      if (!Number.isFinite(n)) throw new WireError("a number that JSON cannot hold");
      return n;
    }
    if (typeof n !== "object" || isArray(n)) throw new WireError("an untagged array or value");
    if (depth >= MAX_DEPTH) throw new WireError(`a value nested more than ${MAX_DEPTH} deep`);
    const keys = keysOf(n);
    if (keys.length !== 1) throw new WireError(`a node with ${keys.length} keys instead of 1`);
    const body = (n as Record<string, unknown>)[keys[0]];
    switch (keys[0]) {
      case "a":
        if (!isArray(body)) throw new WireError('an "a" node that is not an array');
        return body.map((x) => visit(x, depth + 1));
      case "o": {
        if (body === null || typeof body !== "object" || isArray(body)) {
          throw new WireError('an "o" node that is not an object');
        }
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(body)) {
          Object.defineProperty(o, k, {
            value: visit(v, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return o;
      }
      case "n":
        if (body !== "NaN" && body !== "Infinity" && body !== "-Infinity") {
          throw new WireError('an "n" node that is not NaN or ±Infinity');
        }
        return Number(body);
      case "u":
        if (typeof body !== "string") throw new WireError('a "u" node without a type');
        return undefined;
      case "t":
        return tensorOf(body, asTensor);
      default:
        throw new WireError(`a node tagged ${JSON.stringify(keys[0].slice(0, 20))}`);
    }
  };
  return visit(node, 0);
}

function tensorOf(body: unknown, asTensor: boolean): TensorData | Tensor {
  const { s: shape, d: data } = (body ?? {}) as { s?: unknown; d?: unknown };
  if (
    !isArray(shape) || shape.length > MAX_DIMS ||
    !shape.every((x) => Number.isSafeInteger(x) && x >= 0)
  ) {
    throw new WireError(`a tensor shape that is not up to ${MAX_DIMS} sizes`);
  }
  if (typeof data !== "string") throw new WireError("a tensor without its data");
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(data);
  } catch {
    throw new WireError("a tensor whose data is not base64");
  }
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== numel * 4) {
    throw new WireError(
      `a tensor of shape [${shape.join(", ")}] with ${bytes.byteLength} bytes of data`,
    );
  }
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, numel);
  return asTensor
    ? new Tensor(floats, shape as number[])
    : { shape: shape as number[], data: floats } satisfies TensorData;
}

/**
 * Whether a wire-decoded value is tensor data.
 *
 * @param v any value
 * @returns true for {@linkcode TensorData}
 */
export function isTensorData(v: unknown): v is TensorData {
  return v !== null && typeof v === "object" && (v as TensorData).data instanceof Float32Array &&
    Array.isArray((v as TensorData).shape);
}
