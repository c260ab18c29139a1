/**
 * The error of a bad command line, shared by every command of the kit (and by the model
 * choice in `grader/context.ts`, which the tools' shared `cli.ts` itself imports).
 *
 * @module
 */

/** Thrown for bad command-line arguments: printed with the tool's usage, exit code 2. */
export class UsageError extends Error {
  /** @param message what was wrong with the arguments, and what to type instead */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
