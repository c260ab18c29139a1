/**
 * The machine-readable report: one JSON document for all graded stages.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import { stagePoints, totals } from "./totals.ts";

/**
 * The JSON report: `{ "stages": [ { "stage", "name", "file", "status", "message", "ms",
 * "points", "maxPoints", "checks": [ { "name", "layer", "status", "message", ... } ] } ],
 * "points", "maxPoints", "total": { "stages", "passed", "points", "maxPoints" } }` — the
 * top-level `points` and `maxPoints` are the total's, kept where earlier versions had them.
 *
 * @param results the graded stages
 * @returns the document, pretty-printed
 */
export function jsonReport(results: readonly StageResult[]): string {
  const stages = results.map((r) => ({
    stage: r.stage,
    name: r.name,
    file: r.file,
    status: r.status,
    message: r.message,
    ms: r.ms,
    ...(r.peakMb ? { peakMb: r.peakMb } : {}),
    ...stagePoints(r),
    checks: r.checks.map((c) => ({
      name: c.name,
      layer: c.layer,
      status: c.status,
      message: c.message,
      ...(c.details ? { details: c.details } : {}),
      ...(c.hint ? { hint: c.hint } : {}),
      ...(c.at ? { at: c.at } : {}),
      points: c.points,
      maxPoints: c.maxPoints,
    })),
    ...(r.error ? { error: r.error } : {}),
    ...(r.output ? { output: r.output } : {}),
    ...(r.outputDropped ? { outputDropped: r.outputDropped } : {}),
  }));
  const total = totals(results);
  return JSON.stringify(
    { stages, points: total.points, maxPoints: total.maxPoints, total },
    null,
    2,
  );
}
