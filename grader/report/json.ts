/**
 * The machine-readable report: one JSON document for all graded stages.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";

/**
 * The JSON report: `{ "stages": [ { "stage", "name", "status", "checks": [ { "name",
 * "status", "message", ... } ] } ], "points", "maxPoints" }`.
 *
 * @param results the graded stages
 * @returns the document, pretty-printed
 */
export function jsonReport(results: StageResult[]): string {
  const stages = results.map((r) => ({
    stage: r.stage,
    name: r.name,
    file: r.file,
    status: r.status,
    message: r.message,
    ms: r.ms,
    points: r.checks.reduce((n, c) => n + c.points, 0),
    maxPoints: r.checks.reduce((n, c) => n + c.maxPoints, 0),
    checks: r.checks.map((c) => ({
      name: c.name,
      layer: c.layer,
      status: c.status,
      message: c.message,
      ...(c.details ? { details: c.details } : {}),
      ...(c.hint ? { hint: c.hint } : {}),
      points: c.points,
      maxPoints: c.maxPoints,
    })),
    ...(r.error ? { error: r.error } : {}),
    ...(r.output ? { output: r.output } : {}),
  }));
  return JSON.stringify(
    {
      stages,
      points: stages.reduce((n, s) => n + s.points, 0),
      maxPoints: stages.reduce((n, s) => n + s.maxPoints, 0),
    },
    null,
    2,
  );
}
