/**
 * The library's reference layers and functions that a stage asks learners to write themselves
 * (`F.scaledDotProductAttention` in stage 3, `nn.Conv1D` and `F.gelu` in stage 4, ...) are
 * withheld while that stage is graded: the grader's sandbox names them before the learner's
 * code loads, and calling one then throws an error that says to write it yourself. Everywhere
 * else (your own experiments, the grader's references) they work as usual.
 *
 * There is no way to give one back within a process: withholding only ever adds.
 *
 * @module
 */

// A null-prototype record, read with plain property access: a learner's patch of `Map.prototype`
// or `Object.prototype` cannot change what is withheld.
const withheld: Record<string, string> = Object.create(null);

/** Thrown when code calls a reference that is withheld while a stage is graded. */
export class WithheldError extends Error {
  /** @param message which reference, and what to use instead */
  constructor(message: string) {
    super(message);
    this.name = "WithheldError";
  }
}

/**
 * Withholds references for the rest of the process.
 *
 * @param reasons why each is withheld, by name (e.g. `"F.gelu"`): the message its callers get
 * @example
 * ```ts
 * import { available, withhold } from "./withheld.ts";
 * withhold({ "F.example": "write it yourself" });
 * try {
 *   available("F.example");
 * } catch (e) {
 *   (e as Error).message; // "write it yourself"
 * }
 * ```
 */
export function withhold(reasons: Readonly<Record<string, string>>): void {
  for (const [name, why] of Object.entries(reasons)) withheld[name] ??= why;
}

/**
 * Called first by each reference that a stage may withhold.
 *
 * @param name the reference, as learners write it (`"nn.Conv1D"`)
 * @throws {WithheldError} while it is withheld
 */
export function available(name: string): void {
  const why = withheld[name];
  if (why !== undefined) throw new WithheldError(why);
}
