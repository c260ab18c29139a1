/**
 * Stage 6 — the KV cache: the learner's `gpt2WithCache` prefills half of the longest prompt in
 * one call and is then fed the rest one token at a time (teacher forcing), so that every
 * step's logits can be compared with PyTorch's full recomputation of the same position; each
 * cache must grow by exactly one position per step; `generateWithCache` and the cached ONNX
 * export (one graph for prefill and decode) must give the reference tokens.
 *
 * @module
 */
import type { Module } from "../../lib/module.ts";
import { Tensor } from "../../lib/tensor.ts";
import { compareTensors, type Tolerance } from "../compare.ts";
import { backgroundProbes, generationVerdict, startOnBackend } from "../generation.ts";
import { earlierTodoVerdict, requireTensor, valueOf } from "../outcomes.ts";
import { exported, loadedModule } from "../probe_helpers.ts";
import { divergence, idsTensor, longestPrompt, promptName } from "../prompts.ts";
import type { GradeContext, Outcomes, ProbeCall, ProbeEnv, Stage, Verdict } from "../stage.ts";
import { allOf, asTensor, closeVerdict, shapeVerdict } from "../verdicts.ts";
import type { TensorData } from "../wire.ts";

type KV = { k: Tensor; v: Tensor };
type Model = Module & { forward(ids: Tensor): Tensor };
type Step = (model: Model, ids: Tensor, past: KV[] | undefined, config: unknown) => {
  logits: Tensor;
  present: KV[];
};

/** Logits of a cached step against PyTorch's full recomputation (as stage 5's logits). */
const LOGITS_TOL: Tolerance = { atol: 1e-3, rtol: 2e-5 };
/** How many tokens of the longest prompt are prefilled before feeding the rest one by one. */
const PREFILL = 20;

/** What the teacher-forcing probe returns. */
interface Forced {
  /** Logits of the prefill call. */
  prefill: unknown;
  /** `[k, v]` shapes of each layer's cache after the prefill. */
  prefillCache: number[][][];
  /** Logits of each one-token step, concatenated `[1, steps, V]`. */
  steps: unknown;
  /** Each step's cache lengths, per layer `[k, v]` (the time axis). */
  lengths: number[][][];
}

function prefillLength(ctx: GradeContext): number {
  return Math.min(PREFILL, longestPrompt(ctx).ids.length - 1);
}

function plan(ctx: GradeContext): ProbeCall[] {
  const long = longestPrompt(ctx);
  const prompts = ctx.refs.prompts.map((p) => ({ ids: p.ids, n: p.generated.length }));
  const n = prefillLength(ctx);
  return [
    // the model and its cached step through the ONNX export on every prompt: exported here,
    // then onnxruntime runs on its own thread while the eager probes below go on, and "onnx"
    // collects the ids
    { id: "onnx:start", probe: "onnxStart", args: { prompts } },
    { id: "forced", probe: "forced", args: { ids: long.ids, prefill: n } },
    {
      id: "attention",
      probe: "attentionStep",
      args: { x: asTensor(rows(long.tensor("h0.attn_in"), 0, n + 1)), prefill: n },
    },
    { id: "generate", probe: "generate", args: { prompts } },
    { id: "onnx", probe: "onnx" },
  ];
}

async function learnerModel(env: ProbeEnv): Promise<Model> {
  const stage5 = await env.learnerModule("5_gpt2.ts");
  return loadedModule<Model>(stage5, env, "GPT2", "");
}

/** The ONNX check: exported and started by the "onnx:start" call, collected by "onnx". */
const onnx = backgroundProbes((learner, args, env) =>
  startOnBackend(
    env,
    { generate: args.prompts as { ids: number[]; n: number }[] },
    async () => {
      const model = await learnerModel(env);
      const step = exported<Step>(learner, "gpt2WithCache");
      return { model, step: (ids, past) => step(model, ids, past, env.config) };
    },
  )
);

function cacheShapes(present: KV[]): number[][][] {
  return present.map((kv) => [[...kv.k.shape], [...kv.v.shape]]);
}

function forcedRun(o: Outcomes): Forced {
  return valueOf(o, "forced", "calling gpt2WithCache(model, ids, past, config)") as Forced;
}

const DECODE_HINT = "The prefill matches but the one-token steps do not: with P cached " +
  "positions the new token sits at position P (its wpe row is P, not 0), and its mask row is " +
  "P, over columns 0 .. P (attn.bias rows P .. P+T, columns 0 .. P+T).";

/** h.0's attention output against PyTorch's, within this tolerance (as stage 3). */
const ATTN_TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

/**
 * Why one-token steps differ, told apart by the learner's attentionWithCache run alone on
 * block h.0 for the same step: when it is right, the positions fed to the model are not.
 */
function decodeDiagnosis(o: Outcomes, ctx: GradeContext): Pick<Verdict, "message" | "hint"> {
  const step = o.get("attention");
  if (!step?.ok) return { message: "", hint: DECODE_HINT };
  const long = longestPrompt(ctx);
  const n = prefillLength(ctx);
  const found = requireTensor((step.value as { step: unknown }).step, "attentionWithCache's y");
  const expected = rows(long.tensor("h0.attn_out"), n, n + 1);
  const where = `your attentionWithCache alone on block h.0, for token ${n} after a ${n}-token ` +
    "prefill";
  if (compareTensors(found, expected, ATTN_TOL).ok) {
    return {
      message: `; ${where} gives PyTorch's output, so the positions are off`,
      hint: "With P cached positions the new tokens sit at positions P .. P+T-1: their " +
        "position embeddings are wpe rows Tensor.arange(P, P + T), not rows from 0.",
    };
  }
  return {
    message: `; so does ${where}: its mask rows are off`,
    hint: "With P cached positions, new position P + i may attend to positions 0 .. P + i: " +
      "its mask rows are P .. P+T of attn.bias (attn.bias.slice(2, P, P + T).slice(3, 0, " +
      "P + T)). Rows 0 .. T, the prefill's, let a new token see only the first positions.",
  };
}

/** Stage 6 of the course. */
export const stage: Stage = {
  number: 6,
  name: "KV cache",
  file: "6_kv_cache.ts",
  uses: ["5_gpt2.ts"],
  keeps: ["nn.Conv1D"],
  hints: [
    "Which work does your stage-5 generate repeat at every step, and why does it never change?",
    "Keys and values are [B, nh, T, hs] after the heads are split. Along which dimension do " +
    "the cached ones go, in front of or after the new ones?",
    "With P positions cached and T new ones, which positions do the new tokens sit at? Which " +
    "rows of wpe do they need?",
    "The new position P + i may attend to positions 0 .. P + i. Which rows and columns of the " +
    "mask buffer attn.bias is that?",
    "After the prefill, what does each call get as ids, and as past?",
  ],
  probes: {
    async forced(learner, args, env): Promise<Forced> {
      const model = await learnerModel(env);
      const step = exported<Step>(learner, "gpt2WithCache");
      const ids = args.ids as number[], n = args.prefill as number;
      const first = step(model, idsTensor(ids.slice(0, n)), undefined, env.config);
      let past = first.present;
      const prefillCache = cacheShapes(past);
      const steps: Tensor[] = [], lengths: number[][][] = [];
      for (let t = n; t < ids.length; t++) {
        const out = step(model, idsTensor([ids[t]]), past, env.config);
        steps.push(out.logits);
        past = out.present;
        lengths.push(past.map((kv) => [kv.k.size(2), kv.v.size(2)]));
      }
      return { prefill: first.logits, prefillCache, steps: Tensor.cat(steps, 1), lengths };
    },
    async attentionStep(learner, args, env) {
      const model = await learnerModel(env);
      const attn = (model as unknown as { h: { attn: Module }[] }).h[0].attn;
      const fn = exported<
        (attn: Module, x: Tensor, past: KV | undefined, nHead: number) => { y: Tensor; present: KV }
      >(learner, "attentionWithCache");
      const x = args.x as Tensor, n = args.prefill as number;
      const first = fn(attn, x.slice(1, 0, n), undefined, env.config.n_head);
      return { step: fn(attn, x.slice(1, n, n + 1), first.present, env.config.n_head).y };
    },
    async generate(learner, args, env) {
      const model = await learnerModel(env);
      const gen = exported<(m: Model, ids: number[], n: number, c: unknown) => unknown>(
        learner,
        "generateWithCache",
      );
      return (args.prompts as { ids: number[]; n: number }[]).map((p) =>
        gen(model, p.ids, p.n, env.config)
      );
    },
    onnxStart: onnx.start,
    onnx: onnx.collect,
  },
  plan,
  generates: true,
  checks: [
    {
      name: "gpt2WithCache runs",
      layer: "runs",
      run: (o) => {
        const earlier = earlierTodoVerdict(o.get("forced"), 6, "Stage 6 runs your stage-5 GPT2");
        if (earlier) return earlier;
        forcedRun(o);
        return { status: "pass", message: "it prefills a prompt and decodes token by token" };
      },
    },
    {
      name: "the prefill gives logits and one cache per layer",
      layer: "shapes",
      usesReferences: true,
      run: (o, ctx) => {
        const r = forcedRun(o);
        const n = prefillLength(ctx);
        const { n_layer: L, n_head: H, n_embd: C, vocab_size: V } = ctx.config;
        const cache = [1, H, n, C / H];
        return allOf(`logits [1, ${n}, ${V}] and ${L} caches of keys and values [${cache}]`, [
          () =>
            shapeVerdict(
              requireTensor(r.prefill, "the prefill's logits"),
              [1, n, V],
              `the logits of gpt2WithCache(model, ids [1, ${n}], undefined, config)`,
            ),
          () =>
            r.prefillCache.length === L ? { status: "pass", message: "" } : {
              status: "fail",
              message: `Expected one cache per layer (${L}), found ${r.prefillCache.length}`,
              hint: "present holds each block's { k, v }, in block order.",
            },
          ...r.prefillCache.map((kv, i) => () =>
            shapeVerdict(
              { shape: kv[0], data: new Float32Array(0) },
              cache,
              `layer ${i}'s cached keys after the prefill`,
              "Cache k and v after the heads are split: [B, nh, T, hs].",
            )
          ),
        ]);
      },
    },
    {
      name: "each cache grows by exactly one position per step",
      layer: "properties",
      usesReferences: true,
      points: 2,
      run: (o, ctx) => {
        const r = forcedRun(o);
        const n = prefillLength(ctx);
        for (const [s, layers] of r.lengths.entries()) {
          const bad = layers.findIndex(([k, v]) => k !== n + s + 1 || v !== n + s + 1);
          if (bad >= 0) {
            return {
              status: "fail",
              message:
                `After ${s + 1} one-token step(s) from a ${n}-token prefill, layer ${bad}'s ` +
                `cache should hold ${n + s + 1} positions; it holds ${layers[bad][0]} (keys) and ` +
                `${layers[bad][1]} (values)`,
              hint: "Append the new keys and values to the past ones along the time axis " +
                "(Tensor.cat([past.k, k], 2)) and return the whole grown cache.",
            };
          }
        }
        return { status: "pass", message: `${r.lengths.length} steps, +1 position each` };
      },
    },
    {
      name: "the prompt prefills in one call",
      layer: "numbers",
      usesReferences: true,
      points: 2,
      run: (o, ctx) => {
        const long = longestPrompt(ctx);
        const n = prefillLength(ctx);
        return closeVerdict(
          requireTensor(forcedRun(o).prefill, "the prefill's logits"),
          rows(long.tensor("logits"), 0, n),
          LOGITS_TOL,
          `logits of the first ${n} tokens of ${promptName(long)}, in one call`,
          "With no past, gpt2WithCache must compute what your GPT2.forward does.",
        );
      },
    },
    {
      name: "cached decoding gives the logits of full recomputation",
      layer: "numbers",
      usesReferences: true,
      points: 3,
      run: (o, ctx) => {
        const long = longestPrompt(ctx);
        const n = prefillLength(ctx);
        const v = closeVerdict(
          requireTensor(forcedRun(o).steps, "the one-token steps' logits"),
          rows(long.tensor("logits"), n, long.ids.length),
          LOGITS_TOL,
          `logits of tokens ${n}..${long.ids.length - 1} of ${promptName(long)}, fed one at a ` +
            `time after the prefill`,
          DECODE_HINT,
        );
        if (v.status === "pass") {
          return {
            status: "pass",
            message: `${long.ids.length - n} one-token steps match PyTorch`,
          };
        }
        const why = decodeDiagnosis(o, ctx);
        return { ...v, message: v.message + why.message, hint: why.hint };
      },
    },
    {
      name: "generateWithCache gives the reference tokens",
      layer: "tokens",
      usesReferences: true,
      points: 2,
      run: (o, ctx) => {
        const found = valueOf(o, "generate", "calling generateWithCache") as unknown[];
        for (const p of ctx.refs.prompts) {
          const ids = found[p.index];
          if (!Array.isArray(ids) || ids.length !== p.generated.length) {
            return {
              status: "fail",
              message: `Expected ${p.generated.length} new ids for ${promptName(p)}, found ` +
                `${Array.isArray(ids) ? ids.length : typeof ids}`,
              hint: "Return only the new ids, one per step.",
            };
          }
          const d = divergence(p.generated, ids);
          if (d) {
            return {
              status: "fail",
              message: `generateWithCache continues ${promptName(p)} differently: at new token ` +
                `${d.step + 1}, expected id ${p.generated[d.step]}, found ${ids[d.step]}`,
              details: d.details,
              hint: "gpt2WithCache passed, so look at the loop: prefill with the whole prompt, " +
                "then feed only the newest token with the caches the previous call returned.",
            };
          }
        }
        return { status: "pass", message: `all ${ctx.refs.prompts.length} prompts` };
      },
    },
    {
      name: "the cached export generates on WebGPU or WASM",
      layer: "tokens",
      usesReferences: true,
      points: 2,
      requires: ["generateWithCache gives the reference tokens"],
      run: (o, ctx) =>
        generationVerdict(
          o,
          "onnx",
          ctx,
          "The eager cached decoding passed, so the exported graph differs: compute P from " +
            "past[0].k.size(2) and slice the mask and wpe with it, in tensor ops, so one graph " +
            "serves every past length.",
        ),
    },
  ],
};

function rows(t: TensorData, from: number, to: number): TensorData {
  const width = t.shape[t.shape.length - 1];
  return { shape: [1, to - from, width], data: t.data.subarray(from * width, to * width) };
}
