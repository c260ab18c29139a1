/**
 * The PrairieLearn report: the `results.json` an external grader writes to
 * `/grade/results/results.json` — `gradable`, `score` (points over possible points, in [0, 1]),
 * `message`, `output` (the report a learner sees on a terminal, without colour), and one test
 * per check that applies to the model: `name`, `description`, `points`, `max_points`,
 * `message`, `output`. The tests' `points` add up to the kit's points; `n/a` checks are left
 * out. The document stays under {@linkcode PRAIRIELEARN_MAX_BYTES} (PrairieLearn's limit on a
 * grading result): long texts are cut, shorter until it fits.
 *
 * @module
 */
import type { StageResult } from "../stage.ts";
import { formatStage, styles } from "./pretty.ts";
import {
  applicableChecks,
  checkCommand,
  clip,
  stageTitle,
  testMessage,
  testName,
  testText,
} from "./results.ts";
import { totals } from "./totals.ts";

/** The largest document written, in bytes of UTF-8. */
export const PRAIRIELEARN_MAX_BYTES = 1_000_000;

/** One test of PrairieLearn's results. */
export interface PrairieLearnTest {
  /** `Stage 3 · Attention: CausalSelfAttention state dict`. */
  name: string;
  /** Which stage, file and layer the check belongs to, and how to run it again. */
  description: string;
  /** Points earned. */
  points: number;
  /** Points possible. */
  max_points: number;
  /** The check's one-line message. */
  message: string;
  /** Its message, details and hint. */
  output: string;
}

/** PrairieLearn's external grading results. */
export interface PrairieLearnResult {
  /** Always true here: a submission that could not be graded gets no report. */
  gradable: true;
  /** Points over possible points, in [0, 1] (0 when nothing is possible). */
  score: number;
  /** Points and stages passed, in one line. */
  message: string;
  /** The terminal report, without colour. */
  output: string;
  /** One per check that applies. */
  tests: PrairieLearnTest[];
}

/**
 * PrairieLearn's results as an object, its texts whole.
 *
 * @param results the graded stages
 * @param model the model graded on, e.g. `tiny`
 * @returns the result
 */
export function prairielearnResult(
  results: readonly StageResult[],
  model: string,
): PrairieLearnResult {
  const t = totals(results);
  return {
    gradable: true,
    score: t.maxPoints ? t.points / t.maxPoints : 0,
    message: `${t.points} of ${t.maxPoints} points on the ${model} model; ` +
      `${t.passed} of ${t.stages} stages pass.`,
    output: results.map((r) => formatStage(r, styles(false), false).join("\n")).join("\n\n"),
    tests: results.flatMap((r) =>
      applicableChecks(r).map((c) => ({
        name: testName(r, c),
        description: `${stageTitle(r)}, ${r.file}: a check of the ${c.layer} layer ` +
          `(\`${checkCommand(r)}\`)`,
        points: c.points,
        max_points: c.maxPoints,
        message: testMessage(r, c),
        output: testText(r, c),
      }))
    ),
  };
}

/** The result with each test's texts cut to `maxChars` and the output to eight times that. */
function cut(whole: PrairieLearnResult, maxChars: number): PrairieLearnResult {
  return {
    ...whole,
    output: clip(whole.output, 8 * maxChars),
    tests: whole.tests.map((t) => ({
      ...t,
      message: clip(t.message, maxChars),
      output: clip(t.output, maxChars),
    })),
  };
}

/**
 * The PrairieLearn report: `results.json`'s text, under {@linkcode PRAIRIELEARN_MAX_BYTES}:
 * texts are cut to 16,000 characters, then shorter until the document fits.
 *
 * @param results the graded stages
 * @param model the model graded on, e.g. `tiny`
 * @returns the JSON document, with a final newline
 * @example
 * ```ts
 * import { prairielearnReport } from "./prairielearn.ts";
 * JSON.parse(prairielearnReport([], "tiny")).gradable; // true
 * ```
 */
export function prairielearnReport(results: readonly StageResult[], model: string): string {
  const whole = prairielearnResult(results, model);
  for (let maxChars = 16_000;; maxChars = Math.floor(maxChars / 2)) {
    const text = `${JSON.stringify(cut(whole, maxChars), null, 2)}\n`;
    if (maxChars <= 64 || new TextEncoder().encode(text).length <= PRAIRIELEARN_MAX_BYTES) {
      return text;
    }
  }
}
