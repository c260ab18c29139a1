/**
 * The sums every report shows: points per stage, and stages passed and points over a run.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";

/** Points earned and possible. */
export interface Points {
  /** Points earned (a check earns its points only when it passes). */
  points: number;
  /** Points possible (`n/a` checks count 0). */
  maxPoints: number;
}

/** The totals of a run. */
export interface Totals extends Points {
  /** Stages graded. */
  stages: number;
  /** Stages that pass. */
  passed: number;
}

/**
 * A stage's points.
 *
 * @param r the graded stage
 * @returns its points earned and possible
 * @example
 * ```ts
 * import { stagePoints } from "./totals.ts";
 * stagePoints({ checks: [] } as never); // { points: 0, maxPoints: 0 }
 * ```
 */
export function stagePoints(r: StageResult): Points {
  return {
    points: r.checks.reduce((n, c) => n + c.points, 0),
    maxPoints: r.checks.reduce((n, c) => n + c.maxPoints, 0),
  };
}

/**
 * The totals of a run.
 *
 * @param results the graded stages
 * @returns stages graded and passed, points earned and possible
 */
export function totals(results: readonly StageResult[]): Totals {
  const each = results.map(stagePoints);
  return {
    stages: results.length,
    passed: results.filter((r) => r.status === "pass").length,
    points: each.reduce((n, p) => n + p.points, 0),
    maxPoints: each.reduce((n, p) => n + p.maxPoints, 0),
  };
}
