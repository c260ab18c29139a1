/**
 * The GitHub Actions report: workflow-command annotations that point into the learner's file
 * (`::error file=exercises/3_attention.ts,line=61,title=…::message`), shown on the pull request
 * and the run's page, and a markdown table for the job's step summary.
 *
 * An annotation sits on the line where the learner's code threw when the error was located;
 * otherwise on the line that defines what the check is about — its `subject`, or the first word
 * of its name: `export class CausalSelfAttention`, or a method such as `encode(text) {`;
 * otherwise on line 1. Failures are errors; work not started yet is a warning. The learner's
 * file is read bounded (`learner_file.ts`), and every learner text escaped for its place.
 *
 * @module
 */
import { learnerSource } from "../learner_file.ts";
import type { CheckResult, StageResult } from "../stage.ts";
import { checkText, notStartedAdvice, notStartedHint } from "./results.ts";
import { stagePoints, totals } from "./totals.ts";

/** Reads a learner's file (relative path, as in the report); undefined when it cannot. */
export type ReadSource = (path: string) => string | undefined;

/** Escapes a workflow command's message. */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a workflow command's property value. */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
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
 * import { definitionLine } from "./github.ts";
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

interface Place {
  file: string;
  line: number;
}

/** `exercises/3_attention.ts:12:5` -> file and line. */
function parseAt(at: string | undefined): Place | undefined {
  const m = at?.match(/^(.*):(\d+):\d+$/);
  return m ? { file: m[1], line: Number(m[2]) } : undefined;
}

function placeOf(r: StageResult, c: CheckResult, read: ReadSource): Place {
  const thrown = parseAt(c.at);
  if (thrown) return thrown;
  const source = read(r.file);
  const first = c.name.match(/^[A-Za-z_$][\w$]*/)?.[0];
  const line = source === undefined ? undefined : [c.subject, first]
    .filter((n) => n !== undefined)
    .map((n) => definitionLine(source, n!))
    .find((l) => l !== undefined);
  return { file: r.file, line: line ?? 1 };
}

function firstTodoLine(source: string | undefined): number {
  const i = (source ?? "").split("\n").findIndex((l) => /^\s*(?:return\s+)?todo\(/.test(l));
  return i === -1 ? 1 : i + 1;
}

function command(level: "error" | "warning", place: Place, title: string, text: string): string {
  return `::${level} file=${escapeProperty(place.file)},line=${place.line},title=${
    escapeProperty(title)
  }::${escapeData(text)}`;
}

/**
 * The annotations for a run: one per failing or unwritten check, one for a stage that could
 * not be graded, one for a stage not started yet.
 *
 * @param results the graded stages
 * @param read reads a learner's file (default: from disk)
 * @returns the workflow commands, one per line
 */
export function githubAnnotations(
  results: readonly StageResult[],
  read: ReadSource = learnerSource,
): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const stage = `Stage ${r.stage} · ${r.name}`;
    if (r.status === "not-started") {
      const hint = notStartedHint(r);
      const text = `Not started. ${notStartedAdvice(r)}` +
        (hint ? `\nhint: ${hint}` : "");
      lines.push(
        command("warning", { file: r.file, line: firstTodoLine(read(r.file)) }, stage, text),
      );
      continue;
    }
    if (r.status === "error") {
      const place = parseAt(r.error?.at) ?? { file: r.file, line: 1 };
      lines.push(command("error", place, `${stage}: could not be graded`, r.message));
    }
    for (const c of r.checks) {
      if (c.status !== "fail" && c.status !== "todo") continue;
      const text = checkText(c);
      const level = c.status === "todo" ? "warning" : "error";
      lines.push(command(level, placeOf(r, c, read), `${stage}: ${c.name}`, text));
    }
  }
  return lines;
}

/**
 * Text as literal markdown in a table cell: every character markdown or HTML could read as
 * markup is escaped (a learner's message cannot add a link, an image or a column), newlines
 * become spaces, and `:` and `@` are escaped so that no address becomes an automatic link.
 *
 * @param s any text
 * @returns the escaped text
 * @example
 * ```ts
 * import { markdownText } from "./github.ts";
 * markdownText("![x](http://e) | <b>"); // "\\!\\[x\\]\\(http\\://e\\) \\| &lt;b&gt;"
 * ```
 */
export function markdownText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+\-.!|~:@]/g, "\\$&").replace(/\r?\n/g, " ");
}

const STATUS = {
  pass: "✅ pass",
  fail: "❌ fail",
  "not-started": "⏳ not started",
  error: "💥 error",
} as const;

/**
 * The step summary: a markdown table of the stages, their status and points, and the total.
 *
 * @param results the graded stages
 * @param model the model graded on, e.g. `tiny`
 * @returns the markdown
 */
export function stepSummary(results: readonly StageResult[], model: string): string {
  const cell = markdownText;
  const rows = results.map((r) => {
    const p = stagePoints(r);
    return `| ${r.stage} · ${cell(r.name)} | ${STATUS[r.status]} — ${cell(r.message)} | ` +
      `${p.points} / ${p.maxPoints} |`;
  });
  const t = totals(results);
  return [
    `### gpt2-kit grading (${model} model)`,
    "",
    "| stage | status | points |",
    "| --- | --- | --- |",
    ...rows,
    `| **total** | ${t.passed} of ${t.stages} stages pass | **${t.points} / ${t.maxPoints}** |`,
    "",
  ].join("\n");
}
