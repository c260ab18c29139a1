/**
 * Shape arithmetic shared by every tensor op: element counts, row-major strides, dimension
 * normalisation and NumPy/PyTorch broadcasting.
 *
 * @module
 */

/** A tensor's size along each dimension, outermost first. */
export type Shape = readonly number[];

/**
 * Formats a shape the way error messages print it.
 *
 * @param shape the shape to print
 * @returns the shape as `[2, 3]`
 * @example
 * ```ts
 * import { formatShape } from "./shape.ts";
 * formatShape([2, 3]); // "[2, 3]"
 * ```
 */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Counts the elements of a tensor of this shape (1 for a scalar, 0 when any size is 0).
 *
 * @param shape the shape
 * @returns the product of the sizes
 */
export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * Row-major (C-contiguous) strides for a shape: the last dimension moves fastest.
 *
 * @param shape the shape
 * @returns one stride per dimension, in elements
 * @example
 * ```ts
 * import { contiguousStrides } from "./shape.ts";
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Turns a possibly negative dimension into an index in `[0, ndim)`.
 *
 * @param dim the dimension, `-1` meaning the last
 * @param ndim the number of dimensions of the tensor
 * @param op the name of the operation, for the error message
 * @returns the dimension as a non-negative index
 * @throws {RangeError} when `dim` is out of range
 */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  if (!Number.isInteger(dim) || dim < -ndim || dim >= ndim) {
    const range = ndim === 0 ? "a 0-d tensor has no dimensions" : `expected ${-ndim}..${ndim - 1}`;
    throw new RangeError(`${op}: dimension ${dim} is out of range (${range})`);
  }
  return dim < 0 ? dim + ndim : dim;
}

/**
 * Checks that every size is a non-negative integer.
 *
 * @param shape the shape to check
 * @param op the name of the operation, for the error message
 * @returns the shape as a fresh mutable array
 * @throws {TypeError} when a size is negative or not an integer
 */
export function checkShape(shape: Shape, op: string): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new TypeError(
        `${op}: invalid shape ${formatShape(shape)}: sizes must be non-negative integers`,
      );
    }
  }
  return [...shape];
}

/**
 * The broadcast shape of two shapes, aligned from the right; a size-1 dimension stretches.
 *
 * @param a the first shape
 * @param b the second shape
 * @param op the name of the operation, for the error message
 * @returns the shape of the result
 * @throws {RangeError} naming both shapes when they cannot be broadcast
 * @example
 * ```ts
 * import { broadcastShapes } from "./shape.ts";
 * broadcastShapes([4, 1, 3], [5, 1], "add"); // [4, 5, 3]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast ` +
          `(dimension ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor as if it had been broadcast to `target`: stretched dimensions
 * get stride 0.
 *
 * @param shape the tensor's own shape
 * @param strides the tensor's own strides
 * @param target the broadcast shape (at least as many dimensions)
 * @returns strides aligned to `target`
 */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  }
  return out;
}
