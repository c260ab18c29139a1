/**
 * The error an unfinished exercise throws: the grader reports the stage as "not started"
 * (or the check as "to do") and shows the hint, instead of a crash.
 *
 * @module
 */

/** Thrown by {@linkcode todo}: a piece of an exercise the learner has not written yet. */
export class NotImplementedError extends Error {
  /**
   * @param what the function or method still to write, e.g. `"MLP.forward"`
   * @param hint the first step, phrased to teach
   */
  constructor(readonly what: string, readonly hint: string) {
    super(`${what} is not implemented yet. Hint: ${hint}`);
    this.name = "NotImplementedError";
  }
}

/**
 * Marks the spot a learner has to fill in, like Rust's `todo!()`.
 *
 * @param what the function or method still to write
 * @param hint the first step
 * @returns never: it always throws
 * @throws {NotImplementedError} always
 * @example
 * ```ts
 * import { todo } from "./todo.ts";
 * function gelu(_x: number): number {
 *   return todo("gelu", "Which formula does GPT-2 use: erf, or the tanh approximation?");
 * }
 * ```
 */
export function todo(what: string, hint: string): never {
  throw new NotImplementedError(what, hint);
}
