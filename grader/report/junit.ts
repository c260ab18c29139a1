/**
 * The JUnit XML report, for CI systems that show test results: one `<testsuite>` per stage,
 * one `<testcase>` per check — a `<failure>` when it fails or is not written yet, `<skipped>`
 * when it waits for an earlier check or does not apply to the model — and an `<error>` test
 * case when the stage could not be graded (its file did not load, the time limit, the memory
 * cap). What the learner's code printed is the suite's `<system-out>`.
 *
 * Each `<testcase>` has the `file` and `line` it points at (see `places.ts`), which JUnit
 * reporter actions turn into annotations, and a `time`: the learner's code runs once per stage
 * for all its checks, so the stage's time goes to its first test case and the others take 0 s
 * (the test cases of a suite add up to its time).
 *
 * @module
 */
import type { CheckResult, StageResult } from "../stage.ts";
import { checkPlace, errorPlace, type Place, type ReadSource } from "./places.ts";
import { checkText, stageRan, stageTitle } from "./results.ts";
import { stagePoints, totals } from "./totals.ts";

// Characters XML 1.0 cannot hold at all (control characters other than tab and newlines,
// lone surrogates, U+FFFE/U+FFFF): dropped, since no escape can carry them.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escapes text for an XML element's content.
 *
 * @param s any text
 * @returns the escaped text
 */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/**
 * Escapes text for a double-quoted XML attribute (newlines and tabs kept as character
 * references, which attribute normalisation would otherwise turn into spaces).
 *
 * @param s any text
 * @returns the escaped text
 */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

function element(name: string, attrs: Record<string, string | number>, body?: string): string {
  const a = Object.entries(attrs).map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join("");
  return body === undefined ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

function caseAttrs(r: StageResult, name: string, place: Place, first: boolean) {
  return {
    classname: `stage${r.stage}.${r.name}`,
    name,
    file: place.file,
    line: place.line,
    time: first ? (r.ms / 1000).toFixed(3) : "0.000",
  };
}

function testcase(r: StageResult, c: CheckResult, first: boolean, read?: ReadSource): string {
  const attrs = caseAttrs(r, c.name, checkPlace(r, c, read), first);
  if (c.status === "pass") return `    ${element("testcase", attrs)}`;
  const inner = c.status === "fail" || c.status === "todo"
    ? element(
      "failure",
      { message: c.message, type: c.status === "todo" ? "not-written-yet" : "fail" },
      xmlText(checkText(c)),
    )
    : element("skipped", { message: c.message });
  return `    ${element("testcase", attrs, `\n      ${inner}\n    `)}`;
}

/** The test case that stands for a stage that could not be graded, or ended early. */
function stageErrorCase(r: StageResult): string | undefined {
  if (r.status !== "error" && !(r.status === "not-started" && !stageRan(r))) return undefined;
  const attrs = caseAttrs(r, "the stage runs", errorPlace(r), true);
  const body = [r.message, ...(r.error?.at ? [`at ${r.error.at}`] : [])].join("\n");
  const inner = r.status === "error"
    ? element("error", { message: r.message, type: r.error?.name ?? "stopped" }, xmlText(body))
    : element("failure", { message: r.message, type: "not-started" }, xmlText(body));
  return `    ${element("testcase", attrs, `\n      ${inner}\n    `)}`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function counts(r: StageResult, errorCase: string | undefined): Counts {
  const error = errorCase ? 1 : 0;
  return {
    tests: r.checks.length + error,
    failures: r.checks.filter((c) => c.status === "fail" || c.status === "todo").length +
      (r.status === "not-started" && error ? 1 : 0),
    errors: r.status === "error" ? error : 0,
    skipped: r.checks.filter((c) => c.status === "skipped" || c.status === "n/a").length,
  };
}

/**
 * The JUnit XML report.
 *
 * @param results the graded stages
 * @param read reads a learner's file, for line numbers (default: from disk)
 * @returns the document
 * @example
 * ```ts
 * import { junitReport } from "./junit.ts";
 * junitReport([]).startsWith('<?xml version="1.0" encoding="UTF-8"?>'); // true
 * ```
 */
export function junitReport(results: readonly StageResult[], read?: ReadSource): string {
  const staged = results.map((r) => {
    const errorCase = stageErrorCase(r);
    return { r, errorCase, n: counts(r, errorCase) };
  });
  const suites = staged.map(({ r, errorCase, n }) => {
    const p = stagePoints(r);
    const props = [
      ["status", r.status],
      ["points", p.points],
      ["maxPoints", p.maxPoints],
    ].map(([name, value]) => `      ${element("property", { name, value })}`);
    const cases = [
      errorCase,
      ...r.checks.map((c, i) => testcase(r, c, !errorCase && i === 0, read)),
    ].filter((x) => x !== undefined);
    const out = r.output ? [`    ${element("system-out", {}, xmlText(r.output))}`] : [];
    const attrs = {
      name: stageTitle(r),
      file: r.file,
      ...n,
      time: (r.ms / 1000).toFixed(3),
    };
    return `  ${
      element(
        "testsuite",
        attrs,
        ["", "    <properties>", ...props, "    </properties>", ...cases, ...out, "  "]
          .join("\n"),
      )
    }`;
  });
  const sum = staged.map(({ n }) => n).reduce(
    (a, b) => ({
      tests: a.tests + b.tests,
      failures: a.failures + b.failures,
      errors: a.errors + b.errors,
      skipped: a.skipped + b.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const t = totals(results);
  const attrs = {
    name: `gpt2-kit: ${t.points} of ${t.maxPoints} points`,
    ...sum,
    time: (results.reduce((ms, r) => ms + r.ms, 0) / 1000).toFixed(3),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${
    element("testsuites", attrs, ["", ...suites, ""].join("\n"))
  }\n`;
}
