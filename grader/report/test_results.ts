/**
 * Graded stages the reports' tests share: a failing stage with every kind of check and text
 * that no report may pass through as it is, a stage stopped by the time limit, a stage not
 * started — and the same run with the checks such stages carry ({@linkcode GRADED}).
 *
 * @module
 */
import type { CheckResult, StageResult } from "../stage.ts";

/** Text with markup, control characters, quotes, tabs, newlines and emoji. */
export const NASTY = "a <b> & \"c\" 'd' ]]> \u001b[31mred\u001b[39m \u0000\u001e ✓ 🦕\nline 2\ttab";

/** NASTY as XML can hold it: the characters XML 1.0 has no room for are dropped. */
export const NASTY_IN_XML = [...NASTY].filter((c) => !["\u0000", "\u001b", "\u001e"].includes(c))
  .join("");

/**
 * A graded check: 2 points when it passes, 0 of 0 when `n/a`.
 *
 * @param name its name
 * @param number its place in its stage's definition
 * @param status how it went
 * @param extra other fields
 * @returns the check
 */
export function check(
  name: string,
  number: number,
  status: CheckResult["status"],
  extra: Partial<CheckResult> = {},
): CheckResult {
  return {
    name,
    number,
    layer: "numbers",
    status,
    message: `${name}: ${status}`,
    points: status === "pass" ? 2 : 0,
    maxPoints: status === "n/a" ? 0 : 2,
    ...extra,
  };
}

/** A run of three stages: failing, stopped by the time limit, not started (no checks). */
export const RESULTS: StageResult[] = [
  {
    stage: 3,
    name: "Attention",
    file: "exercises/3_attention.ts",
    status: "fail",
    message: "2 of 5 checks pass",
    ms: 1234,
    output: NASTY,
    checks: [
      check("scaledDotProductAttention runs", 1, "pass"),
      check("CausalSelfAttention state dict", 5, "pass", { layer: "keys" }),
      check("CausalSelfAttention output shape", 6, "fail", {
        layer: "shapes",
        message: NASTY,
        details: ["max abs error 1e3, 100%"],
        hint: "Check the 50% case, a:b, c",
        usesReferences: true,
      }),
      check("scaledDotProductAttention matches the reference", 2, "fail", {
        at: "exercises/3_attention.ts:40:7",
      }),
      check("CausalSelfAttention matches the reference activations", 3, "skipped", {
        usesReferences: true,
      }),
      check("GPT-2's real weights", 4, "n/a"),
    ],
  },
  {
    stage: 4,
    name: "MLP",
    file: "exercises/4_mlp.ts",
    status: "error",
    message: "Stopped after 3 s, the time limit of a stage | while loading",
    ms: 3000,
    checks: [],
  },
  {
    stage: 5,
    name: "GPT-2",
    file: "exercises/5_gpt2.ts",
    status: "not-started",
    message: "not started",
    ms: 10,
    error: { kind: "not-implemented", name: "NotImplementedError", message: "", hint: "h.0?" },
    checks: [],
  },
];

/**
 * {@linkcode RESULTS} with the checks the grader gives such stages: the stopped stage's checks
 * skipped and worth their points, the stage not started with its checks not written yet.
 */
export const GRADED: StageResult[] = [
  RESULTS[0],
  {
    ...RESULTS[1],
    checks: [
      check("Conv1D runs", 1, "skipped", { layer: "runs", message: "not graded: the time limit" }),
      check("MLP matches the reference activations", 2, "skipped", { usesReferences: true }),
    ],
  },
  {
    ...RESULTS[2],
    checks: [
      check("GPT2(config) builds", 1, "todo", { layer: "runs", hint: "What does h hold?" }),
      check("GPT2 holds GPT-2's weights", 2, "n/a"),
    ],
  },
];

/** The learner files of the run, by the path the reports name them. */
export const SOURCES: Record<string, string> = {
  "exercises/3_attention.ts": "import x\n\nexport class CausalSelfAttention extends nn.Module {\n",
  "exercises/5_gpt2.ts": "import { todo }\n\nexport class GPT2 {\n  constructor() {\n    todo(\n",
};
