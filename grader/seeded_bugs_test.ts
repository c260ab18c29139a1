// gpt2-kit: reveals-solutions (plants bugs into copies of solutions/)
//
// The seeded-bug suite: each classic GPT-2 bug, planted into a copy of the solutions, must fail
// the stage that owns it, and the first failing check must name the right thing. The untouched
// solutions pass every stage.
import { assert, assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import type { StageResult } from "./stage.ts";
import { STAGES } from "./stages/mod.ts";
import { gradeDir, learnerText, watchReferenceReads, withMutatedCopy } from "./test_support.ts";

/** A bug planted by exact replacements in one solution file. */
interface SeededBug {
  /** The bug, as the lecture names it. */
  name: string;
  /** The stage that must catch it. */
  stage: number;
  /** Exact `[from, to]` replacements in that stage's solution file. */
  replacements: [string, string][];
  /** Words the first failing check's message, details or hint must contain. */
  mentions: string[];
  /** Words it must not contain: those naming a similar bug it must be told apart from. */
  notMentions?: string[];
}

const RANK_LOOP = `    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(\`\${symbols[i]} \${symbols[i + 1]}\`);
      if (rank !== undefined && rank < bestRank) {
        best = [symbols[i], symbols[i + 1]];
        bestRank = rank;
      }
    }`;

const FREQUENCY_LOOP = `    const counts = new Map<string, number>();
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = \`\${symbols[i]} \${symbols[i + 1]}\`;
      if (ranks.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      if (-n < bestRank) {
        best = key.split(" ") as [string, string];
        bestRank = -n;
      }
    }`;

const BUGS: SeededBug[] = [
  {
    name: "tokenizer merges the most frequent pair instead of the lowest rank",
    stage: 1,
    replacements: [[RANK_LOOP, FREQUENCY_LOOP]],
    mentions: ["most frequent pair", "LOWEST rank"],
  },
  {
    name: "positions start at 1",
    stage: 2,
    replacements: [["Tensor.arange(0, T)", "Tensor.arange(1, T + 1)"]],
    mentions: ["positions start at 1"],
  },
  {
    name: "heads split without a transpose",
    stage: 3,
    replacements: [
      [
        ".map((t) => t.view(B, T, this.nHead, hs).transpose(1, 2));",
        ".map((t) => t.contiguous().view(B, this.nHead, T, hs));",
      ],
      ["y.transpose(1, 2).contiguous().view(B, T, C)", "y.contiguous().view(B, T, C)"],
    ],
    mentions: ["split without a transpose", "view(B, T, nh, hs)"],
  },
  {
    name: "no 1/sqrt(d) scale",
    stage: 3,
    replacements: [[".div(Math.sqrt(d)); // (..., Tq, Tk)", "; // (..., Tq, Tk)"]],
    mentions: ["not divided by sqrt(d)"],
  },
  {
    name: "no causal mask",
    stage: 3,
    replacements: [[
      "scaledDotProductAttention(q, k, v, mask)",
      "scaledDotProductAttention(q, k, v)",
    ]],
    mentions: ["Later positions leak", "causal mask"],
  },
  {
    name: "mask applied after the softmax",
    stage: 3,
    replacements: [[
      "  if (mask) scores = scores.maskedFill(mask.eq(0), -Infinity);\n" +
      "  const weights = F.softmax(scores, -1); // each row sums to 1",
      "  let weights = F.softmax(scores, -1);\n" +
      "  if (mask) weights = weights.maskedFill(mask.eq(0), 0);",
    ]],
    mentions: ["after the softmax"],
  },
  {
    name: "softmax over the wrong axis",
    stage: 3,
    replacements: [["F.softmax(scores, -1)", "F.softmax(scores, -2)"]],
    mentions: ["over the queries"],
  },
  {
    name: "heads merged in the wrong order",
    stage: 3,
    replacements: [[
      "y.transpose(1, 2).contiguous().view(B, T, C)",
      "y.contiguous().view(B, T, C)",
    ]],
    mentions: ["Later positions leak", "heads", "merge"],
  },
  {
    name: "exact GELU instead of the tanh approximation",
    stage: 4,
    replacements: [[
      "return x.mul(0.5).mul(inner.tanh().add(1));",
      "return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));",
    ]],
    mentions: ["exact (erf) GELU", "tanh approximation"],
  },
  {
    name: "Conv1D weight used transposed",
    stage: 4,
    replacements: [["x.matmul(this.weight)", "x.matmul(this.weight.transpose(0, 1))"]],
    mentions: ["[in, out]"],
  },
  {
    name: "LayerNorm eps 1e-12",
    stage: 5,
    replacements: [["variance.add(this.eps)", "variance.add(1e-12)"]],
    mentions: ["eps", "1e-5"],
  },
  {
    name: "LayerNorm with the unbiased variance",
    stage: 5,
    replacements: [[
      "const variance = centered.pow(2).mean(-1, true);",
      "const variance = centered.pow(2).sum(-1, true).div(x.size(-1) - 1);",
    ]],
    mentions: ["biased variance"],
  },
  {
    name: "missing residual connection",
    stage: 5,
    replacements: [[
      "x = x.add(this.attn.forward(this.ln_1.forward(x)));",
      "x = this.attn.forward(this.ln_1.forward(x));",
    ]],
    mentions: ["residual"],
  },
  {
    name: "LM head not tied to wte",
    stage: 5,
    replacements: [
      [
        "  /** The model's sizes. */\n  config: GPT2Config;",
        "  config: GPT2Config;\n  lm_head: nn.Linear;",
      ],
      [
        "    this.config = config;",
        "    this.config = config;\n    this.lm_head = new nn.Linear(config.n_embd, config.vocab_size, false);",
      ],
      ["x.matmul(this.wte.weight.transpose(0, 1))", "this.lm_head.forward(x)"],
    ],
    mentions: ["lm_head.weight", "ties the LM head to wte"],
  },
  {
    name: "KV cache: new tokens take positions from 0 again",
    stage: 6,
    replacements: [["Tensor.arange(P, P + T)", "Tensor.arange(0, T)"]],
    mentions: ["positions are off", "Tensor.arange(P, P + T)"],
    notMentions: ["mask rows are off"],
  },
  {
    name: "KV cache: the new tokens' mask rows start at 0",
    stage: 6,
    replacements: [["attn.bias.slice(2, P, P + T)", "attn.bias.slice(2, 0, T)"]],
    mentions: ["mask rows are off", "attn.bias.slice(2, P, P + T)"],
    notMentions: ["positions are off"],
  },
  {
    name: "KV cache: the past is not kept",
    stage: 6,
    replacements: [
      ["const k = past ? Tensor.cat([past.k, kNew], 2) : kNew;", "const k = kNew;"],
      ["const v = past ? Tensor.cat([past.v, vNew], 2) : vNew;", "const v = vNew;"],
    ],
    mentions: ["Tensor.cat([past.k, k], 2)"],
  },
];

const FILES = Object.fromEntries(STAGES.map((s) => [s.number, s]));

function firstProblem(r: StageResult) {
  return r.checks.find((c) => c.status === "fail" || c.status === "todo");
}

Deno.test("the untouched solutions pass every stage; usesReferences marks the checks reading the references", async () => {
  for (const stage of STAGES) {
    const watch = watchReferenceReads(stage);
    const r = await gradeDir(watch.stage, kitPath("solutions"), {}, watch.ctx);
    assertEquals(r.status, "pass", `stage ${stage.number}: ${r.message}`);
    // every check runs on the solutions but the n/a ones, which compare with facts about GPT-2
    const marked = stage.checks.filter((c) => c.usesReferences).map((c) => c.name);
    assertEquals(marked, stage.checks.filter((c) => watch.read.has(c.name)).map((c) => c.name));
  }
});

for (const bug of BUGS) {
  const stage = FILES[bug.stage];
  Deno.test(`seeded bug "${bug.name}" fails stage ${bug.stage} and is named`, async () => {
    const r = await withMutatedCopy(stage.file, bug.replacements, (dir) => gradeDir(stage, dir));
    assertEquals(r.status, "fail", `stage ${bug.stage} should fail: ${r.message}`);
    const problem = firstProblem(r);
    assert(problem, "a failing check");
    const text = learnerText(problem);
    for (const m of bug.notMentions ?? []) {
      assert(!text.includes(m), `the first failing check should not say "${m}":\n${text}`);
    }
    for (const m of bug.mentions) {
      assert(
        text.includes(m),
        `the first failing check ("${problem.name}") should mention "${m}":\n${text}`,
      );
    }
  });
}

Deno.test("the suite plants at least 12 classic bugs across the stages", () => {
  assert(BUGS.length >= 12);
  assertEquals(new Set(BUGS.map((b) => b.stage)), new Set(STAGES.map((s) => s.number)));
});
