/**
 * Values crossing the process boundary between the grader and the sandboxed learner code:
 * JSON, with tensors as `{ "$tensor": { shape, base64 float32 } }` and errors described, not
 * thrown.
 *
 * @module
 */
import { Tensor } from "../lib/tensor.ts";

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

/**
 * Turns tensors (anywhere inside `value`) into JSON-safe objects.
 *
 * @param value a value built of JSON types and tensors
 * @returns a JSON-safe value
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Tensor) {
    const t = Tensor.stridedView(value.contiguous());
    const data = t.data.subarray(t.offset, t.offset + value.numel);
    return {
      $tensor: { shape: [...value.shape], data: new Uint8Array(data.slice().buffer).toBase64() },
    };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

/**
 * Restores tensors from {@linkcode toWire}'s output, as {@linkcode TensorData} or (with
 * `asTensor`) as `Tensor`s.
 *
 * @param value the wire value
 * @param asTensor build `Tensor`s (for learner code) instead of plain data
 * @returns the value with tensors restored
 */
export function fromWire(value: unknown, asTensor = false): unknown {
  if (Array.isArray(value)) return value.map((v) => fromWire(v, asTensor));
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("$number" in o) return Number(o.$number);
    if ("$tensor" in o) {
      const { shape, data } = o.$tensor as { shape: number[]; data: string };
      const bytes = Uint8Array.fromBase64(data);
      const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return asTensor ? new Tensor(floats, shape) : { shape, data: floats } satisfies TensorData;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromWire(v, asTensor)]));
  }
  return value;
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
