/**
 * The GitHub Actions report: workflow-command annotations that point into the learner's file
 * (`::error file=exercises/3_attention.ts,line=61,title=…::message`), shown on the pull request
 * and the run's page, and a markdown table for the job's step summary.
 *
 * An annotation sits where `places.ts` says a check points (the line that threw, else the
 * definition the check is about); a stage not started points at its first `todo(...)`.
 * Failures are errors; work not started yet is a warning. Every learner text is escaped for its
 * place.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import { checkPlace, errorPlace, type Place, type ReadSource, todoPlace } from "./places.ts";
import { checkText, notStartedAdvice, notStartedHint, stageTitle } from "./results.ts";
import { stagePoints, totals } from "./totals.ts";

/** Escapes a workflow command's message. */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a workflow command's property value. */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
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
  read?: ReadSource,
): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const stage = stageTitle(r);
    if (r.status === "not-started") {
      const hint = notStartedHint(r);
      const text = `Not started. ${notStartedAdvice(r)}` +
        (hint ? `\nhint: ${hint}` : "");
      lines.push(command("warning", todoPlace(r, read), stage, text));
      continue;
    }
    if (r.status === "error") {
      lines.push(command("error", errorPlace(r), `${stage}: could not be graded`, r.message));
    }
    for (const c of r.checks) {
      if (c.status !== "fail" && c.status !== "todo") continue;
      const text = checkText(c);
      const level = c.status === "todo" ? "warning" : "error";
      lines.push(command(level, checkPlace(r, c, read), `${stage}: ${c.name}`, text));
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
