/**
 * Stage 5 — the whole GPT-2, graded in the lecture's three steps:
 *
 * 1. module definitions + loading the weights: the learner's `GPT2` must own exactly the
 *    checkpoint's keys and shapes (a strict load of the whole state dict, reported in PyTorch's
 *    words, with hints for the tied LM head, the mask buffers and `nn.ModuleList`);
 * 2. the forwards: `LayerNorm` on PyTorch's fixture (rows of tiny variance included), then the
 *    model on the reference prompts piece by piece — embeddings, block h.0's sublayers, every
 *    block, `ln_f`, each run on PyTorch's own input to it, so the first piece that differs is
 *    where the bug is — then the logits and the greedy next token;
 * 3. generation: `generate` continues every prompt with the reference's tokens.
 *
 * @module
 */
import type { Module } from "../../lib/module.ts";
import { Rng } from "../../lib/random.ts";
import { formatShape } from "../../lib/shape.ts";
import { Tensor } from "../../lib/tensor.ts";
import { compareTensors, fmtNum, type Tolerance } from "../compare.ts";
import {
  describeValue,
  earlierTodoVerdict,
  requireTensor,
  tensorOf,
  valueOf,
  VerdictError,
} from "../outcomes.ts";
import { allDistinct, isArray } from "../intrinsics.ts";
import { builtModule, exported, loadedModule, shapesOf } from "../probe_helpers.ts";
import { continueOnEnglish, ENGLISH_TOKENS, englishReference, englishVerdict } from "../english.ts";
import { backgroundProbes, generationVerdict, startOnBackend } from "../generation.ts";
import { layerFixture, type PromptRef } from "../references.ts";
import { divergence, idsTensor, longestPrompt, promptName } from "../prompts.ts";
import type { GradeContext, Outcomes, ProbeCall, Stage, Verdict } from "../stage.ts";
import {
  allOf,
  asTensor,
  batched,
  causalVerdict,
  closenessVerdict,
  closeVerdict,
  dataOf,
  diagnosedCloseVerdict,
  keysVerdict,
  type KnownMistake,
  shapeVerdict,
} from "../verdicts.ts";
import type { TensorData } from "../wire.ts";

type Forward = Module & { forward(x: Tensor): Tensor };
type Generate = (model: Forward, ids: readonly number[], maxNewTokens: number) => unknown;

/** What the keys probe learns from a freshly built `GPT2(config)`. */
interface BuiltModel {
  /** Its state dict's key -> shape. */
  shapes: Record<string, number[]>;
  /** Its `h` is a plain array, which the state dict cannot see. */
  hIsArray: boolean;
  /** Its blocks are not all distinct objects (one block repeated). */
  sharedBlocks: boolean;
}

/** PyTorch's inputs to each piece of the model, for one prompt (all `[1, T, C]`). */
interface PieceInputs {
  /** The embeddings: what block h.0 and its ln_1 read. */
  embeddings: Tensor;
  /** h.0.ln_1's output: what h.0.attn reads. */
  attnIn: Tensor;
  /** embeddings + h.0.attn's output: the stream h.0.ln_2 reads. */
  ln2In: Tensor;
  /** h.0.ln_2's output: what h.0.mlp reads. */
  mlpIn: Tensor;
  /** What each block reads: the embeddings, then the previous block's output. */
  blocks: Tensor[];
  /** The last block's output: what ln_f reads. */
  lnFIn: Tensor;
}

// Tolerances, from the solution's measured errors against PyTorch on the tiny model and the
// effect of the classic bugs (pytorch/reference.py --bug-report):
// - LayerNorm fixture: solution 1.1e-5 (a row whose variance is eps); eps 1e-12: 1.25,
//   unbiased variance: 0.13.
const LN_TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };
// - each piece on PyTorch's input: solution <= 6e-6 (ln_f, whose outputs reach 56); eps 1e-12
//   changes h.0.ln_1 by 1.2e-3 and block h.0 by 2.5e-4; a missing residual by 0.36 or more.
const PIECE_TOL: Tolerance = { atol: 5e-5, rtol: 1e-5 };
// - logits (up to 67): solution 6.1e-5; eps 1e-12: 1.8e-2 to 4.8e-2; unbiased variance 0.55.
const LOGITS_TOL: Tolerance = { atol: 1e-3, rtol: 2e-5 };
// - earlier logits after changing later tokens: equal in exact arithmetic.
const CAUSAL_TOL: Tolerance = { atol: 1e-5, rtol: 1e-5 };
/** The causality check keeps this many tokens of the longest prompt and changes the rest. */
const CAUSAL_KEEP = 20;

// PyTorch's LayerNorm fixture (data/reference/layers.safetensors): a constant row, rows whose
// variance is below or near eps, a row with a large mean.
function lnFixture(name: "x" | "weight" | "bias"): Tensor {
  return asTensor(layerFixture(`layernorm.${name}`));
}

function pieceInputs(p: PromptRef, nLayer: number): PieceInputs {
  const ref = (name: string) => asTensor(batched(p.tensor(name)));
  const embeddings = ref("embeddings");
  return {
    embeddings,
    attnIn: ref("h0.attn_in"),
    ln2In: embeddings.add(ref("h0.attn_out")),
    mlpIn: ref("h0.mlp_in"),
    blocks: Array.from({ length: nLayer }, (_, i) => i === 0 ? embeddings : ref(`h${i - 1}.out`)),
    lnFIn: ref(`h${nLayer - 1}.out`),
  };
}

// The longest prompt with every token from CAUSAL_KEEP on replaced by another (seeded).
function changedIds(ctx: GradeContext): number[] {
  const { ids } = longestPrompt(ctx);
  const rng = new Rng(5);
  const V = ctx.config.vocab_size;
  return ids.map((id, t) =>
    t < causalKeep(ids.length) ? id : (id + 1 + Math.floor(rng.uniform() * (V - 1))) % V
  );
}

function causalKeep(t: number): number {
  return Math.min(CAUSAL_KEEP, t - 1);
}

function plan(ctx: GradeContext): ProbeCall[] {
  const calls: ProbeCall[] = [
    { id: "keys", probe: "keys" },
    {
      id: "layernorm",
      probe: "layernorm",
      args: { x: lnFixture("x"), weight: lnFixture("weight"), bias: lnFixture("bias") },
    },
    {
      // the model through the ONNX export on every prompt, teacher-forced (one pass per prompt,
      // its continuation but the last token fed in): exported here, then onnxruntime runs on
      // its own thread while the eager probes below go on, and "onnx" collects the picks
      id: "onnx:start",
      probe: "onnxStart",
      args: {
        prompts: ctx.refs.prompts.map((p) => ({ ids: p.ids, forced: p.generated.slice(0, -1) })),
      },
    },
  ];
  for (const p of ctx.refs.prompts) {
    const ids = idsTensor(p.ids);
    calls.push(
      { id: `logits:p${p.index}`, probe: "forward", args: { ids } },
      {
        id: `pieces:p${p.index}`,
        probe: "pieces",
        args: { ids, inputs: pieceInputs(p, ctx.config.n_layer) },
      },
    );
  }
  // the learner's own loop on the first prompt (eager: slow on the 124M model)
  const first = ctx.refs.prompts[0];
  calls.push({
    id: `generate:p${first.index}`,
    probe: "generate",
    args: { ids: first.ids, n: loopTokens(first) },
  });
  if (longestPrompt(ctx).ids.length > 1) {
    calls.push({ id: "causal", probe: "forward", args: { ids: idsTensor(changedIds(ctx)) } });
  }
  const english = englishReference();
  calls.push({
    id: "english",
    probe: "english",
    args: { ids: english.prompt_ids, n: ENGLISH_TOKENS },
  }, { id: "onnx", probe: "onnx" });
  if (ctx.model === "gpt2") calls.push(...REAL_GPT2_CALLS);
  return calls;
}

/**
 * `m.forward(...args)`, or null when `m` has no forward method: a layout the piece-by-piece
 * probe does not know, which the check then skips rather than fails.
 */
function forwardOf(m: unknown, ...args: Tensor[]): Tensor | null {
  const f = (m as { forward?: unknown } | null | undefined)?.forward;
  return typeof f === "function" ? f.apply(m, args) : null;
}

const TIED_HINT = "GPT-2 ties the LM head to wte: there is no separate lm_head (the checkpoint " +
  "has no lm_head.weight). Compute the logits in forward with the token embeddings themselves: " +
  "x.matmul(this.wte.weight.transpose(0, 1)).";

function keyHints(built: BuiltModel, checkpoint: Record<string, number[]>): string[] {
  const hints: string[] = [];
  const lacks = (k: string) => !(k in built.shapes);
  if (Object.keys(built.shapes).some((k) => k.startsWith("lm_head"))) hints.push(TIED_HINT);
  const blockKeys = Object.keys(checkpoint).filter((k) => k.startsWith("h."));
  if (blockKeys.length && blockKeys.every(lacks)) {
    hints.push(
      built.hIsArray
        ? "Your h is a plain array, which the state dict cannot see: wrap the blocks in " +
          "nn.ModuleList so that they are named h.0, h.1, ..."
        : "Your model has none of the blocks' keys: keep them in a field named h, an " +
          "nn.ModuleList of Blocks.",
    );
  } else if (blockKeys.some(lacks)) {
    const masks = blockKeys.filter((k) => /^h\.\d+\.attn\.bias$/.test(k));
    // a block whose attention is there (c_attn) but not its mask
    if (masks.some((k) => lacks(k) && !lacks(k.replace(/bias$/, "c_attn.weight")))) {
      hints.push(
        "The causal mask is a buffer in the checkpoint (h.N.attn.bias): your " +
          'CausalSelfAttention must keep it with this.registerBuffer("bias", ...), persistent.',
      );
    }
    const blocks = new Set(blockKeys.map((k) => k.split(".")[1]));
    const yours = new Set(
      Object.keys(built.shapes).filter((k) => k.startsWith("h.")).map((k) => k.split(".")[1]),
    );
    if (yours.size !== blocks.size) {
      hints.push(
        `The checkpoint has ${blocks.size} blocks, your model ${yours.size}: build ` +
          "config.n_layer of them.",
      );
    }
  }
  return hints;
}

function builtModel(o: Outcomes): BuiltModel {
  return valueOf(o, "keys", "building GPT2(config)") as BuiltModel;
}

function logitsOf(o: Outcomes, id: string, ctx: GradeContext): TensorData {
  try {
    return tensorOf(o, id, "calling GPT2.forward(ids)");
  } catch (e) {
    const wteShape = formatShape([ctx.config.vocab_size, ctx.config.n_embd]);
    if (e instanceof VerdictError && e.verdict.message.includes(wteShape)) {
      throw new VerdictError({
        ...e.verdict,
        hint: `wte.weight is ${wteShape} ([vocab_size, n_embd]): the tied LM head multiplies ` +
          "by its transpose, x.matmul(this.wte.weight.transpose(0, 1)), [B, T, C] -> [B, T, V].",
      });
    }
    throw e;
  }
}

function layerNormLike(eps: number, divideBy: (c: number) => number): TensorData {
  const x = lnFixture("x"), c = x.size(-1);
  const centered = x.sub(x.mean(-1, true));
  const variance = centered.mul(centered).sum(-1, true).div(divideBy(c));
  return dataOf(
    centered.div(variance.add(eps).sqrt()).mul(lnFixture("weight")).add(lnFixture("bias")),
  );
}

const LN_MISTAKES: KnownMistake[] = [
  {
    message: "Your LayerNorm acts as if eps were 1e-12: GPT-2's is 1e-5",
    hint: "eps is added to the variance inside the square root, sqrt(var + eps), and GPT-2's is " +
      "1e-5 (config.layer_norm_epsilon; LayerNorm(dim) must default to it). 1e-12 is BERT's: " +
      "it matters exactly on rows whose variance is tiny, like this fixture's.",
    output: () => layerNormLike(1e-12, (c) => c),
  },
  {
    message: "Your LayerNorm divides by C - 1 (the unbiased variance): it should divide by C",
    hint: "LayerNorm uses the biased variance: the mean of (x - mean)² over the row, dividing by " +
      "C, as x.mean(-1, true) does. (C - 1 is the sample variance of statistics, not of " +
      "LayerNorm.)",
    output: () => layerNormLike(1e-5, (c) => c - 1),
  },
];

const LN_HINT = "Over the last dimension only: (x - mean) / sqrt(var + eps) * weight + bias, " +
  "where var is the biased variance (divide by C, not C - 1) and eps = 1e-5 is inside the " +
  "square root (the grader builds LayerNorm(10), relying on that default). The fixture has a " +
  "constant row and rows whose variance is near eps: exactly where eps matters.";

/** One piece of the model, checked on PyTorch's input to it. */
interface Piece {
  /** Its key in the pieces probe's result. */
  key: string;
  /** The reference activation it must reproduce. */
  ref: string;
  /** The piece, as the report names it. */
  where: string;
  /** What to look at when it differs. */
  hint: string;
}

const SHARED_BLOCKS_HINT = "Your blocks are one and the same object repeated, so every block " +
  "holds the weights loaded last: build a new Block for each, " +
  "Array.from({ length: config.n_layer }, () => new Block(config)).";

function pieces(nLayer: number, sharedBlocks: boolean): Piece[] {
  // one block object repeated explains any difference inside the blocks
  const inBlock = (hint: string) => sharedBlocks ? SHARED_BLOCKS_HINT : hint;
  const ln = (field: string) =>
    `Your LayerNorm passed PyTorch's fixture, so look at how ${field} is built and loaded: ` +
    "LayerNorm(config.n_embd, config.layer_norm_epsilon), GPT-2's eps being 1e-5.";
  const block = inBlock(
    "ln_1, attn, ln_2 and mlp each match on their own, so the block's wiring is off. GPT-2 is " +
      "pre-LN with two residual connections: x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)). " +
      "Is each sublayer's output added to x (not replacing it), and does each read its own " +
      "LayerNorm of the current x?",
  );
  return [
    {
      key: "embeddings",
      ref: "embeddings",
      where: "the embeddings wte(ids) + wpe(0 .. T-1)",
      hint: "These come from your Embedding (stage 2) loaded from wte and wpe: does " +
        "`deno task check 2` pass?",
    },
    { key: "h0.ln_1", ref: "h0.attn_in", where: "block h.0's ln_1", hint: inBlock(ln("h.0.ln_1")) },
    {
      key: "h0.attn",
      ref: "h0.attn_out",
      where: "block h.0's attn",
      hint: inBlock(
        "This is your CausalSelfAttention (stage 3) on PyTorch's input to it: does " +
          "`deno task check 3` pass?",
      ),
    },
    { key: "h0.ln_2", ref: "h0.mlp_in", where: "block h.0's ln_2", hint: inBlock(ln("h.0.ln_2")) },
    {
      key: "h0.mlp",
      ref: "h0.mlp_out",
      where: "block h.0's mlp",
      hint: inBlock(
        "This is your MLP (stage 4) on PyTorch's input to it: does `deno task check 4` pass?",
      ),
    },
    ...Array.from({ length: nLayer }, (_, i) => ({
      key: `h${i}`,
      ref: `h${i}.out`,
      where: `block h.${i}'s output`,
      hint: block,
    })),
    { key: "ln_f", ref: "ln_f", where: "ln_f", hint: ln("ln_f") },
  ];
}

const PIECES_DOING = "running your modules one at a time (model.wte, model.h[i].ln_1, ...) on " +
  "PyTorch's activations";

function matchesReference(o: Outcomes, ctx: GradeContext): Verdict {
  const prompts = ctx.refs.prompts;
  const { sharedBlocks } = builtModel(o);
  const results = new Map(
    prompts.map((p) => [
      p.index,
      valueOf(o, `pieces:p${p.index}`, PIECES_DOING) as Record<string, unknown>,
    ]),
  );
  const matched: string[] = [];
  const skipped: string[] = [];
  for (const piece of pieces(ctx.config.n_layer, sharedBlocks)) {
    let ran = false;
    for (const p of prompts) {
      const found = results.get(p.index)![piece.key];
      if (found === null || found === undefined) continue;
      ran = true;
      const v = closeVerdict(
        requireTensor(found, PIECES_DOING),
        batched(p.tensor(piece.ref)),
        PIECE_TOL,
        `${piece.where} for ${promptName(p)}`,
        piece.hint,
      );
      if (v.status === "pass") continue;
      const before = matched.length
        ? [`Before it, these match (each run on PyTorch's input to it): ${matched.join(", ")}`]
        : [];
      return { ...v, details: [...before, ...(v.details ?? [])] };
    }
    (ran ? matched : skipped).push(piece.where);
  }
  let maxAbs = 0;
  for (const p of prompts) {
    const found = logitsOf(o, `logits:p${p.index}`, ctx), expected = batched(p.tensor("logits"));
    const c = compareTensors(found, expected, LOGITS_TOL);
    const v = closenessVerdict(
      c,
      LOGITS_TOL,
      `the logits of GPT2.forward for ${promptName(p)}`,
      "Every piece matches when run on its own, so look at how GPT2.forward chains them: " +
        "positions 0 .. T-1 for wpe, every block in order, each on the previous one's output, " +
        "ln_f, then the tied head x.matmul(wte.weight.transpose(0, 1)) (no bias, no lm_head)." +
        (skipped.length
          ? ` (These could not be run on their own, having no forward method: ${
            skipped.join(", ")
          }.)`
          : ""),
      { found, expected },
    );
    if (v.status !== "pass") return v;
    maxAbs = Math.max(maxAbs, c.maxAbs);
  }
  return {
    status: "pass",
    message: `embeddings, ${ctx.config.n_layer} blocks, ln_f and logits match PyTorch on ` +
      `${prompts.length} prompts (max abs logit error ${fmtNum(maxAbs)})`,
  };
}

function argmaxRow(t: TensorData, row: number): { id: number; logit: number } {
  const v = t.shape.at(-1)!;
  const data = t.data.subarray(row * v, (row + 1) * v);
  let id = 0;
  for (let i = 1; i < v; i++) if (data[i] > data[id]) id = i;
  return { id, logit: data[id] };
}

/**
 * How many tokens the learner's own loop adds to the first prompt. Each step runs the whole
 * sequence again (stage 5 has no cache), so the cost grows with the square of the tokens: 20 took
 * 2.6 s of a 124M grading, 8 take 0.5 s. A loop's mistakes (the wrong position's logits, the pick
 * not appended, the prompt returned, one step too many or too few) show in its first tokens, and
 * every prompt's whole continuation is checked through the ONNX export.
 */
const LOOP_TOKENS = 8;

/** The ONNX check: exported and started by the "onnx:start" call, collected by "onnx". */
const onnx = backgroundProbes((learner, args, env) =>
  startOnBackend(
    env,
    { force: args.prompts as { ids: number[]; forced: number[] }[] },
    () => Promise.resolve({ model: loadedModule<Forward>(learner, env, "GPT2", "") }),
  )
);

function loopTokens(p: PromptRef): number {
  return Math.min(LOOP_TOKENS, p.generated.length);
}

function generatedVerdict(o: Outcomes, p: PromptRef): Verdict {
  const n = loopTokens(p);
  const call = `generate(model, ids, ${n})`;
  const found = valueOf(o, `generate:p${p.index}`, `calling ${call}`);
  if (!Array.isArray(found) || !found.every(Number.isInteger)) {
    return {
      status: "fail",
      message: `Expected an array of ${n} token ids from ${call}, found ${describeValue(found)}`,
      hint: "Collect each new id as a plain number, e.g. logits.select(1, -1).argmax(-1).item().",
    };
  }
  const withPrompt = found.length === p.ids.length + n && p.ids.every((id, i) => found[i] === id);
  if (found.length !== n) {
    return {
      status: "fail",
      message: `${call} for ${promptName(p)}: expected ${n} new ids, found ${found.length}`,
      hint: withPrompt
        ? "Return only the new ids, without the prompt: e.g. seq.slice(ids.length)."
        : `Run the loop exactly maxNewTokens (${n}) times, adding one id each time.`,
    };
  }
  const expected = p.generated.slice(0, n);
  const d = divergence(expected, found);
  if (!d) return { status: "pass", message: "" };
  return {
    status: "fail",
    message: `${call} for ${promptName(p)}: at new token ${d.step + 1} of ${n}, expected id ` +
      `${expected[d.step]}, found ${found[d.step]}`,
    details: d.details,
    hint: "Your logits match PyTorch's, so look at the loop: each step runs the model on the " +
      "prompt plus every token generated so far, takes the logits of the LAST position, " +
      "appends their argmax over the vocabulary, and at the end returns only the new ids.",
  };
}

function everyPrompt(ctx: GradeContext, summary: string, part: (p: PromptRef) => Verdict) {
  return allOf(summary, ctx.refs.prompts.map((p) => () => part(p)));
}

// ---------------------------------------------------------------------------------------------
// Facts of the real GPT-2 (openai-community/gpt2), independent of the reference file

/** A weight of the checkpoint, read from the learner's model after it loads it. */
const FINGERPRINT = { key: "h.0.ln_1.weight", index: 0, value: 0.2232203334569931, atol: 1e-7 };

/** GPT-2's greedy continuation of "The dog" to 20 tokens. */
// deno-fmt-ignore
const THE_DOG = {
  ids: [464, 3290],
  continuation: [373, 1043, 287, 257, 2214, 1474, 262, 16246, 286, 2688, 290, 2688, 27262, 13,
    198, 198, 464, 3290],
  text: "The dog was found in a field near the intersection of West and West Streets.\n\nThe dog",
};

const REAL_GPT2_CALLS: ProbeCall[] = [
  { id: "gpt2:fingerprint", probe: "loadedWeight", args: FINGERPRINT },
  {
    id: "gpt2:the-dog",
    probe: "generate",
    args: { ids: THE_DOG.ids, n: THE_DOG.continuation.length },
  },
];

const REAL_WEIGHTS_HINT = "Are the weights the real GPT-2's? `deno task setup` downloads and " +
  "verifies them (and builds the references from them).";

function fingerprintVerdict(o: Outcomes): Verdict {
  const { key, index, value, atol } = FINGERPRINT;
  const what = `${key}[${index}]`;
  const found = valueOf(o, "gpt2:fingerprint", `reading ${what} of your loaded GPT2`);
  if (typeof found === "number" && Math.abs(found - value) <= atol) {
    return { status: "pass", message: `${what} is ${value}, as in GPT-2's checkpoint` };
  }
  return {
    status: "fail",
    message: `After loading the checkpoint, your GPT2's ${what} is ${
      typeof found === "number" ? found : describeValue(found)
    }; GPT-2's is ${value} (tolerance ${fmtNum(atol)})`,
    hint: `${REAL_WEIGHTS_HINT} Does each of your modules keep the tensors it was loaded with?`,
  };
}

function theDogVerdict(o: Outcomes): Verdict {
  const { ids, continuation, text } = THE_DOG;
  const call = `generate(model, ${JSON.stringify(ids)}, ${continuation.length})`;
  const found = valueOf(o, "gpt2:the-dog", `calling ${call} ("The dog")`);
  if (!Array.isArray(found)) {
    return {
      status: "fail",
      message: `Expected an array of token ids from ${call}, found ${describeValue(found)}`,
    };
  }
  const step = continuation.findIndex((id, i) => found[i] !== id);
  if (step < 0 && found.length === continuation.length) {
    return { status: "pass", message: `your GPT-2 writes ${JSON.stringify(text)}` };
  }
  return {
    status: "fail",
    message: `${call} ("The dog"): GPT-2 continues it with ${continuation.length} known tokens, ` +
      `yours differ at new token ${(step < 0 ? continuation.length : step) + 1}`,
    details: [
      `expected ${JSON.stringify(continuation)} (${JSON.stringify(text)})`,
      `found    ${JSON.stringify(found)}`,
    ],
    hint: "GPT-2's own greedy loop writes exactly this. If your generate passes the checks " +
      `against the reference file, the weights or that file are not GPT-2's. ${REAL_WEIGHTS_HINT}`,
  };
}

/** Stage 5 of the course. */
export const stage: Stage = {
  number: 5,
  name: "GPT-2",
  file: "5_gpt2.ts",
  references: { "nn.LayerNorm": "LayerNorm", "F.layerNorm": "LayerNorm" },
  keeps: ["nn.Conv1D"],
  hints: [
    "Step 1 is only constructors: list the checkpoint's keys (wte.weight, h.0.ln_1.weight, ...). " +
    "Which field of which class must each of them come from?",
    "The checkpoint has no lm_head.weight. Where, then, do GPT-2's logits come from? Which " +
    "matrix is [vocab_size, n_embd] already?",
    "Why can a plain array not hold the blocks, when nn.ModuleList can? How does a module find " +
    "the names h.0, h.1, ... of its state dict?",
    "LayerNorm: over which dimension are the mean and the variance taken? Is the variance " +
    "divided by C or by C - 1, and where exactly does eps go?",
    "A block adds to the residual stream rather than replacing it. What is x after the " +
    "attention half, and what does the MLP half read?",
    "The logits are [B, T, vocab_size]. Which row of them scores the token after the prompt?",
    "Generating: after appending a token, what do you feed the model next — only the new " +
    "token, or the whole sequence? What must generate return, and what must it not?",
  ],
  probes: {
    keys(learner, _args, env): BuiltModel {
      const m = builtModule(learner, env, "GPT2");
      const h = (m as unknown as { h?: unknown }).h;
      const blocks = h && typeof h === "object" && Symbol.iterator in h
        ? [...(h as Iterable<unknown>)]
        : [];
      return {
        shapes: shapesOf(m),
        hIsArray: isArray(h),
        sharedBlocks: !allDistinct(blocks),
      };
    },
    layernorm(learner, args) {
      const weight = args.weight as Tensor;
      const Cls = exported<new (dim: number) => Forward>(learner, "LayerNorm");
      const ln = new Cls(weight.size(0));
      ln.loadStateDict({ weight, bias: args.bias as Tensor });
      return ln.forward(args.x as Tensor);
    },
    forward(learner, args, env) {
      return loadedModule<Forward>(learner, env, "GPT2", "").forward(args.ids as Tensor);
    },
    pieces(learner, args, env) {
      const m = loadedModule<Forward>(learner, env, "GPT2", "") as unknown as Record<
        string,
        unknown
      >;
      const ids = args.ids as Tensor;
      const x = args.inputs as PieceInputs;
      const h = m.h as Record<number, Record<string, unknown> | undefined> | undefined;
      const tokens = forwardOf(m.wte, ids);
      const positions = forwardOf(m.wpe, Tensor.arange(0, ids.size(1)));
      const out: Record<string, Tensor | null> = {
        embeddings: tokens && positions ? tokens.add(positions) : null,
        "h0.ln_1": forwardOf(h?.[0]?.ln_1, x.embeddings),
        "h0.attn": forwardOf(h?.[0]?.attn, x.attnIn),
        "h0.ln_2": forwardOf(h?.[0]?.ln_2, x.ln2In),
        "h0.mlp": forwardOf(h?.[0]?.mlp, x.mlpIn),
      };
      x.blocks.forEach((input, i) => (out[`h${i}`] = forwardOf(h?.[i], input)));
      out.ln_f = forwardOf(m.ln_f, x.lnFIn);
      return out;
    },
    generate(learner, args, env) {
      const model = loadedModule<Forward>(learner, env, "GPT2", "");
      return exported<Generate>(learner, "generate")(model, args.ids as number[], args.n as number);
    },
    english(learner, args) {
      return continueOnEnglish(learner, args.ids as number[], args.n as number);
    },
    loadedWeight(learner, args, env) {
      const model = loadedModule<Forward>(learner, env, "GPT2", "");
      const t = model.stateDict()[args.key as string];
      return t ? t.contiguous().data[args.index as number] : null;
    },
    onnxStart: onnx.start,
    onnx: onnx.collect,
  },
  plan,
  generates: true,
  checks: [
    {
      name: "GPT2(config) builds",
      layer: "runs",
      run: (o) => {
        const earlier = earlierTodoVerdict(
          o.get("keys"),
          5,
          "GPT2 is built from your earlier stages' modules",
        );
        if (earlier) return earlier;
        builtModel(o);
        return { status: "pass", message: "GPT2(config) builds its modules" };
      },
    },
    {
      name: "GPT2 loads the checkpoint (step 1)",
      layer: "keys",
      points: 3,
      run: (o, ctx) => {
        const built = builtModel(o);
        const checkpoint = ctx.checkpointShapes();
        const v = keysVerdict(built.shapes, checkpoint, "", "GPT2");
        if (v.status === "pass") {
          return {
            status: "pass",
            message: `no error loading the state dict: all ${
              Object.keys(checkpoint).length
            } keys of the checkpoint matched`,
          };
        }
        const hints = [...keyHints(built, checkpoint), v.hint].filter(Boolean);
        return {
          ...v,
          message: "Loading the checkpoint into your GPT2 fails: its state dict's keys or " +
            "shapes differ from the checkpoint's",
          hint: hints.join(" ") || undefined,
        };
      },
    },
    {
      name: "LayerNorm matches PyTorch, tiny variances included",
      layer: "properties",
      points: 2,
      run: (o) =>
        diagnosedCloseVerdict(
          tensorOf(o, "layernorm", "calling LayerNorm(10).forward(x)"),
          layerFixture("layernorm.out"),
          LN_TOL,
          "LayerNorm(10) on PyTorch's fixture",
          LN_HINT,
          LN_MISTAKES,
        ),
    },
    {
      name: "GPT2.forward gives logits [1, T, vocab_size]",
      layer: "shapes",
      usesReferences: true,
      requires: ["LayerNorm matches PyTorch, tiny variances included"],
      run: (o, ctx) =>
        everyPrompt(ctx, "the logits are [B, T, vocab_size] for every prompt", (p) =>
          shapeVerdict(
            logitsOf(o, `logits:p${p.index}`, ctx),
            [1, p.ids.length, ctx.config.vocab_size],
            `the logits for ${promptName(p)}`,
            "Embeddings and blocks keep [B, T, C]; the tied LM head turns C into vocab_size: " +
              "[B, T, C] x [C, V] -> [B, T, V].",
          )),
    },
    {
      name: "GPT2 gives finite logits",
      layer: "properties",
      usesReferences: true,
      run: (o, ctx) =>
        everyPrompt(ctx, "no NaN or Infinity in the logits", (p) => {
          const logits = logitsOf(o, `logits:p${p.index}`, ctx);
          const bad = logits.data.findIndex((x) => !Number.isFinite(x));
          if (bad < 0) return { status: "pass", message: "" };
          return {
            status: "fail",
            message: `The logits for ${promptName(p)} hold ${logits.data[bad]} (element ${bad})`,
            hint: "NaN usually comes from 0/0 or the square root of a negative number: is eps " +
              "inside LayerNorm's square root, and is the variance a mean of squares?",
          };
        }),
    },
    {
      name: "GPT2 is causal",
      layer: "properties",
      usesReferences: true,
      points: 2,
      run: (o, ctx) => {
        const long = longestPrompt(ctx);
        const t = long.ids.length;
        if (t < 2) return { status: "pass", message: "(prompts too short to test)" };
        const keep = causalKeep(t);
        return causalVerdict(
          logitsOf(o, "causal", ctx),
          logitsOf(o, `logits:p${long.index}`, ctx),
          keep,
          CAUSAL_TOL,
          "logits",
          "Position t may only depend on tokens 0..t. Does every block use your causal " +
            "attention (stage 3), and does every LayerNorm normalise over the last dimension " +
            "(C) only, never across positions?",
        );
      },
    },
    {
      name: "GPT2 matches PyTorch, block by block (step 2)",
      layer: "numbers",
      usesReferences: true,
      points: 4,
      run: matchesReference,
    },
    {
      name: "GPT2 predicts the same next token",
      layer: "numbers",
      usesReferences: true,
      run: (o, ctx) =>
        everyPrompt(ctx, "the most likely next token is PyTorch's for every prompt", (p) => {
          const last = p.ids.length - 1;
          const mine = argmaxRow(logitsOf(o, `logits:p${p.index}`, ctx), last);
          const ref = argmaxRow(p.tensor("logits"), last);
          if (mine.id === ref.id) return { status: "pass", message: "" };
          return {
            status: "fail",
            message: `After ${promptName(p)}, PyTorch's most likely next token is ${ref.id} ` +
              `(logit ${fmtNum(ref.logit)}), yours is ${mine.id} (logit ${fmtNum(mine.logit)})`,
            hint: "The next token is the argmax of the logits at the last position: make the " +
              "logits match (the check above) and this follows.",
          };
        }),
    },
    {
      name: "generate continues a prompt as PyTorch does (step 3)",
      layer: "tokens",
      usesReferences: true,
      points: 2,
      run: (o, ctx) => {
        const p = ctx.refs.prompts[0];
        const v = generatedVerdict(o, p);
        return v.status === "pass"
          ? { status: "pass", message: `your loop adds PyTorch's first ${loopTokens(p)} tokens` }
          : v;
      },
    },
    {
      name: "your GPT-2 generates through ONNX on WebGPU or WASM (step 3)",
      layer: "tokens",
      usesReferences: true,
      subject: "GPT2",
      points: 2,
      requires: ["generate continues a prompt as PyTorch does (step 3)"],
      run: (o, ctx) =>
        generationVerdict(
          o,
          "onnx",
          ctx,
          "The eager model passed, so the exported graph computes something else: keep every " +
            "step in tensor ops (no .data / .item() inside forward) and build sizes from " +
            "x.shape, so the graph serves every sequence length.",
        ),
    },
    {
      name: "your GPT-2 writes English with the bundled English model",
      layer: "tokens",
      subject: "generate",
      requires: ["generate continues a prompt as PyTorch does (step 3)"],
      run: (o) => englishVerdict(o, "english", englishReference()),
    },
    {
      name: "GPT2 holds GPT-2's weights",
      layer: "numbers",
      needsRealModel: true,
      requires: ["GPT2 loads the checkpoint (step 1)"],
      run: fingerprintVerdict,
    },
    {
      name: 'GPT-2 continues "The dog" as it is known to',
      layer: "tokens",
      needsRealModel: true,
      run: theDogVerdict,
    },
  ],
};
