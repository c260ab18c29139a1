/**
 * Stage 1 — the tokenizer: the learner's byte-level BPE against an independent oracle, the npm
 * `js-tiktoken` gpt2 encoding (OpenAI's tokenizer, ported to JavaScript). Checked: the byte
 * table, the merge loop on a hand-made merge list (where merging by rank, by frequency and by
 * first occurrence disagree), round trips, then exact pieces and ids on varied text, decoding
 * GPT-2's ids, and the lecture's hands-on.
 *
 * The oracle is imported dynamically, in `plan()`: the sandboxed child, which imports this
 * module for its probes, never loads it.
 *
 * @module
 */
import { loadTokenizerFiles, type TokenizerFiles } from "../../lib/tokenizer_files.ts";
import { describeValue, valueOf, VerdictError } from "../outcomes.ts";
import { exported } from "../probe_helpers.ts";
import type { GradeContext, Outcomes, ProbeCall, ProbeEnv, Stage, Verdict } from "../stage.ts";
import { allOf } from "../verdicts.ts";

type Bpe = (word: string, ranks: Map<string, number>) => string[];
interface LearnerTokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  vocabSize: number;
}

const END_OF_TEXT = "<|endoftext|>";

/** The lecture's hands-on: `cat` is 1 token, `superman` 2, `spiderman` 3. */
const HANDS_ON = ["cat", " cat", "superman", "spiderman", "We are learning systems for LLMs."];

const PARAGRAPH = "Language models do not read letters. They read tokens: pieces of words, " +
  "whole words, spaces and punctuation, each one an id in a vocabulary of 50,257 entries. The " +
  "tokenizer decides where those pieces start and end, and it was trained once, long before " +
  'the model, on a large crawl of web pages. Frequent words such as "the" or " model" ' +
  'became single tokens; rare words like "antidisestablishmentarianism" are spelled out in ' +
  "several. Numbers are cut into short groups of digits (1234567890), which is one reason why " +
  "arithmetic is hard for GPT-2. Text in other scripts, like Ελληνικά or हिन्दी, costs many more " +
  "tokens per word than English does.";

/** The texts encoded, decoded and round-tripped. */
const TEXTS = [
  "",
  "Hello world",
  "café naïve résumé — Ångström",
  "日本語のテキスト。中文也可以",
  "Привет, мир!",
  "I ❤️ emoji 🐍🤖!",
  "family: 👨‍👩‍👧‍👦, flags: 🇫🇷🇯🇵",
  "a   b",
  "trailing spaces   ",
  "\ttabs\tand\ttabs\t",
  "line one\nline two\r\n",
  "\n\n\n",
  "I'm sure she's right: don't worry, they'll see we've tried. 'Tis so. DON'T SHOUT",
  "12345 3.14 1,000,000",
  "function add(a, b) {\n  return a + b; // sum\n}\n",
  "def f(x):\n    return x**2  # square",
  "a<|endoftext|>b",
  END_OF_TEXT,
  "The end.<|endoftext|> <|endoftext|>Once upon a time",
  PARAGRAPH,
  ...HANDS_ON,
];

/** Single pre-tokens for `bpe()` with GPT-2's merges. */
const WORDS = [
  " cat",
  "superman",
  "spiderman",
  " learning",
  " tokenization",
  " antidisestablishmentarianism",
  " café",
  " Привет",
  " 日本語",
  " 1234567",
];

/** A hand-made merge list for `bpe()`, where only merging by lowest rank gives `expected`. */
interface ToyBpe {
  word: string;
  ranks: Record<string, number>;
  expected: string[];
  /** The merges GPT-2 makes, in words. */
  steps: string;
  /** Results of the classic wrong orders, and what each comes from. */
  lookalikes: { result: string[]; from: string }[];
}

const TOY_BPE: ToyBpe[] = [
  {
    // lowest rank: c d (last pair); leftmost: a b; most frequent: b c; highest rank: a b
    word: "abcbcd",
    ranks: { "c d": 0, "b c": 1, "a b": 2, "a bc": 3 },
    expected: ["abc", "b", "cd"],
    steps: "c+d (rank 0), then b+c (rank 1), then a+bc (rank 3)",
    lookalikes: [
      {
        result: ["ab", "c", "bc", "d"],
        from: "merging the leftmost pair that has a rank (or the highest rank) first",
      },
      { result: ["abc", "bc", "d"], from: "merging the most frequent pair first" },
    ],
  },
  {
    word: "aaaaa",
    ranks: { "a a": 0, "aa aa": 1 },
    expected: ["aaaa", "a"],
    steps: "a+a at positions 0-1 and 2-3 (rank 0, left to right, no overlaps), then aa+aa " +
      "(rank 1)",
    lookalikes: [],
  },
  {
    word: "xyz",
    ranks: { "a b": 0, "y x": 1 },
    expected: ["x", "y", "z"],
    steps: "nothing: no adjacent pair is in the ranks",
    lookalikes: [],
  },
  { word: "q", ranks: {}, expected: ["q"], steps: "nothing: one symbol", lookalikes: [] },
];

const BPE_HINT = "At every step look at all adjacent pairs and merge the one with the LOWEST " +
  "rank (the earliest line of merges.txt: merges learnt first are applied first), not the " +
  "leftmost pair and not the most frequent one; merge every occurrence of it, then look again, " +
  "until no adjacent pair is in ranks.";

const PRETOKENIZE_HINT = "GPT-2's pattern tries, in order: the contractions 's 't 're 've 'm " +
  "'ll 'd; an optional space then letters (\\p{L}+); an optional space then digits " +
  "(\\p{N}+); an optional space then other symbols; whitespace not followed by a non-space " +
  "(\\s+(?!\\S)); any whitespace. Flags: g and u.";

// ---------------------------------------------------------------------------------------------
// The oracle (grader side only)

/** What the checks know about GPT-2's tokenizer, from tiktoken and vocab.json. */
interface Oracle {
  /** GPT-2's ids for a text, `<|endoftext|>` allowed. */
  encode(text: string): number[];
  /** How GPT-2's pre-tokenisation pattern (tiktoken's) cuts a text. */
  pieces(text: string): string[];
  /** vocab.json's string for an id, e.g. `Ġcat`. */
  token(id: number): string;
  /** Byte -> GPT-2's printable character, for every byte that can occur in UTF-8 text. */
  byteTable: Map<number, string>;
}

let oracle: Oracle | undefined;

async function loadOracle(): Promise<Oracle> {
  const { getEncoding } = await import("js-tiktoken");
  const { default: gpt2 } = await import("js-tiktoken/ranks/gpt2");
  const gpt2Encoding = getEncoding("gpt2");
  const pattern = new RegExp(gpt2.pat_str, "gu");
  const strings = new Map(
    Object.entries(loadTokenizerFiles().encoder).map(([token, id]) => [id, token]),
  );
  const encode = (text: string) => gpt2Encoding.encode(text, "all");
  const token = (id: number) => strings.get(id) ?? `<no token ${id}>`;
  // The tokens of a text, joined, spell its UTF-8 bytes one character each.
  const text = everyUtf8Byte();
  const spelled = [...encode(text).map(token).join("")];
  const bytes = new TextEncoder().encode(text);
  const byteTable = new Map([...bytes].map((b, i) => [b, spelled[i]]));
  return {
    encode,
    pieces: (text) => [...text.matchAll(pattern)].map((m) => m[0]),
    token,
    byteTable,
  };
}

/**
 * A text whose UTF-8 holds every byte that can occur in UTF-8: ASCII, the continuation bytes
 * (U+0080..U+00BF are C2 80..C2 BF) and one character for each lead byte C3..F4. (C0, C1 and
 * F5..FF never occur, so text never reaches their entries of the table.)
 */
function everyUtf8Byte(): string {
  const codePoints: number[] = [];
  for (let cp = 0; cp < 0xc0; cp++) codePoints.push(cp);
  for (let lead = 0xc3; lead <= 0xdf; lead++) codePoints.push((lead - 0xc0) << 6);
  for (let lead = 0xe0; lead <= 0xef; lead++) codePoints.push(Math.max((lead - 0xe0) << 12, 0x800));
  for (let lead = 0xf0; lead <= 0xf4; lead++) {
    codePoints.push(Math.max((lead - 0xf0) << 18, 0x10000));
  }
  return String.fromCodePoint(...codePoints);
}

function theOracle(): Oracle {
  if (!oracle) throw new Error("the tokenizer oracle is used before plan() loaded it");
  return oracle;
}

/** GPT-2's ids for "Hello world": a fact of the real model's tokenizer, not of tiktoken's. */
const HELLO_WORLD = { text: "Hello world", ids: [15496, 995] };

async function plan(ctx: GradeContext): Promise<ProbeCall[]> {
  const o = (oracle ??= await loadOracle());
  // on the real GPT-2, the tokenizer is built from the downloaded vocab.json and merges.txt
  const real = ctx.model === "gpt2"
    ? [{ id: `gpt2:encode:${HELLO_WORLD.text}`, probe: "encode", args: { text: HELLO_WORLD.text } }]
    : [];
  return [
    ...real,
    { id: "table", probe: "table" },
    { id: "vocabSize", probe: "vocabSize" },
    ...TEXTS.flatMap((text) => [
      { id: `encode:${text}`, probe: "encode", args: { text } },
      { id: `roundTrip:${text}`, probe: "roundTrip", args: { text } },
      { id: `decode:${text}`, probe: "decode", args: { ids: o.encode(text) } },
    ]),
    ...TOY_BPE.map((c) => ({
      id: `bpe:toy:${c.word}`,
      probe: "bpe",
      args: { word: c.word, ranks: Object.entries(c.ranks) },
    })),
    ...WORDS.map((w) => ({
      id: `bpe:${w}`,
      probe: "bpe",
      args: { word: o.encode(w).map(o.token).join("") },
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Probes (in the sandbox)

let files: TokenizerFiles | undefined;
let gpt2Ranks: Map<string, number> | undefined;
let tokenizer: LearnerTokenizer | undefined;

function tokenizerFiles(env: ProbeEnv): TokenizerFiles {
  return (files ??= loadTokenizerFiles(env.tokenizerDir));
}

// Built once per child; a constructor that throws is tried again by the next probe.
function learnerTokenizer(learner: Record<string, unknown>, env: ProbeEnv): LearnerTokenizer {
  if (tokenizer) return tokenizer;
  const Cls = exported<new (e: TokenizerFiles["encoder"], m: TokenizerFiles["merges"]) => unknown>(
    learner,
    "Tokenizer",
  );
  const { encoder, merges } = tokenizerFiles(env);
  return (tokenizer = new Cls(encoder, merges) as LearnerTokenizer);
}

/** How the learner's PRETOKENIZE cuts a text, or what is wrong with it. */
type Pretokenized = { flags: string; pieces?: string[] } | { notRegExp: string };

function pretokenize(learner: Record<string, unknown>, text: string): Pretokenized {
  const re = learner.PRETOKENIZE;
  if (!(re instanceof RegExp)) return { notRegExp: describeValue(re) };
  if (!re.global) return { flags: re.flags };
  return { flags: re.flags, pieces: [...text.matchAll(re)].map((m) => m[0]) };
}

// ---------------------------------------------------------------------------------------------
// Reading outcomes

function quote(text: string): string {
  const q = JSON.stringify(text);
  return q.length <= 48 ? q : `${q.slice(0, 40)}…" (${text.length} characters)`;
}

function encoded(o: Outcomes, text: string): { ids: number[]; split: Pretokenized } {
  const doing = `calling encode(${quote(text)})`;
  const v = valueOf(o, `encode:${text}`, doing) as { ids: unknown; split: Pretokenized };
  const fail = (message: string, hint?: string) =>
    new VerdictError({ status: "fail", message, hint });
  if (!Array.isArray(v.ids)) {
    throw fail(
      `encode(${quote(text)}) should return an array of numbers (token ids), found ${
        describeValue(v.ids)
      }`,
    );
  }
  const at = v.ids.findIndex((x) => typeof x !== "number");
  if (at >= 0) {
    throw fail(
      `encode(${quote(text)}) gave ${describeValue(v.ids[at])} at position ${at}, not an id`,
      "Every token bpe returns should be a string of vocab.json; one that is not there is " +
        "spelled in other characters than GPT-2's. Do you map each piece's UTF-8 bytes " +
        "(new TextEncoder().encode(piece)) through bytesToUnicode, and merge with merges.txt?",
    );
  }
  return { ids: v.ids, split: v.split };
}

function stringOf(o: Outcomes, id: string, doing: string): string {
  const v = valueOf(o, id, doing);
  if (typeof v !== "string") {
    throw new VerdictError({
      status: "fail",
      message: `Expected a string from ${doing}, found ${describeValue(v)}`,
    });
  }
  return v;
}

function tokensOf(o: Outcomes, id: string, doing: string): string[] {
  const v = valueOf(o, id, doing);
  if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) {
    throw new VerdictError({
      status: "fail",
      message: `Expected an array of strings (tokens) from ${doing}, found ${describeValue(v)}`,
    });
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reporting differences

const showTokens = (tokens: string[], max = 8) =>
  tokens.slice(0, max).map((t) => JSON.stringify(t)).join(" ") +
  (tokens.length > max ? ` … (${tokens.length - max} more)` : "");

function showIds(ids: number[], at: number): string {
  if (ids.length <= 24) return `[${ids.join(", ")}]`;
  const from = Math.max(0, at - 4), to = Math.min(ids.length, at + 12);
  return `[${from > 0 ? "…, " : ""}${ids.slice(from, to).join(", ")}${
    to < ids.length ? ", …" : ""
  }] (${ids.length} ids)`;
}

/** Where two id lists first differ, and the differing stretches before they agree again. */
interface Difference {
  /** The first position that differs. */
  at: number;
  /** GPT-2's ids from there until the lists agree again. */
  expected: number[];
  /** The learner's ids over the same stretch. */
  found: number[];
}

function difference(expected: number[], found: number[]): Difference {
  let at = 0;
  while (at < expected.length && at < found.length && expected[at] === found[at]) at++;
  let tail = 0;
  while (
    tail < expected.length - at && tail < found.length - at &&
    expected[expected.length - 1 - tail] === found[found.length - 1 - tail]
  ) tail++;
  return {
    at,
    expected: expected.slice(at, expected.length - tail),
    found: found.slice(at, found.length - tail),
  };
}

/** Whether two lists (of ids, tokens or pieces) are equal; `undefined` equals nothing. */
function same<T>(a: readonly T[] | undefined, b: readonly T[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What most likely makes the learner's ids differ from GPT-2's for `text`. */
function encodeHint(text: string, d: Difference, split: Pretokenized): string {
  const or = theOracle();
  const eot = or.encode(END_OF_TEXT)[0];
  if (d.expected.includes(eot) !== d.found.includes(eot)) {
    return `"${END_OF_TEXT}" is one special token, id ${eot}: split the text on it before ` +
      "pre-tokenising, emit its id for each occurrence, and encode the parts in between.";
  }
  if (!("pieces" in split) || !same(split.pieces, or.pieces(text))) {
    return "PRETOKENIZE cuts this text differently from GPT-2 (see the PRETOKENIZE check), " +
      "and merges never cross the cuts.";
  }
  const spell = (ids: number[]) => ids.map(or.token).join("");
  if (spell(d.expected) === spell(d.found)) {
    return "Same bytes, cut differently: your merges differ from GPT-2's. " + BPE_HINT;
  }
  return "The bytes differ, not only the cuts: encode each piece's UTF-8 bytes " +
    "(new TextEncoder().encode(piece)), not its UTF-16 code units, each byte through " +
    "bytesToUnicode.";
}

/** A failed verdict for ids that differ from GPT-2's. */
function idsMismatch(
  text: string,
  expected: number[],
  found: number[],
  split: Pretokenized,
): Verdict {
  const or = theOracle();
  const d = difference(expected, found);
  return {
    status: "fail",
    message: `encode(${quote(text)}) differs from GPT-2's ids at token ${d.at}`,
    details: [
      `expected ${expected.length} ids: ${showIds(expected, d.at)}`,
      `found    ${found.length} ids: ${showIds(found, d.at)}`,
      `from token ${d.at}: expected ${showTokens(d.expected.map(or.token)) || "nothing"}, ` +
      `found ${showTokens(d.found.map(or.token)) || "nothing"}`,
    ],
    hint: encodeHint(text, d, split),
  };
}

// ---------------------------------------------------------------------------------------------
// Checks

function tableEntries(o: Outcomes): [number, string][] {
  const v = valueOf(o, "table", "calling bytesToUnicode()") as
    | { entries: [unknown, unknown][] }
    | { notMap: string };
  if ("notMap" in v) {
    throw new VerdictError({
      status: "fail",
      message: `bytesToUnicode() should return a Map<number, string>, found ${v.notMap}`,
    });
  }
  return v.entries as [number, string][];
}

const showByte = (b: number) => `${b} (0x${b.toString(16).padStart(2, "0")})`;
const showChar = (c: unknown) =>
  typeof c === "string"
    ? `${JSON.stringify(c)}${
      [...c].length === 1
        ? ` (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`
        : ""
    }`
    : describeValue(c);

function tableShapeCheck(o: Outcomes): Verdict {
  const entries = tableEntries(o);
  const fail = (message: string, hint?: string): Verdict => ({ status: "fail", message, hint });
  if (entries.length !== 256) {
    return fail(`bytesToUnicode() has ${entries.length} entries, not 256`);
  }
  const table = new Map(entries);
  const missing = [...Array(256).keys()].find((b) => !table.has(b));
  if (missing !== undefined) {
    return fail(
      `bytesToUnicode() has no entry for byte ${showByte(missing)}`,
      "The keys are the numbers 0..255 (not characters or strings).",
    );
  }
  const printable = /^[\p{L}\p{N}\p{P}\p{S}]$/u;
  for (const [b, c] of entries) {
    if (typeof c !== "string" || !printable.test(c)) {
      return fail(
        `bytesToUnicode() maps byte ${showByte(b)} to ${showChar(c)}: expected one printable ` +
          "character",
        "Bytes that are not printable themselves (controls, space, DEL, no-break space, soft " +
          "hyphen) get String.fromCharCode(256 + n), n = 0, 1, 2, … in byte order.",
      );
    }
  }
  const owner = new Map<string, number>();
  for (const [b, c] of entries) {
    const other = owner.get(c);
    if (other !== undefined) {
      return fail(
        `bytesToUnicode() maps both byte ${showByte(other)} and byte ${showByte(b)} to ` +
          `${showChar(c)}: decode could not tell them apart`,
        "Count n only over the bytes that are not printable, and start at 256 + 0.",
      );
    }
    owner.set(c, b);
  }
  return { status: "pass", message: "256 entries, one printable character each, one-to-one" };
}

function tableValuesCheck(o: Outcomes): Verdict {
  const table = new Map(tableEntries(o));
  for (const [b, c] of theOracle().byteTable) {
    if (table.get(b) === c) continue;
    const isPrintable = b === c.codePointAt(0);
    return {
      status: "fail",
      message: `bytesToUnicode() maps byte ${showByte(b)} to ${showChar(table.get(b))}; ` +
        `GPT-2's vocabulary writes it ${showChar(c)}`,
      hint: isPrintable
        ? "Printable bytes (33..126, 161..172, 174..255) stand for themselves."
        : "The non-printable bytes get 256 + n, where n counts only them (0 for byte 0, 32 " +
          "for the space, 33 for byte 127, …), not 256 + b.",
    };
  }
  return { status: "pass", message: "it is GPT-2's table for every byte UTF-8 text can hold" };
}

function toyBpeCheck(o: Outcomes): Verdict {
  return allOf(
    `bpe() merges lowest rank first on ${TOY_BPE.length} hand-made merge lists`,
    TOY_BPE.map((c) => () => {
      const ranks = JSON.stringify(c.ranks).replaceAll('":', '": ').replaceAll(",", ", ");
      const call = `bpe(${JSON.stringify(c.word)}, ranks ${ranks})`;
      const found = tokensOf(o, `bpe:toy:${c.word}`, `calling ${call}`);
      if (same(found, c.expected)) {
        return { status: "pass", message: "" };
      }
      const like = c.lookalikes.find((l) => same(l.result, found));
      return {
        status: "fail",
        message: `${call}: expected ${showTokens(c.expected)}, found ${showTokens(found)}`,
        details: [
          `GPT-2's loop merges ${c.steps}, then stops.`,
          ...(like ? [`Your result is what ${like.from} gives.`] : []),
        ],
        hint: BPE_HINT,
      };
    }),
  );
}

function roundTripCheck(o: Outcomes): Verdict {
  return allOf(
    `decode(encode(text)) gives back each of ${TEXTS.length} texts`,
    TEXTS.map((text) => () => {
      const back = stringOf(o, `roundTrip:${text}`, `calling decode(encode(${quote(text)}))`);
      if (back === text) return { status: "pass", message: "" };
      const { split } = encoded(o, text);
      if ("pieces" in split && split.pieces && split.pieces.join("") !== text) {
        return {
          status: "fail",
          message: `decode(encode(${quote(text)})) gave ${quote(back)}: PRETOKENIZE's pieces ` +
            `${showTokens(split.pieces)} leave out part of the text`,
          hint: "Every character must land in some piece: the last alternatives of the pattern " +
            'catch whitespace, and without the u flag \\p{L} is not "any letter".',
        };
      }
      let at = 0;
      while (at < text.length && text[at] === back[at]) at++;
      return {
        status: "fail",
        message: `decode(encode(${quote(text)})) gave ${quote(back)}`,
        details: [`first difference at character ${at}`],
        hint: "decode undoes each step of encode: id -> token string -> one byte per character " +
          "(the inverse of bytesToUnicode) -> UTF-8, decoding all the bytes at once (a " +
          "character can be spread over several tokens).",
      };
    }),
  );
}

function idRangeCheck(o: Outcomes, ctx: GradeContext): Verdict {
  const v = ctx.config.vocab_size;
  return allOf(
    `every id is an integer in [0, ${v})`,
    TEXTS.map((text) => () => {
      const { ids } = encoded(o, text);
      const at = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= v);
      if (at < 0) return { status: "pass", message: "" };
      return {
        status: "fail",
        message: `encode(${quote(text)}) gave ${ids[at]} at position ${at}: ids are integers ` +
          `from 0 to ${v - 1}`,
        hint: "Every id should come from vocab.json (or be 50256 for <|endoftext|>).",
      };
    }),
  );
}

function pretokenizeCheck(o: Outcomes): Verdict {
  return allOf(
    `PRETOKENIZE cuts ${TEXTS.length} texts into GPT-2's pieces`,
    TEXTS.map((text) => () => {
      const { split } = encoded(o, text);
      if ("notRegExp" in split) {
        return {
          status: "fail",
          message: `PRETOKENIZE should be a RegExp, found ${split.notRegExp}`,
        };
      }
      if (!split.pieces) {
        return {
          status: "fail",
          message: `PRETOKENIZE has flags "${split.flags}": text.matchAll() needs the g flag`,
          hint: PRETOKENIZE_HINT,
        };
      }
      const expected = theOracle().pieces(text);
      if (same(split.pieces, expected)) return { status: "pass", message: "" };
      let at = 0;
      while (split.pieces[at] === expected[at]) at++;
      return {
        status: "fail",
        message: `PRETOKENIZE cuts ${quote(text)} differently from GPT-2 at piece ${at}`,
        details: [
          `expected ${showTokens(expected.slice(at))}`,
          `found    ${showTokens(split.pieces.slice(at))}`,
        ],
        hint: split.flags.includes("u")
          ? PRETOKENIZE_HINT
          : `Without the u flag, \\p{L} is not "any letter". ${PRETOKENIZE_HINT}`,
      };
    }),
  );
}

function wordsCheck(o: Outcomes): Verdict {
  const or = theOracle();
  return allOf(
    `bpe() with GPT-2's merges gives GPT-2's tokens for ${WORDS.length} words`,
    WORDS.map((w) => () => {
      const expected = or.encode(w).map(or.token);
      const word = expected.join("");
      const found = tokensOf(o, `bpe:${w}`, `calling bpe(${JSON.stringify(word)}, ranks)`);
      if (same(found, expected)) return { status: "pass", message: "" };
      return {
        status: "fail",
        message: `bpe(${JSON.stringify(word)}, GPT-2's ranks): expected ${
          showTokens(expected)
        }, found ${showTokens(found)}`,
        hint: BPE_HINT,
      };
    }),
  );
}

function encodeCheck(o: Outcomes): Verdict {
  const or = theOracle();
  const failures: Verdict[] = [];
  for (const text of TEXTS) {
    const { ids, split } = encoded(o, text);
    const expected = or.encode(text);
    if (!same(ids, expected)) {
      failures.push(idsMismatch(text, expected, ids, split));
    }
  }
  if (!failures.length) {
    return { status: "pass", message: `the ids of ${TEXTS.length} texts equal tiktoken's` };
  }
  const [first] = failures;
  const more = failures.length - 1;
  return more
    ? {
      ...first,
      details: [...first.details!, `(and ${more} more of the ${TEXTS.length} texts differ)`],
    }
    : first;
}

function decodeCheck(o: Outcomes): Verdict {
  const or = theOracle();
  return allOf(
    `decode() turns GPT-2's ids back into ${TEXTS.length} texts`,
    TEXTS.map((text) => () => {
      const ids = or.encode(text);
      const found = stringOf(o, `decode:${text}`, `calling decode(${showIds(ids, 0)})`);
      if (found === text) return { status: "pass", message: "" };
      return {
        status: "fail",
        message: `decode(${showIds(ids, 0)}) should give ${quote(text)}, found ${quote(found)}`,
        hint: "Look up each id's token string, turn each of its characters back into a byte " +
          "(the inverse of bytesToUnicode), then decode all the bytes as UTF-8 at once.",
      };
    }),
  );
}

function helloWorldCheck(o: Outcomes): Verdict {
  const { text, ids: expected } = HELLO_WORLD;
  const call = `encode(${quote(text)})`;
  const found = (valueOf(o, `gpt2:encode:${text}`, `calling ${call}`) as { ids: unknown }).ids;
  if (Array.isArray(found) && same(found, expected)) {
    return {
      status: "pass",
      message: `${call} is ${
        JSON.stringify(expected)
      } with the downloaded vocab.json and merges.txt`,
    };
  }
  return {
    status: "fail",
    message: `With the downloaded vocab.json and merges.txt, ${call} gives ` +
      `${Array.isArray(found) ? JSON.stringify(found) : describeValue(found)}; GPT-2's ids are ` +
      `${JSON.stringify(expected)} ("Hello", " world")`,
    hint: "Build everything from the encoder and merges the Tokenizer is given (they come from " +
      "the model's own files), not from a table of your own.",
  };
}

function handsOnCheck(o: Outcomes): Verdict {
  const or = theOracle();
  const count = (n: number) => `${n} token${n === 1 ? "" : "s"}`;
  for (const text of HANDS_ON) {
    const { ids, split } = encoded(o, text);
    const expected = or.encode(text);
    if (same(ids, expected)) continue;
    const m = idsMismatch(text, expected, ids, split);
    return {
      status: "fail",
      message: `The lecture's hands-on: ${quote(text)} is ${count(expected.length)} in GPT-2, ` +
        `${showTokens(expected.map(or.token))}; yours gives ${count(ids.length)}, ` +
        `${showTokens(ids.map(or.token))}`,
      details: m.details,
      hint: m.hint,
    };
  }
  return {
    status: "pass",
    message: HANDS_ON.map((t) => {
      const ids = or.encode(t);
      return `${quote(t)} is ${count(ids.length)} (${showTokens(ids.map(or.token))})`;
    }).join("; "),
  };
}

/** Stage 1 of the course. */
export const stage: Stage = {
  number: 1,
  name: "Tokenizer",
  file: "1_tokenizer.ts",
  hints: [
    'What does GPT-2 see of " café"? Write its UTF-8 bytes (new TextEncoder().encode) and ' +
    "look each byte up in your bytesToUnicode table: which string do you get, and is it in " +
    "vocab.json?",
    "Why does bytesToUnicode move the space, the newline and the other control bytes to " +
    "characters from U+0100 on, instead of leaving them as they are?",
    'How does GPT-2\'s pre-tokenisation cut "a   b" and "I\'m"? Which piece keeps the space ' +
    "in front of a word, and which alternative of the pattern keeps a run of spaces from " +
    "swallowing it?",
    "In bpe, when several adjacent pairs are in ranks, which one do you merge first: the " +
    "leftmost, the most frequent, or the one learnt first? What does a pair's rank mean?",
    "Where does <|endoftext|> go? Should the pre-tokenisation regex ever see it, and which id " +
    "does it get?",
    "In decode, why must all the bytes be decoded as UTF-8 at once, rather than token by token? " +
    "Try an emoji: how many tokens is 🐍?",
  ],
  probes: {
    table(learner) {
      const table = exported<() => unknown>(learner, "bytesToUnicode")();
      return table instanceof Map ? { entries: [...table] } : { notMap: describeValue(table) };
    },
    vocabSize(learner, _args, env) {
      return learnerTokenizer(learner, env).vocabSize;
    },
    // The pieces of PRETOKENIZE are recorded with encode, which is written with it.
    encode(learner, args, env) {
      const text = args.text as string;
      const ids = learnerTokenizer(learner, env).encode(text);
      return { ids, split: pretokenize(learner, text) };
    },
    roundTrip(learner, args, env) {
      const tok = learnerTokenizer(learner, env);
      return tok.decode(tok.encode(args.text as string));
    },
    decode(learner, args, env) {
      return learnerTokenizer(learner, env).decode(args.ids as number[]);
    },
    bpe(learner, args, env) {
      const fn = exported<Bpe>(learner, "bpe");
      const toy = args.ranks as [string, number][] | undefined;
      const ranks = toy
        ? new Map(toy)
        : (gpt2Ranks ??= new Map(tokenizerFiles(env).merges.map(([a, b], r) => [`${a} ${b}`, r])));
      return fn(args.word as string, ranks);
    },
  },
  plan,
  checks: [
    {
      name: "bytesToUnicode runs",
      layer: "runs",
      run: (o) => {
        tableEntries(o);
        return { status: "pass", message: "bytesToUnicode() returns a Map" };
      },
    },
    {
      name: "bpe runs",
      layer: "runs",
      run: (o) => {
        tokensOf(
          o,
          `bpe:toy:${TOY_BPE[0].word}`,
          `calling bpe(${JSON.stringify(TOY_BPE[0].word)})`,
        );
        return { status: "pass", message: "bpe(word, ranks) returns an array of strings" };
      },
    },
    {
      name: "Tokenizer runs",
      layer: "runs",
      run: (o) => {
        encoded(o, "cat");
        return {
          status: "pass",
          message: 'new Tokenizer(encoder, merges).encode("cat") gives ids',
        };
      },
    },
    {
      name: "bytesToUnicode covers the 256 bytes",
      layer: "shapes",
      buildsOn: ["bytesToUnicode runs"],
      run: tableShapeCheck,
    },
    {
      name: "vocabSize",
      layer: "shapes",
      run: (o, ctx) => {
        const v = valueOf(o, "vocabSize", "reading tokenizer.vocabSize");
        const expected = ctx.config.vocab_size;
        return v === expected ? { status: "pass", message: `vocabSize is ${expected}` } : {
          status: "fail",
          message: `vocabSize should be ${expected}, found ${describeValue(v)}`,
          hint: "Count the entries of vocab.json (50000 merges + 256 bytes + <|endoftext|>).",
        };
      },
    },
    {
      name: "bytesToUnicode is GPT-2's table",
      layer: "properties",
      buildsOn: ["bytesToUnicode covers the 256 bytes"],
      run: tableValuesCheck,
    },
    { name: "encode gives valid ids", layer: "properties", run: idRangeCheck },
    {
      name: "decode(encode(text)) gives the text back",
      layer: "properties",
      points: 2,
      run: roundTripCheck,
    },
    {
      name: "bpe merges the lowest-ranked pair first",
      layer: "properties",
      points: 2,
      run: toyBpeCheck,
    },
    { name: "PRETOKENIZE cuts text like GPT-2", layer: "tokens", run: pretokenizeCheck },
    { name: "bpe gives GPT-2's tokens", layer: "tokens", run: wordsCheck },
    {
      name: "encode matches GPT-2's ids (tiktoken)",
      layer: "tokens",
      points: 3,
      run: encodeCheck,
    },
    { name: "decode reads GPT-2's ids", layer: "tokens", run: decodeCheck },
    { name: "the lecture's hands-on", layer: "tokens", subject: "Tokenizer", run: handsOnCheck },
    {
      name: "GPT-2's own files give GPT-2's ids",
      layer: "tokens",
      needsRealModel: true,
      run: helloWorldCheck,
    },
  ],
};
