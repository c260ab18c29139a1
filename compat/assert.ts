/**
 * The subset of `@std/assert` this kit's tests use, built on `node:assert/strict`.
 *
 * JSR is not reachable where the kit is developed, so `deno.json` maps `@std/assert` to this
 * file. Every function keeps the signature of its `@std/assert` namesake: switching to the real
 * package is a one-line change of the import map.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  /** @param message what was expected and what was found */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function fail(message: string | undefined, fallback: string): never {
  throw new AssertionError(message ?? fallback);
}

/**
 * Asserts that `expr` is truthy.
 *
 * @param expr the value to test
 * @param msg message on failure
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * assert(1 + 1 === 2);
 * ```
 */
export function assert(expr: unknown, msg?: string): asserts expr {
  if (!expr) fail(msg, "Expected expression to be truthy");
}

/**
 * Asserts that `expr` is falsy.
 *
 * @param expr the value to test
 * @param msg message on failure
 */
export function assertFalse(expr: unknown, msg?: string): void {
  if (expr) fail(msg, "Expected expression to be falsy");
}

/**
 * Asserts deep equality (structural, strict).
 *
 * @param actual the value found
 * @param expected the value expected
 * @param msg message on failure
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * assertEquals([1, 2], [1, 2]);
 * ```
 */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    nodeAssert.deepStrictEqual(actual, expected);
  } catch (e) {
    fail(msg ? `${msg}\n${(e as Error).message}` : undefined, (e as Error).message);
  }
}

/**
 * Asserts deep inequality.
 *
 * @param actual the value found
 * @param expected the value it must differ from
 * @param msg message on failure
 */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    nodeAssert.notDeepStrictEqual(actual, expected);
  } catch (e) {
    fail(msg, (e as Error).message);
  }
}

/**
 * Asserts `Object.is` identity.
 *
 * @param actual the value found
 * @param expected the value expected
 * @param msg message on failure
 */
export function assertStrictEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!Object.is(actual, expected)) {
    fail(msg, `Expected ${String(actual)} to be identical to ${String(expected)}`);
  }
}

/**
 * Asserts that two numbers are within `tolerance` (default 1e-7) of each other.
 *
 * @param actual the number found
 * @param expected the number expected
 * @param tolerance the largest allowed absolute difference
 * @param msg message on failure
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * assertAlmostEquals(0.1 + 0.2, 0.3);
 * ```
 */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  msg?: string,
): void {
  if (Object.is(actual, expected)) return;
  const delta = Math.abs(expected - actual);
  if (!(delta <= tolerance)) {
    fail(msg, `Expected ${actual} to be close to ${expected}: delta ${delta} > ${tolerance}`);
  }
}

/**
 * Asserts that `actual > expected`.
 *
 * @param actual the value found
 * @param expected the bound it must exceed
 * @param msg message on failure
 */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual > expected)) fail(msg, `Expected ${actual} > ${expected}`);
}

/**
 * Asserts that `actual < expected`.
 *
 * @param actual the value found
 * @param expected the bound it must stay under
 * @param msg message on failure
 */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual < expected)) fail(msg, `Expected ${actual} < ${expected}`);
}

/**
 * Asserts that a string contains `expected`.
 *
 * @param actual the text found
 * @param expected the text it must contain
 * @param msg message on failure
 */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    fail(msg, `Expected actual: "${actual}" to contain: "${expected}".`);
  }
}

/**
 * Asserts that a string matches a regular expression.
 *
 * @param actual the text found
 * @param expected the pattern it must match
 * @param msg message on failure
 */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) fail(msg, `Expected actual: "${actual}" to match: "${expected}".`);
}

/**
 * Asserts that a value is an instance of a class.
 *
 * @param actual the value found
 * @param expectedType the class it must be an instance of
 * @param msg message on failure
 */
export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expectedType: T,
  msg?: string,
): asserts actual is InstanceType<T> {
  if (!(actual instanceof expectedType)) {
    fail(msg, `Expected object to be an instance of "${expectedType.name}"`);
  }
}

function checkError(
  e: unknown,
  ErrorClass?: abstract new (...args: never[]) => Error,
  msgIncludes?: string,
): Error {
  if (!(e instanceof Error)) fail(undefined, "A non-Error object was thrown.");
  if (ErrorClass && !(e instanceof ErrorClass)) {
    const found = e as Error;
    fail(
      undefined,
      `Expected error to be instance of "${ErrorClass.name}", but was "${found.name}": ${found.message}`,
    );
  }
  if (msgIncludes !== undefined && !e.message.includes(msgIncludes)) {
    fail(
      undefined,
      `Expected error message to include "${msgIncludes}", but got "${e.message}".`,
    );
  }
  return e;
}

/**
 * Asserts that `fn` throws, optionally an instance of `ErrorClass` whose message includes
 * `msgIncludes`; returns the error.
 *
 * @param fn the function expected to throw
 * @param ErrorClass the class the error must be an instance of
 * @param msgIncludes text the error message must contain
 * @returns the thrown error
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * assertThrows(() => { throw new RangeError("no"); }, RangeError, "no");
 * ```
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass?: abstract new (...args: never[]) => E,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (e) {
    return checkError(e, ErrorClass, msgIncludes) as E;
  }
  fail(undefined, "Expected function to throw.");
}

/**
 * Asserts that the promise returned by `fn` rejects, as {@linkcode assertThrows} does.
 *
 * @param fn the async function expected to reject
 * @param ErrorClass the class the error must be an instance of
 * @param msgIncludes text the error message must contain
 * @returns the rejection's error
 */
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: abstract new (...args: never[]) => E,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, ErrorClass, msgIncludes) as E;
  }
  fail(undefined, "Expected function to reject.");
}
