/**
 * Stage 3 — attention: the learner's `scaledDotProductAttention` against the library's
 * reference on many shapes, then `CausalSelfAttention` loaded from `h.0.attn.*` against the
 * reference activations, with causality checked by perturbing future tokens.
 *
 * @module
 */
import { scaledDotProductAttention as referenceSdpa, softmax } from "../../lib/functional.ts";
import { extract, type Module } from "../../lib/module.ts";
import { randn, Rng } from "../../lib/random.ts";
import { Tensor } from "../../lib/tensor.ts";
import { tensorOf, valueOf, watchedOf } from "../outcomes.ts";
import { longestPrompt } from "../prompts.ts";
import { callWatching, exported, loadedModule, stateShapes } from "../probe_helpers.ts";
import type { GradeContext, Outcomes, ProbeCall, Stage, Verdict } from "../stage.ts";
import {
  allOf,
  asTensor,
  batched,
  causalVerdict,
  dataOf,
  diagnosedCloseVerdict,
  inputUnchangedVerdict,
  keysVerdict,
  type KnownMistake,
  shapeVerdict,
} from "../verdicts.ts";
import type { TensorData } from "../wire.ts";

type Sdpa = (q: Tensor, k: Tensor, v: Tensor, mask?: Tensor) => Tensor;
type Attention = Module & { forward(x: Tensor): Tensor };

/** One SDPA test case: sizes, mask kind, and how large the scores get. */
interface SdpaCase {
  name: string;
  b: number;
  h: number;
  tq: number;
  tk: number;
  d: number;
  dv: number;
  mask: "none" | "causal" | "random";
  scale?: number;
}

const SDPA_CASES: SdpaCase[] = [
  { name: "one element", b: 1, h: 1, tq: 1, tk: 1, d: 1, dv: 1, mask: "none" },
  { name: "GPT-2-like heads", b: 2, h: 3, tq: 5, tk: 5, d: 8, dv: 8, mask: "none" },
  { name: "more keys than queries", b: 2, h: 3, tq: 5, tk: 6, d: 8, dv: 4, mask: "none" },
  { name: "causal mask", b: 1, h: 2, tq: 7, tk: 7, d: 3, dv: 3, mask: "causal" },
  { name: "causal, head size 64", b: 1, h: 4, tq: 9, tk: 9, d: 64, dv: 64, mask: "causal" },
  { name: "odd sizes, causal", b: 3, h: 1, tq: 4, tk: 4, d: 5, dv: 7, mask: "causal" },
  { name: "random mask", b: 2, h: 2, tq: 6, tk: 6, d: 4, dv: 4, mask: "random" },
  { name: "large scores", b: 1, h: 1, tq: 4, tk: 4, d: 4, dv: 4, mask: "causal", scale: 300 },
];

const SDPA_MATCHES = "scaledDotProductAttention matches the reference";
const SDPA_TOL = { atol: 1e-5, rtol: 1e-4 };
const ATTN_TOL = { atol: 1e-4, rtol: 1e-4 };
const CAUSAL_SPLIT = 20;

/** The causality probe keeps this many tokens of a `t`-token prompt and changes the rest. */
function causalSplit(t: number): number {
  return Math.min(CAUSAL_SPLIT, t - 1);
}

interface SdpaInputs {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  mask?: Tensor;
}

let sdpaInputsCache: SdpaInputs[] | undefined;

// The inputs of every case, the same in plan() and in the checks (seeded).
function sdpaInputs(): SdpaInputs[] {
  const rng = new Rng(3);
  return (sdpaInputsCache ??= SDPA_CASES.map((c) => sdpaCase(c, rng)));
}

function sdpaCase(c: SdpaCase, rng: Rng): SdpaInputs {
  const q = randn([c.b, c.h, c.tq, c.d], { rng }).mul(c.scale ?? 1);
  const k = randn([c.b, c.h, c.tk, c.d], { rng });
  const v = randn([c.b, c.h, c.tk, c.dv], { rng });
  let mask: Tensor | undefined;
  if (c.mask === "causal") mask = Tensor.ones([c.tq, c.tk]).tril();
  if (c.mask === "random") {
    // every row keeps its diagonal so no row is fully masked
    const keep = randn([1, 1, c.tq, c.tk], { rng }).gt(0).data;
    for (let i = 0; i < c.tq; i++) keep[i * c.tk + i] = 1;
    mask = new Tensor(keep, [1, 1, c.tq, c.tk]);
  }
  return { q, k, v, mask };
}

function plan(ctx: GradeContext): ProbeCall[] {
  const inputs = sdpaInputs();
  const calls: ProbeCall[] = SDPA_CASES.map((c, i) => ({
    id: `sdpa:${c.name}`,
    probe: "sdpa",
    args: { ...inputs[i] },
  }));
  calls.push({ id: "attn:keys", probe: "keys" });
  for (const p of ctx.refs.prompts) {
    calls.push({
      id: `attn:p${p.index}`,
      probe: "forward",
      args: { x: asTensor(batched(p.tensor("h0.attn_in"))) },
    });
  }
  const long = longestPrompt(ctx);
  const x = asTensor(batched(long.tensor("h0.attn_in")));
  const t = x.shape[1];
  if (t > 1) {
    const split = causalSplit(t);
    const noise = randn([1, t - split, x.shape[2]], { rng: new Rng(4) });
    const changed = Tensor.cat([x.slice(1, 0, split), noise], 1);
    calls.push({ id: "attn:causal", probe: "forward", args: { x: changed } });
  }
  return calls;
}

function sdpaCheck(summary: string, layer: "shapes" | "properties" | "numbers") {
  return (outcomes: Outcomes): Verdict =>
    allOf(
      summary,
      SDPA_CASES.map((c, i) => () => {
        const { q, k, v, mask } = sdpaInputs()[i];
        const doing = `calling scaledDotProductAttention (${c.name})`;
        const out = tensorOf(outcomes, `sdpa:${c.name}`, doing);
        if (layer === "properties") return finiteVerdict(out, c);
        const expected = referenceSdpa(q, k, v, { mask });
        if (layer === "shapes") {
          return shapeVerdict(
            out,
            expected.shape,
            `the output for ${c.name}`,
            "q kᵀ is [..., Tq, Tk]; (q kᵀ) v is [..., Tq, dv].",
          );
        }
        return diagnosedCloseVerdict(
          out,
          dataOf(expected),
          SDPA_TOL,
          `${c.name} (q ${q.shape.join("×")})`,
          SDPA_HINT,
          sdpaMistakes(sdpaInputs()[i]),
        );
      }),
    );
}

function finiteVerdict(out: TensorData, c: SdpaCase): Verdict {
  const bad = out.data.findIndex((x) => !Number.isFinite(x));
  if (bad < 0) return { status: "pass", message: "" };
  return {
    status: "fail",
    message: `${c.name}: element ${bad} of the output is ${out.data[bad]}`,
    hint: c.scale
      ? "With large scores exp() overflows to Infinity: subtract each row's maximum before " +
        "exp (F.softmax does), and mask with -Infinity rather than by multiplying."
      : "Masked scores should be -Infinity before the softmax (not after it).",
  };
}

// What the classic attention bugs compute, so that a learner whose output matches one is told
// which bug it is.
function sdpaMistakes({ q, k, v, mask }: SdpaInputs): KnownMistake[] {
  const d = q.size(-1);
  const scores = () => q.matmul(k.transpose(-2, -1)).div(Math.sqrt(d));
  const masked = () => (mask ? scores().maskedFill(mask.eq(0), -Infinity) : scores());
  return [
    {
      message: "Your scores are not divided by sqrt(d)",
      hint: `Divide q kᵀ by sqrt(d) = sqrt(${d}) before the softmax: without it the softmax ` +
        "saturates as d grows.",
      output: () => dataOf(referenceSdpa(q, k, v, { mask, scale: 1 })),
    },
    {
      message: "Your scores are divided by d instead of sqrt(d)",
      hint: `The scale is 1 / sqrt(d) = 1 / sqrt(${d}), not 1 / d.`,
      output: () => dataOf(referenceSdpa(q, k, v, { mask, scale: 1 / d })),
    },
    {
      message: "Your attention ignores the mask",
      hint: "Where mask is 0 the score must become -Infinity (maskedFill(mask.eq(0), -Infinity)) " +
        "before the softmax.",
      output: () => (mask ? dataOf(referenceSdpa(q, k, v)) : undefined),
    },
    {
      message: "You apply the mask after the softmax, so the kept weights no longer sum to 1",
      hint: "Mask the scores with -Infinity before the softmax; zeroing weights afterwards " +
        "leaves rows that do not sum to 1.",
      output: () =>
        mask ? dataOf(softmax(scores(), -1).maskedFill(mask.eq(0), 0).matmul(v)) : undefined,
    },
    {
      message: "Your softmax runs over the queries (dim -2) instead of the keys (dim -1)",
      hint: "Each query's weights over the keys must sum to 1: softmax over the last dimension.",
      output: () => dataOf(softmax(masked(), -2).matmul(v)),
    },
  ];
}

/**
 * What h.0.attn computes when the heads are split with `view(B, nh, T, hs)` alone (no
 * transpose) and merged back the same way (grader side). Such a module is still causal, since
 * each head's rows keep the positions' order, so only the numbers tell.
 */
function headsWithoutTranspose(ctx: GradeContext, x: TensorData): TensorData {
  const w = extract(ctx.weights(["h.0.attn."]), "h.0.attn.");
  const input = asTensor(x);
  const [B, T, C] = input.shape;
  const nh = ctx.config.n_head;
  const [q, k, v] = input.matmul(w["c_attn.weight"]).add(w["c_attn.bias"]).split(C, 2)
    .map((t) => t.contiguous().view(B, nh, T, C / nh)); // the mistake: no transpose(1, 2)
  const mask = w.bias.slice(2, 0, T).slice(3, 0, T); // (1, 1, T, T)
  const y = referenceSdpa(q, k, v, { mask }).contiguous().view(B, T, C);
  return dataOf(y.matmul(w["c_proj.weight"]).add(w["c_proj.bias"]));
}

function attentionMistakes(ctx: GradeContext, x: TensorData): KnownMistake[] {
  return [{
    message: "Your heads are split without a transpose: view(B, nh, T, hs) cuts the sequence " +
      "into nh pieces instead of cutting each position's C features into nh heads",
    hint: "Separate the heads in two steps: view(B, T, nh, hs) keeps each position's features " +
      "together and cuts them into heads, then transpose(1, 2) gives (B, nh, T, hs). Undo both " +
      "after attention: transpose(1, 2), then view(B, T, C).",
    output: () => headsWithoutTranspose(ctx, x),
  }];
}

const SDPA_HINT = "Check each step: scores = q kᵀ; divided by sqrt(d) where d = q.size(-1); " +
  "masked to -Infinity where mask is 0, before the softmax; softmax over the last dimension " +
  "(the keys); then times v.";

/** Stage 3 of the course. */
export const stage: Stage = {
  number: 3,
  name: "Attention",
  file: "3_attention.ts",
  references: { "F.scaledDotProductAttention": "scaledDotProductAttention" },
  hints: [
    "What shape do the scores q kᵀ have, and which dimension should each row of attention " +
    "weights sum to 1 over?",
    "Why divide the scores by sqrt(d)? What happens to a softmax when its inputs grow with d?",
    "A masked position must get weight exactly 0 and the other weights must still sum to 1. " +
    "Should you mask before or after the softmax, and with which value?",
    "c_attn gives [B, T, 3C]. In which order do q, k and v come out of it, and how do you cut " +
    "it into three [B, T, C] tensors?",
    "Heads: (B, T, C) -> (B, T, nh, hs) -> (B, nh, T, hs). Why must the transpose come after " +
    "the view, and how do you undo both after attention?",
    "The mask buffer is [1, 1, n_positions, n_positions]. Which part of it applies to a " +
    "sequence of T tokens?",
  ],
  probes: {
    sdpa(learner, args) {
      const fn = exported<Sdpa>(learner, "scaledDotProductAttention");
      return fn(
        args.q as Tensor,
        args.k as Tensor,
        args.v as Tensor,
        args.mask as Tensor | undefined,
      );
    },
    keys(learner, _args, env) {
      return stateShapes(learner, env, "CausalSelfAttention");
    },
    forward(learner, args, env) {
      const attn = loadedModule<Attention>(learner, env, "CausalSelfAttention", "h.0.attn.");
      return callWatching(args.x as Tensor, (x) => attn.forward(x));
    },
  },
  plan,
  checks: [
    {
      name: "scaledDotProductAttention runs",
      layer: "runs",
      run: (o) => {
        valueOf(o, `sdpa:${SDPA_CASES[1].name}`, "calling scaledDotProductAttention(q, k, v)");
        return { status: "pass", message: "it returns a value" };
      },
    },
    {
      name: "scaledDotProductAttention output shapes",
      layer: "shapes",
      run: sdpaCheck("the output is [..., Tq, dv] in every case", "shapes"),
    },
    {
      name: "scaledDotProductAttention gives finite numbers",
      layer: "properties",
      run: sdpaCheck("no NaN or Infinity, even with large scores", "properties"),
    },
    {
      name: SDPA_MATCHES,
      layer: "numbers",
      points: 3,
      run: sdpaCheck(
        `matches F.scaledDotProductAttention in ${SDPA_CASES.length} cases`,
        "numbers",
      ),
    },
    {
      name: "CausalSelfAttention state dict",
      layer: "keys",
      points: 2,
      run: (o, ctx) =>
        keysVerdict(
          valueOf(o, "attn:keys", "building CausalSelfAttention(config)") as Record<
            string,
            number[]
          >,
          ctx.checkpointShapes(),
          "h.0.attn.",
          "CausalSelfAttention",
        ),
    },
    {
      name: "CausalSelfAttention output shape",
      layer: "shapes",
      usesReferences: true,
      requires: [SDPA_MATCHES],
      run: (o, ctx) =>
        allOf(
          "the output is [B, T, C] like its input",
          ctx.refs.prompts.map((p) => () =>
            shapeVerdict(
              forwardResult(o, `attn:p${p.index}`).out,
              batched(p.tensor("h0.attn_in")).shape,
              "the output of forward(x)",
              "After attention, merge the heads back: (B, nh, T, hs) -> (B, T, nh, hs) -> " +
                "(B, T, C), then c_proj.",
            )
          ),
        ),
    },
    {
      name: "CausalSelfAttention does not modify its input",
      layer: "properties",
      usesReferences: true,
      requires: [SDPA_MATCHES],
      run: (o, ctx) =>
        inputUnchangedVerdict(
          ctx.refs.prompts.map((p) => () => forwardResult(o, `attn:p${p.index}`)),
        ),
    },
    {
      name: "CausalSelfAttention is causal",
      layer: "properties",
      usesReferences: true,
      requires: [SDPA_MATCHES],
      points: 2,
      run: (o, ctx) => {
        const long = longestPrompt(ctx);
        const t = long.ids.length;
        if (t < 2) return { status: "pass", message: "(prompts too short to test)" };
        const split = causalSplit(t);
        return causalVerdict(
          forwardResult(o, "attn:causal").out,
          forwardResult(o, `attn:p${long.index}`).out,
          split,
          { atol: 1e-6, rtol: 1e-5 },
          "outputs",
          "Position i must not see positions after i. Two usual causes: the scores are not " +
            "masked with the causal mask (this.bias[:, :, :T, :T]) before the softmax, or the " +
            "heads are merged back in another order than they were split — (B, nh, T, hs) must " +
            "go back through transpose(1, 2) before the view to (B, T, C), else a row mixes " +
            "several positions.",
        );
      },
    },
    {
      name: "CausalSelfAttention matches the reference activations",
      layer: "numbers",
      usesReferences: true,
      requires: [SDPA_MATCHES],
      points: 3,
      run: (o, ctx) =>
        allOf(
          `h.0.attn output matches PyTorch on ${ctx.refs.prompts.length} prompts`,
          ctx.refs.prompts.map((p) => () =>
            diagnosedCloseVerdict(
              forwardResult(o, `attn:p${p.index}`).out,
              batched(p.tensor("h0.attn_out")),
              ATTN_TOL,
              `h.0.attn output for prompt ${p.index} (${JSON.stringify(p.text ?? p.ids)})`,
              "Your scaledDotProductAttention passed, so look at the plumbing: q, k, v in that " +
                "order from c_attn; heads split as view(B, T, nh, hs).transpose(1, 2) and merged " +
                "back in the same order; the mask cut to its top-left T x T corner with " +
                "this.bias.slice(2, 0, T).slice(3, 0, T); c_proj applied last.",
              attentionMistakes(ctx, batched(p.tensor("h0.attn_in"))),
            )
          ),
        ),
    },
  ],
};

function forwardResult(o: Outcomes, id: string): { out: TensorData; mutated: boolean } {
  return watchedOf(o, id, "calling CausalSelfAttention.forward(x)");
}
