/**
 * Where in the learner's file a report points for a check: the line where the learner's code
 * threw when the error was located; for a stage that could not run, where that stage's error
 * was thrown (else line 1); for a stage not started, its first `todo(...)`; otherwise the line
 * that defines what the check is about — its `subject`, or the first word of its name:
 * `export class CausalSelfAttention`, or a method such as `encode(text) {`; otherwise line 1.
 * The learner's file is read bounded (`learner_file.ts`).
 *
 * @module
 */
import { learnerSource } from "../learner_file.ts";
import type { CheckResult, StageResult } from "../stage.ts";
import { stageRan } from "./results.ts";

/** Reads a learner's file (relative path, as in the report); undefined when it cannot. */
export type ReadSource = (path: string) => string | undefined;

/** A line of a file. */
export interface Place {
  /** The file, as the report names it. */
  file: string;
  /** 1-based. */
  line: number;
}

/**
 * The line (1-based) that defines a name in a source file: its export (`export class MLP`),
 * else a class member of that name (a method, getter or field, e.g. `  encode(text) {`).
 *
 * @param source the file's text
 * @param name the export or member, e.g. `"CausalSelfAttention"`, `"encode"`
 * @returns the line, or undefined when the file defines no such thing
 * @example
 * ```ts
 * import { definitionLine } from "./places.ts";
 * definitionLine("// x\nexport class MLP extends nn.Module {}", "MLP"); // 2
 * ```
 */
export function definitionLine(source: string, name: string): number | undefined {
  const n = name.replace(/[$]/g, "\\$");
  const lines = source.split("\n");
  const exported = new RegExp(
    `^\\s*export\\s+(?:default\\s+)?(?:abstract\\s+)?(?:async\\s+)?` +
      `(?:class|function\\*?|const|let|var)\\s+${n}(?![\\w$])`,
  );
  const member = new RegExp(
    `^\\s+(?:(?:static|readonly|async|get|set)\\s+)*${n}\\s*(?:<[^>]*>)?\\s*[(:=]`,
  );
  const i = [exported, member].map((re) => lines.findIndex((l) => re.test(l))).find((i) =>
    i !== -1
  );
  return i === undefined ? undefined : i + 1;
}

/**
 * Where an error was thrown, from its `at` (`exercises/3_attention.ts:12:5`).
 *
 * @param at the location, if any
 * @returns the file and line, or undefined when there is none
 */
export function thrownPlace(at: string | undefined): Place | undefined {
  const m = at?.match(/^(.*):(\d+):\d+$/);
  return m ? { file: m[1], line: Number(m[2]) } : undefined;
}

/**
 * The line a report points at for a check (see the module's description).
 *
 * @param r the stage
 * @param c one of its checks
 * @param read reads a learner's file (default: from disk)
 * @returns the place
 */
export function checkPlace(
  r: StageResult,
  c: CheckResult,
  read: ReadSource = learnerSource,
): Place {
  const thrown = thrownPlace(c.at);
  if (thrown) return thrown;
  if (r.status === "error" && !stageRan(r)) return errorPlace(r);
  if (r.status === "not-started") return todoPlace(r, read);
  const source = read(r.file);
  const first = c.name.match(/^[A-Za-z_$][\w$]*/)?.[0];
  const line = source === undefined ? undefined : [c.subject, first]
    .filter((n) => n !== undefined)
    .map((n) => definitionLine(source, n!))
    .find((l) => l !== undefined);
  return { file: r.file, line: line ?? 1 };
}

/**
 * The line of a stage's first unwritten `todo(...)`, where a stage not started points.
 *
 * @param r the stage
 * @param read reads a learner's file (default: from disk)
 * @returns the place (line 1 when the file has none)
 */
export function todoPlace(r: StageResult, read: ReadSource = learnerSource): Place {
  const lines = (read(r.file) ?? "").split("\n");
  const i = lines.findIndex((l) => /^\s*(?:return\s+)?todo\(/.test(l));
  return { file: r.file, line: i === -1 ? 1 : i + 1 };
}

/**
 * Where a stage that could not be graded points: where its error was thrown, else line 1.
 *
 * @param r the stage
 * @returns the place
 */
export function errorPlace(r: StageResult): Place {
  return thrownPlace(r.error?.at) ?? { file: r.file, line: 1 };
}
