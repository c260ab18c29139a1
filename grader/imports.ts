/**
 * The import specifiers written in a module's text: static imports, re-exports and dynamic
 * imports of a string literal. What the student template follows to find the files that reveal
 * the solutions, and what a grading snapshot follows to find the learner files a stage loads.
 *
 * @module
 */

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/**
 * The specifiers a module's text imports, in order of appearance.
 *
 * @param text a module's source
 * @returns its import specifiers
 * @example
 * ```ts
 * import { importSpecifiers } from "./imports.ts";
 * importSpecifiers('import { nn } from "../mod.ts";\nexport * from "./4_mlp.ts";');
 * // ["../mod.ts", "./4_mlp.ts"]
 * ```
 */
export function importSpecifiers(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1]);
}
