/**
 * The learner's report on a terminal: one line per check, the numbers and the hint under the
 * first problem, and one clear next step. Colour only on a terminal without `NO_COLOR`.
 *
 * @module
 */
import type { CheckResult, StageResult } from "../stage.ts";
import { notStartedAdvice, notStartedHint, stageRan, stageTitle } from "./results.ts";

/** Text styles, empty when colour is off. */
export interface Styles {
  /** Green. */
  ok: (s: string) => string;
  /** Red. */
  bad: (s: string) => string;
  /** Yellow. */
  todo: (s: string) => string;
  /** Grey. */
  dim: (s: string) => string;
  /** Bold. */
  bold: (s: string) => string;
}

/**
 * Styles for the given stream: ANSI colours on a terminal unless `NO_COLOR` is set.
 *
 * @param colour whether to colour
 * @returns the styles
 */
export function styles(colour: boolean): Styles {
  const wrap = (code: number, reset: number) => (s: string) =>
    colour ? `\x1b[${code}m${s}\x1b[${reset}m` : s;
  return {
    ok: wrap(32, 39),
    bad: wrap(31, 39),
    todo: wrap(33, 39),
    dim: wrap(90, 39),
    bold: wrap(1, 22),
  };
}

const MARK = { pass: "✓", fail: "✗", todo: "○", skipped: "·", "n/a": "–" } as const;

/**
 * Formats one graded stage.
 *
 * @param r the stage
 * @param s styles
 * @param verbose show every detail and the learner's printed output
 * @returns the lines
 */
export function formatStage(r: StageResult, s: Styles, verbose: boolean): string[] {
  const lines = [s.bold(stageTitle(r)) + s.dim(` — ${r.file}`)];
  if (r.status === "not-started") {
    const hint = notStartedHint(r);
    lines.push(`  ${s.todo("○ not started")}`);
    lines.push(`    ${notStartedAdvice(r)}`);
    if (hint) lines.push(`    ${s.todo("hint:")} ${hint}`);
    return lines;
  }
  // a stage that could not run lists no checks, only why
  const ran = stageRan(r);
  if (r.status === "error" && !ran) {
    lines.push(`  ${s.bad(`✗ ${r.message}`)}`);
    if (r.error?.at && !r.message.includes(r.error.at)) lines.push(`    at ${r.error.at}`);
  }
  let shownDetail = false;
  for (const c of r.status === "error" && !ran ? [] : r.checks) {
    const style = c.status === "pass"
      ? s.ok
      : c.status === "fail"
      ? s.bad
      : c.status === "todo"
      ? s.todo
      : s.dim;
    if (c.status === "skipped" || c.status === "n/a") {
      lines.push(s.dim(`  ${MARK[c.status]} ${c.name} — ${c.message}`));
      continue;
    }
    lines.push(
      `  ${style(MARK[c.status])} ${c.name}${
        c.status === "pass" && !verbose && !c.highlight ? "" : s.dim(` — ${c.message}`)
      }`,
    );
    if (c.status === "pass") continue;
    if (!shownDetail || verbose) lines.push(...details(c, s));
    shownDetail = true;
  }
  if (r.status === "error" && ran) lines.push(`  ${s.bad(`✗ ${r.message}`)}`);
  if (r.output && (verbose || r.status !== "pass")) {
    const out = r.output.split("\n");
    const shown = verbose ? out : out.slice(0, 10);
    lines.push(s.dim("  your code printed:"), ...shown.map((l) => s.dim(`  │ ${l}`)));
    if (shown.length < out.length) {
      lines.push(s.dim(`  │ … ${out.length - shown.length} more lines (--verbose shows all)`));
    }
  }
  const summary = r.status === "pass"
    ? s.ok(`✓ passed: ${r.message}`)
    : r.status === "fail"
    ? s.bad(`✗ failing: ${r.message}`)
    : s.bad("✗ could not be graded");
  const memory = r.peakMb ? `, ${r.peakMb} MiB` : "";
  lines.push(`  ${summary}${s.dim(` (${(r.ms / 1000).toFixed(1)} s${memory})`)}`);
  return lines.flatMap(continued);
}

/**
 * Splits a line whose message has line breaks (what learner code threw may have any): each
 * further line behind a gutter, runs of blank lines as one, so that no text of the learner's
 * starts where the report's own lines do (a fake "16 of 16 points" cannot pass for the real).
 */
function continued(line: string): string[] {
  const [first, ...rest] = line.split("\n");
  const more = rest.filter((l, i) => l.trim() !== "" || (rest[i - 1] ?? first).trim() !== "");
  return [first, ...more.map((l) => `    ┆ ${l}`)];
}

function details(c: CheckResult, s: Styles): string[] {
  const out = (c.details ?? []).map((d) => `      ${d}`);
  if (c.hint) out.push(`      ${s.todo("hint:")} ${c.hint}`);
  return out;
}

/**
 * The one next step after grading: the first stage that does not pass and what to do there.
 *
 * @param results the graded stages, in order
 * @param lastStage the number of the course's last stage
 * @returns the line
 */
export function nextStep(results: StageResult[], lastStage: number): string {
  const first = results.find((r) => r.status !== "pass");
  if (!first) {
    if (results.length !== 1) {
      return "Every stage passes: `deno task generate` lets your GPT-2 write English.";
    }
    const n = results[0].stage;
    return n < lastStage
      ? `Stage ${n} passes. On to the next: \`deno task check ${n + 1}\`.`
      : `Stage ${n}, the last, passes: \`deno task generate\` lets your GPT-2 write English, and ` +
        "`deno task progress` shows every stage.";
  }
  const check = first.checks.find((c) => c.status === "fail" || c.status === "todo");
  const what = first.status === "not-started"
    ? `start ${first.file}`
    : check
    ? `fix "${check.name}" in ${first.file}`
    : `fix ${first.file}`;
  return `Next: ${what}, then run \`deno task check ${first.stage}\` ` +
    `(stuck? \`deno task hint ${first.stage}\`).`;
}
