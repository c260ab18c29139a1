/**
 * Every machine-readable report the grader writes from one grading run, by name: what
 * `deno task check --format` and `--report` accept, and what `grade-batch` and the platform
 * kits write.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import { classroomReport } from "./classroom.ts";
import { exercismReport } from "./exercism.ts";
import { githubAnnotations } from "./github.ts";
import { gradescopeReport } from "./gradescope.ts";
import { jsonReport } from "./json.ts";
import { junitReport } from "./junit.ts";
import { prairielearnReport } from "./prairielearn.ts";

/** The reports, each a document of its own. */
export const REPORT_FORMATS = [
  "json",
  "junit",
  "github",
  "classroom",
  "gradescope",
  "prairielearn",
  "exercism",
] as const;

/** A report's name. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/** What some reports need besides the graded stages. */
export interface ReportContext {
  /** The model graded on, e.g. `tiny`. */
  model: string;
  /** Whether the references are an instructor's hidden ones (not the kit's own). */
  hiddenReferences: boolean;
}

/** What each report is, in a few words (for usage texts). */
export const FORMAT_HELP: Record<ReportFormat, string> = {
  json: "the kit's own JSON: stages, checks, points",
  junit: "JUnit XML, a test case per check (file, line, time)",
  github: "GitHub annotations (and a table in $GITHUB_STEP_SUMMARY when it is set)",
  classroom: "base64 result for GitHub Classroom's autograding-grading-reporter",
  gradescope: "Gradescope's results.json",
  prairielearn: "PrairieLearn's external-grader results.json",
  exercism: "an Exercism test runner's results.json (version 3)",
};

/**
 * Whether a name is a report's.
 *
 * @param name e.g. `"junit"`
 * @returns true for one of {@linkcode REPORT_FORMATS}
 */
export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/**
 * A report's text, as written to a file or to standard output.
 *
 * @param format the report
 * @param results the graded stages
 * @param ctx the model and its references
 * @returns the document (empty for `github` when there is nothing to annotate)
 * @example
 * ```ts
 * import { reportDocument } from "./formats.ts";
 * JSON.parse(reportDocument("json", [], { model: "tiny", hiddenReferences: false })).points; // 0
 * ```
 */
export function reportDocument(
  format: ReportFormat,
  results: readonly StageResult[],
  ctx: ReportContext,
): string {
  switch (format) {
    case "json":
      return `${jsonReport(results)}\n`;
    case "junit":
      return junitReport(results);
    case "github": {
      const lines = githubAnnotations(results);
      return lines.length ? `${lines.join("\n")}\n` : "";
    }
    case "classroom":
      return classroomReport(results);
    case "gradescope":
      return gradescopeReport(results, ctx);
    case "prairielearn":
      return prairielearnReport(results, ctx.model);
    case "exercism":
      return exercismReport(results);
  }
}
