/**
 * Built-ins taken when this module loads, before any learner code runs in the sandboxed child.
 *
 * Learner code shares the child's globals: it can replace `JSON.stringify`, `Math.abs`, an
 * array method, a typed array's getters or `Float32Array[Symbol.species]`. What the grader's
 * own code does there — writing result frames, encoding values, watching an input for changes —
 * goes through these copies instead, so that such a patch cannot change what a check sees or
 * reveal the frames' nonce. (The kit's own classes are frozen before learner code loads; see
 * `child.ts`.)
 *
 * @module
 */

/** `Reflect.apply`. */
export const apply = Reflect.apply;
/** `Array.isArray`. */
export const isArray = Array.isArray;
/** `Object.keys`. */
export const keysOf = Object.keys;
/** `Number.isFinite`. */
export const isFiniteNumber = Number.isFinite;
/** `JSON.stringify` for a string or a number, which never calls learner code. */
export const jsonText = JSON.stringify as (v: string | number) => string;

const push = Array.prototype.push;
const join = Array.prototype.join;
const typedArray = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (name: string) => Object.getOwnPropertyDescriptor(typedArray, name)!.get!;
const bufferOf = getter("buffer");
const byteOffsetOf = getter("byteOffset");
const byteLengthOf = getter("byteLength");
const lengthOf = getter("length");
const setFrom = typedArray.set;
const encode = TextEncoder.prototype.encode;
const encoder = new TextEncoder();
const toBase64 = (Uint8Array.prototype as unknown as { toBase64(): string }).toBase64;
const Bytes = Uint8Array;
const Floats = Float32Array;

/**
 * Appends to an array.
 *
 * @param list the array
 * @param item what to add
 */
export function append<T>(list: T[], item: T): void {
  apply(push, list, [item]);
}

/**
 * Joins strings.
 *
 * @param list the strings
 * @param separator between them
 * @returns the joined text
 */
export function joined(list: readonly unknown[], separator = ""): string {
  return apply(join, list, [separator]);
}

/**
 * The length of a typed array.
 *
 * @param a the array
 * @returns its element count
 */
export function lengthOfTyped(a: Float32Array | Uint8Array): number {
  return apply(lengthOf, a, []);
}

/**
 * A copy of a float array, in a new buffer.
 *
 * @param src the elements
 * @returns the copy
 */
export function copyFloats(src: Float32Array): Float32Array {
  const copy = new Floats(lengthOfTyped(src));
  apply(setFrom, copy, [src]);
  return copy;
}

/**
 * Whether two float arrays hold the same elements (NaN equal to NaN).
 *
 * @param a one array
 * @param b the other
 * @returns true when no element differs
 */
export function sameFloats(a: Float32Array, b: Float32Array): boolean {
  const n = lengthOfTyped(a);
  if (n !== lengthOfTyped(b)) return false;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  }
  return true;
}

/**
 * Whether no two items of a list are the same object (plain loops: no `Set` whose `add` could
 * be patched).
 *
 * @param items the items
 * @returns true when all differ
 */
export function allDistinct(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    for (let j = 0; j < i; j++) if (items[i] === items[j]) return false;
  }
  return true;
}

/**
 * A float array's bytes as base64.
 *
 * @param floats the elements
 * @returns base64 of their little-endian bytes
 */
export function floatsBase64(floats: Float32Array): string {
  const copy = copyFloats(floats);
  const bytes = new Bytes(
    apply(bufferOf, copy, []),
    apply(byteOffsetOf, copy, []),
    apply(byteLengthOf, copy, []),
  );
  return apply(toBase64, bytes, []);
}

/**
 * Writes a frame whole to a stream: `prefix`, then `text`, then a newline, in one write (no
 * learner code can print between them), by the same means as {@linkcode writeAll}. The prefix
 * stays bytes: the frames' nonce is never a string in the child's heap, where a heap snapshot
 * would show it.
 *
 * @param write the stream's `writeSync`, bound before learner code ran
 * @param prefix the frame's first bytes (marker and nonce)
 * @param text the frame's JSON
 */
export function writeFrame(
  write: (p: Uint8Array) => number,
  prefix: Uint8Array,
  text: string,
): void {
  const body: Uint8Array = apply(encode, encoder, [text]);
  const p = lengthOfTyped(prefix), n = lengthOfTyped(body);
  const frame = new Bytes(p + n + 1);
  apply(setFrom, frame, [prefix]);
  apply(setFrom, frame, [body, p]);
  frame[p + n] = 10;
  writeBytes(write, frame);
}

/**
 * Writes text whole to a stream, without letting learner code see its bytes: no `subarray`
 * (which would ask `Uint8Array[Symbol.species]` for a constructor), no patched encoder.
 *
 * @param write the stream's `writeSync`, bound before learner code ran
 * @param text what to write
 */
export function writeAll(write: (p: Uint8Array) => number, text: string): void {
  writeBytes(write, apply(encode, encoder, [text]));
}

function writeBytes(write: (p: Uint8Array) => number, bytes: Uint8Array): void {
  const buffer = apply(bufferOf, bytes, []);
  const start = apply(byteOffsetOf, bytes, []);
  const n = apply(byteLengthOf, bytes, []);
  for (let at = 0; at < n;) at += write(new Bytes(buffer, start + at, n - at));
}
