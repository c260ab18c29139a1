import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { githubAnnotations, stepSummary } from "./github.ts";
import { jsonReport } from "./json.ts";
import { junitReport } from "./junit.ts";
import { NASTY, NASTY_IN_XML, RESULTS, SOURCES } from "./test_results.ts";

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
  const root = parseXml(junitReport(RESULTS, (p) => SOURCES[p]));
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
  // where each case points, and the stage's time on its first case
  assertEquals(cases.map((c) => [c.attrs.file, c.attrs.line, c.attrs.time]), [
    ["exercises/3_attention.ts", "1", "1.234"],
    ["exercises/3_attention.ts", "3", "0.000"],
    ["exercises/3_attention.ts", "3", "0.000"],
    ["exercises/3_attention.ts", "40", "0.000"],
    ["exercises/3_attention.ts", "3", "0.000"],
    ["exercises/3_attention.ts", "1", "0.000"],
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
  const errorCase = childrenNamed(mlp, "testcase")[0];
  assertEquals([errorCase.attrs.line, errorCase.attrs.time], ["1", "3.000"]);
  const error = errorCase.children[0];
  assertEquals([error.name, error.attrs.message], ["error", RESULTS[1].message]);
  assertEquals(mlp.attrs.errors, "1");
  assertEquals(childrenNamed(gpt2, "testcase")[0].children[0].name, "failure");
  assertEquals(
    { tests: root.attrs.tests, failures: root.attrs.failures, errors: root.attrs.errors },
    { tests: "8", failures: "3", errors: "1" },
  );
});

Deno.test("githubAnnotations() point into the learner's file: thrown line, else the export", () => {
  const lines = githubAnnotations(RESULTS, (p) => SOURCES[p]);
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
