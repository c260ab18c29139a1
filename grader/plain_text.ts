/**
 * Learner-controlled text made inert before any report shows it. A graded stage's messages
 * carry what learner code threw, printed and returned; shown as they are, they could move a
 * terminal's cursor or recolour it (ANSI escapes), reorder what a reader sees (bidirectional
 * controls), or — in a GitHub Actions log, where a line that starts with `::` (after spaces)
 * or holds `##[` is a workflow command — add fake annotations or mask the real score
 * (`::add-mask::`). {@linkcode plainText} shows control characters as visible symbols and
 * breaks both command markers with a zero-width space; {@linkcode plainResult} applies it to
 * every string of a graded stage, once, where the grader builds it. Each report then escapes
 * for its own format (XML, JSON, markdown, workflow-command data).
 *
 * @module
 */
import type { CheckResult, StageResult } from "./stage.ts";
import type { ThrownError } from "./wire.ts";

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embedding,
// override and isolate controls (the "Trojan Source" characters).
// deno-lint-ignore no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const ZERO_WIDTH_SPACE = "\u200b";

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀ … ␟, e.g. ␛ for ESC
  if (code === 0x7f) return "\u2421"; // ␡
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Makes a learner-controlled string inert for a terminal and a CI log.
 *
 * @param s any text
 * @returns the text with control characters shown as symbols and workflow-command markers
 *   broken (`::`, `##[`); tabs and newlines kept
 * @example
 * ```ts
 * import { plainText } from "./plain_text.ts";
 * plainText("ok\n::error::fake\x1b[2J").includes("::"); // false
 * plainText("a\tb\r\nc"); // "a\tb\nc"
 * ```
 */
export function plainText(s: string): string {
  return s.replace(/\r\n/g, "\n").replace(CONTROL, visible).replace(
    /:(?=:)/g,
    `:${ZERO_WIDTH_SPACE}`,
  )
    .replace(/#(?=#\[)/g, `#${ZERO_WIDTH_SPACE}`);
}

function plainError(e: ThrownError): ThrownError {
  return Object.fromEntries(
    Object.entries(e).map(([k, v]) => [k, k === "kind" ? v : plainText(v)]),
  ) as unknown as ThrownError;
}

function plainCheck(c: CheckResult): CheckResult {
  return {
    ...c,
    message: plainText(c.message),
    ...(c.details ? { details: c.details.map(plainText) } : {}),
    ...(c.hint !== undefined ? { hint: plainText(c.hint) } : {}),
    ...(c.at !== undefined ? { at: plainText(c.at) } : {}),
  };
}

/**
 * A graded stage with {@linkcode plainText} applied to every string learner code could have
 * put in it: messages, details, hints, places, its error and what it printed.
 *
 * @param r the graded stage
 * @returns the same stage, inert
 */
export function plainResult(r: StageResult): StageResult {
  return {
    ...r,
    message: plainText(r.message),
    file: plainText(r.file),
    checks: r.checks.map(plainCheck),
    ...(r.error ? { error: plainError(r.error) } : {}),
    ...(r.output !== undefined ? { output: plainText(r.output) } : {}),
  };
}
