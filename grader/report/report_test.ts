import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { CheckResult, StageResult } from "../stage.ts";
import { definitionLine, githubAnnotations, stepSummary } from "./github.ts";
import { jsonReport } from "./json.ts";
import { junitReport } from "./junit.ts";

const NASTY = "a <b> & \"c\" 'd' ]]> \u001b[31mred\u001b[39m \u0000\u001e ✓ 🦕\nline 2\ttab";
/** NASTY as XML can hold it: the characters XML 1.0 has no room for are dropped. */
const NASTY_IN_XML = [...NASTY].filter((c) => !["\u0000", "\u001b", "\u001e"].includes(c)).join("");

const check = (name: string, status: CheckResult["status"], extra: Partial<CheckResult> = {}) =>
  ({
    name,
    layer: "numbers",
    status,
    message: `${name}: ${status}`,
    points: status === "pass" ? 2 : 0,
    maxPoints: status === "n/a" ? 0 : 2,
    ...extra,
  }) satisfies CheckResult;

const RESULTS: StageResult[] = [
  {
    stage: 3,
    name: "Attention",
    file: "exercises/3_attention.ts",
    status: "fail",
    message: "2 of 5 checks pass",
    ms: 1234,
    output: NASTY,
    checks: [
      check("scaledDotProductAttention runs", "pass"),
      check("CausalSelfAttention state dict", "pass"),
      check("CausalSelfAttention output shape", "fail", {
        message: NASTY,
        details: ["max abs error 1e3, 100%"],
        hint: "Check the 50% case, a:b, c",
      }),
      check("scaledDotProductAttention matches the reference", "fail", {
        at: "exercises/3_attention.ts:40:7",
      }),
      check("CausalSelfAttention matches the reference activations", "skipped"),
      check("GPT-2's real weights", "n/a"),
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

/** An element of a parsed XML document. */
interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const NAME = "[A-Za-z_][\\w.-]*";

/** Decodes the five entities and character references, refusing a bare `&`. */
function decode(s: string): string {
  return s.replace(/&([^;]*);?/g, (all, ref: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (!all.endsWith(";")) throw new SyntaxError(`bare & in ${JSON.stringify(s)}`);
    if (ref in named) return named[ref];
    const code = /^#x[0-9a-f]+$/i.test(ref)
      ? parseInt(ref.slice(2), 16)
      : /^#\d+$/.test(ref)
      ? Number(ref.slice(1))
      : NaN;
    if (Number.isNaN(code)) throw new SyntaxError(`unknown entity &${ref};`);
    return String.fromCodePoint(code);
  });
}

/**
 * A strict parser for the XML the report writes (declaration, elements, attributes, text,
 * references): throws on anything a conforming parser would reject in that subset.
 */
function parseXml(doc: string): XmlElement {
  assert(XML_CHARS.test(doc), "the document holds characters XML 1.0 forbids");
  const decl = doc.match(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/);
  assert(decl, "the XML declaration comes first");
  const open = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`, "y");
  const close = new RegExp(`</(${NAME})\\s*>`, "y");
  const root: XmlElement = { name: "", attrs: {}, children: [], text: "" };
  const stack = [root];
  let at = decl[0].length;
  while (at < doc.length) {
    const top = stack[stack.length - 1];
    if (doc.startsWith("</", at)) {
      close.lastIndex = at;
      const m = close.exec(doc);
      if (!m || m[1] !== top.name) throw new SyntaxError(`bad end tag at ${at}`);
      stack.pop();
      at = close.lastIndex;
    } else if (doc[at] === "<") {
      open.lastIndex = at;
      const m = open.exec(doc);
      if (!m) throw new SyntaxError(`bad tag at ${at}: ${doc.slice(at, at + 40)}`);
      const el: XmlElement = { name: m[1], attrs: {}, children: [], text: "" };
      for (const a of m[2].matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, "g"))) {
        if (a[1] in el.attrs) throw new SyntaxError(`attribute ${a[1]} twice`);
        // attribute-value normalisation: literal whitespace becomes spaces
        el.attrs[a[1]] = decode(a[2].replace(/[\t\n\r]/g, " "));
      }
      if (top === root && root.children.length) throw new SyntaxError("two root elements");
      top.children.push(el);
      if (!m[3]) stack.push(el);
      at = open.lastIndex;
    } else {
      const end = doc.indexOf("<", at);
      const raw = doc.slice(at, end === -1 ? doc.length : end);
      if (raw.includes("]]>")) throw new SyntaxError("]]> in text");
      if (top === root && raw.trim()) throw new SyntaxError("text outside the root element");
      top.text += decode(raw);
      at += raw.length;
    }
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new SyntaxError("unclosed element");
  return root.children[0];
}

const childrenNamed = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);

Deno.test("parseXml() rejects what an XML parser rejects", () => {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  for (const bad of ["<a>&</a>", '<a b="<"/>', "<a></b>", "<a>", "<a/><b/>", "<a>\u0001</a>"]) {
    let threw = false;
    try {
      parseXml(head + bad);
    } catch {
      threw = true;
    }
    assert(threw, bad);
  }
  assertEquals(parseXml(`${head}<a x="1&#10;2">&lt;&#x1F995;</a>`).text, "<🦕");
});

Deno.test("junitReport() parses back: a suite per stage, a case per check, text intact", () => {
  const root = parseXml(junitReport(RESULTS));
  assertEquals(root.name, "testsuites");
  assertEquals(root.attrs.name, "gpt2-kit: 4 of 10 points");
  const suites = childrenNamed(root, "testsuite");
  assertEquals(suites.map((s) => s.attrs.name), [
    "Stage 3 · Attention",
    "Stage 4 · MLP",
    "Stage 5 · GPT-2",
  ]);
  const [attention, mlp, gpt2] = suites;
  assertEquals(
    { tests: attention.attrs.tests, failures: attention.attrs.failures },
    { tests: "6", failures: "2" },
  );
  assertEquals(attention.attrs.skipped, "2");
  assertEquals(attention.attrs.time, "1.234");
  const cases = childrenNamed(attention, "testcase");
  assertEquals(cases.map((c) => c.attrs.name), RESULTS[0].checks.map((c) => c.name));
  assertEquals(cases.map((c) => c.children.map((x) => x.name).join()), [
    "",
    "",
    "failure",
    "failure",
    "skipped",
    "skipped",
  ]);
  const failure = cases[2].children[0];
  assertEquals(failure.attrs.message, NASTY_IN_XML);
  assertEquals(
    failure.text,
    `${NASTY_IN_XML}\nmax abs error 1e3, 100%\nhint: Check the 50% case, a:b, c`,
  );
  assertEquals(childrenNamed(attention, "system-out")[0].text, NASTY_IN_XML);
  const props = childrenNamed(childrenNamed(attention, "properties")[0], "property");
  assertEquals(Object.fromEntries(props.map((p) => [p.attrs.name, p.attrs.value])), {
    status: "fail",
    points: "4",
    maxPoints: "10",
  });
  const error = childrenNamed(mlp, "testcase")[0].children[0];
  assertEquals([error.name, error.attrs.message], ["error", RESULTS[1].message]);
  assertEquals(mlp.attrs.errors, "1");
  assertEquals(childrenNamed(gpt2, "testcase")[0].children[0].name, "failure");
  assertEquals(
    { tests: root.attrs.tests, failures: root.attrs.failures, errors: root.attrs.errors },
    { tests: "8", failures: "3", errors: "1" },
  );
});

Deno.test("githubAnnotations() point into the learner's file: thrown line, else the export", () => {
  const sources: Record<string, string> = {
    "exercises/3_attention.ts":
      "import x\n\nexport class CausalSelfAttention extends nn.Module {\n",
    "exercises/5_gpt2.ts": "import { todo }\n\nexport class GPT2 {\n  constructor() {\n    todo(\n",
  };
  const lines = githubAnnotations(RESULTS, (p) => sources[p]);
  assertEquals(lines, [
    "::error file=exercises/3_attention.ts,line=3,title=Stage 3 · Attention%3A " +
    "CausalSelfAttention output shape::" +
    NASTY.replace(/\n/g, "%0A") +
    "%0Amax abs error 1e3, 100%25%0Ahint: Check the 50%25 case, a:b, c",
    "::error file=exercises/3_attention.ts,line=40,title=Stage 3 · Attention%3A " +
    "scaledDotProductAttention matches the reference::" +
    "scaledDotProductAttention matches the reference: fail",
    "::error file=exercises/4_mlp.ts,line=1,title=Stage 4 · MLP%3A could not be graded::" +
    RESULTS[1].message,
    "::warning file=exercises/5_gpt2.ts,line=5,title=Stage 5 · GPT-2::" +
    "Not started. Open exercises/5_gpt2.ts and replace the first todo(...) with your code.%0A" +
    "hint: h.0?",
  ]);
});

Deno.test("definitionLine() finds exports, then class members, not look-alikes", () => {
  const src = [
    "// export class MLP in a comment",
    "export class MLPBlock {}",
    "export function gelu(x) {}",
    "export const PRETOKENIZE = /x/;",
    "  export   class   MLP extends nn.Module {",
    "  get vocabSize(): number {",
    "    this.encode(text);",
    "  encode(text: string): number[] {",
  ].join("\n");
  assertEquals(definitionLine(src, "MLP"), 5);
  assertEquals(definitionLine(src, "gelu"), 3);
  assertEquals(definitionLine(src, "PRETOKENIZE"), 4);
  assertEquals(definitionLine(src, "vocabSize"), 6);
  assertEquals(definitionLine(src, "encode"), 8);
  assertEquals(definitionLine(src, "Block"), undefined);
});

Deno.test("stepSummary() is a markdown table of stages, status and points, with the total", () => {
  const md = stepSummary(RESULTS, "tiny");
  assertStringIncludes(md, "| stage | status | points |\n| --- | --- | --- |\n");
  assertStringIncludes(md, "| 3 · Attention | ❌ fail — 2 of 5 checks pass | 4 / 10 |");
  assertStringIncludes(md, "the time limit of a stage \\| while loading | 0 / 0 |");
  assertStringIncludes(md, "| **total** | 0 of 3 stages pass | **4 / 10** |");
});

Deno.test("jsonReport() keeps its shape and adds the total", () => {
  const doc = JSON.parse(jsonReport(RESULTS));
  assertEquals(Object.keys(doc), ["stages", "points", "maxPoints", "total"]);
  assertEquals(doc.total, { stages: 3, passed: 0, points: 4, maxPoints: 10 });
  assertEquals([doc.points, doc.maxPoints], [4, 10]);
  assertEquals(doc.stages[0].checks[3].at, "exercises/3_attention.ts:40:7");
  assertEquals(doc.stages[0].output, NASTY);
});
