/**
 * The gradebook `grade-batch` writes: each student's JSON report (the kit's JSON report with the
 * student, a status, why stages could not be graded and a fingerprint of what was graded) and the
 * CSV made from them, one row per student; `gradebook` reads the reports back to merge them.
 *
 * @module
 */
import { jsonReport } from "../grader/report/json.ts";
import { runStatus } from "../grader/report/results.ts";
import { graderFailures } from "../grader/grading.ts";
import type { StageResult } from "../grader/stage.ts";

/** How a student's submission went. */
export type StudentStatus = "pass" | "fail" | "error";

/** A student's JSON report: the kit's JSON report, with who and how it went. */
export interface StudentReport {
  /** The student, named by their submission's folder. */
  student: string;
  /** `pass` every stage passes, `fail` some do not, `error` nothing could be graded. */
  status: StudentStatus;
  /** Why stages could not be graded, if any could not (else empty). */
  reason: string;
  /** Whether the grader itself failed on the submission (it is graded again next time). */
  graderFailed: boolean;
  /** Of the submission's files and the grading settings (see `grade-batch`). */
  fingerprint: string;
  /** The graded stages, as the kit's JSON report has them. */
  stages: { stage: number; points: number; maxPoints: number }[];
  /** Points earned. */
  points: number;
  /** Points possible. */
  maxPoints: number;
}

/** Why stages could not be graded, if any: no stage file at all, or the first such stage's error. */
function errorReason(results: readonly StageResult[]): string {
  if (results.length && results.every((r) => r.error?.name === "NotFound")) {
    return "no stage files: none in exercises/ nor in the folder itself";
  }
  const r = results.find((r) => r.status === "error");
  return r ? `stage ${r.stage}: ${r.message}` : "";
}

/**
 * A student's JSON report.
 *
 * @param student the student
 * @param results their graded stages
 * @param fingerprint of their files and the grading settings
 * @returns the report's text (the kit's JSON report, the student's fields first)
 */
export function studentReport(
  student: string,
  results: readonly StageResult[],
  fingerprint: string,
): string {
  const failures = graderFailures(results);
  const status = failures.length ? "error" : runStatus(results);
  const head = {
    student,
    status,
    reason: failures.length ? failures[0].message : errorReason(results),
    graderFailed: failures.length > 0,
    fingerprint,
  };
  return `${JSON.stringify({ ...head, ...JSON.parse(jsonReport(results)) }, null, 2)}\n`;
}

/**
 * The report of a student the grader failed on before grading anything (their files could not
 * even be read): nothing earned, graded again on the next run.
 *
 * @param student the student
 * @param why what went wrong
 * @returns the report
 */
export function failedReport(student: string, why: string): StudentReport {
  return {
    student,
    status: "error",
    reason: `the grader itself failed: ${why}`,
    graderFailed: true,
    fingerprint: "",
    stages: [],
    points: 0,
    maxPoints: 0,
  };
}

/**
 * Orders students by name (code point order: the same on every machine).
 *
 * @param a one student
 * @param b another
 * @returns negative, zero or positive, as `Array.prototype.sort` wants
 */
export function byStudent(a: { student: string }, b: { student: string }): number {
  return a.student < b.student ? -1 : a.student > b.student ? 1 : 0;
}

/**
 * Reads a student's JSON report, if the file is one.
 *
 * @param path the file
 * @returns the report, or undefined when the file is missing or is not a student's report
 */
export async function readStudentReport(path: string): Promise<StudentReport | undefined> {
  try {
    const r = JSON.parse(await Deno.readTextFile(path));
    const isReport = typeof r?.student === "string" && typeof r.status === "string" &&
      Array.isArray(r.stages) && typeof r.points === "number" && typeof r.maxPoints === "number";
    return isReport ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the students' JSON reports in a folder (other files are ignored).
 *
 * @param dir the folder
 * @returns the reports, by student name
 */
export async function readStudentReports(dir: string): Promise<StudentReport[]> {
  const reports: StudentReport[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const r = await readStudentReport(`${dir}/${e.name}`);
    if (r) reports.push(r);
  }
  return reports.sort(byStudent);
}

/**
 * A CSV cell: quoted when it holds a comma, a quote or a line break, and never read as a
 * formula by a spreadsheet (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'`).
 *
 * @param value the cell
 * @returns the cell as written
 * @example
 * ```ts
 * import { csvCell } from "./_gradebook.ts";
 * csvCell('=HYPERLINK("x")'); // "\"'=HYPERLINK(\"\"x\"\")\""
 * ```
 */
export function csvCell(value: string | number): string {
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The gradebook: a header, then one row per student — each stage's points, the total, the
 * possible points, the status and why stages could not be graded.
 *
 * @param reports the students' reports
 * @param stages the stage numbers, in order
 * @returns the CSV text
 */
export function gradebookCsv(reports: readonly StudentReport[], stages: readonly number[]): string {
  const header = ["student", ...stages.map((n) => `stage${n}`), "total", "max", "status", "reason"];
  const rows = reports.map((r) => [
    r.student,
    ...stages.map((n) => r.stages.find((s) => s.stage === n)?.points ?? ""),
    r.points,
    r.maxPoints,
    r.status,
    r.reason,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
