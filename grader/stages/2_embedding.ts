/**
 * Stage 2 — embeddings: the learner's `Embedding` on a table the grader chooses (exact rows,
 * a `RangeError` for ids outside the table), `GPT2Embeddings` loaded from the checkpoint's
 * `wte.*` and `wpe.*` against the reference activations (naming off-by-one positions), and
 * `cosineSimilarity` against its formula.
 *
 * @module
 */
import type { Module } from "../../lib/module.ts";
import { randn, Rng } from "../../lib/random.ts";
import { Tensor, tensor } from "../../lib/tensor.ts";
import { fmtNum } from "../compare.ts";
import { describeError, describeValue, tensorOf, thrownVerdict, valueOf } from "../outcomes.ts";
import { exported, loadedModule, pick, shapesOf, stateShapes } from "../probe_helpers.ts";
import type { PromptRef } from "../references.ts";
import { idsTensor, longestPrompt } from "../prompts.ts";
import type { GradeContext, Outcomes, ProbeCall, Stage, Verdict } from "../stage.ts";
import {
  allOf,
  batched,
  closeVerdict,
  dataOf,
  diagnosedCloseVerdict,
  keysVerdict,
  type KnownMistake,
  layerKeysVerdict,
  shapeVerdict,
} from "../verdicts.ts";
import type { TensorData } from "../wire.ts";

type EmbeddingModule = Module & { forward(ids: Tensor): Tensor };
type EmbeddingClass = new (num: number, dim: number) => EmbeddingModule;
type Cosine = (a: Tensor, b: Tensor) => unknown;

/** The grader's own table: `Embedding(128, 16)`, as in the lecture. */
const TABLE = { num: 128, dim: 16 };
/** Ids `[2, 3]`: the first and last rows, and one id twice. */
const IDS = [[0, 5, 127], [42, 5, 0]];
/** The lecture's "what happens if you embed 20000?", one past the end, and a negative id. */
const OUT_OF_RANGE = [20000, 128, -1];
/** The checkpoint entries `GPT2Embeddings` owns (at the checkpoint's top level). */
const OWNED = ["wte.", "wpe."];

// A lookup and one float32 addition, as PyTorch does: the solution matches the references
// exactly (measured: 0), so the tolerance only allows for a different order of rounding.
// Positions shifted by one change the output by ~0.2 on the tiny model.
const EMB_TOL = { atol: 1e-6, rtol: 1e-6 };
/** Copying rows changes nothing. */
const EXACT = { atol: 0, rtol: 0 };
// Cosines lie in [-1, 1]; float32 sums of 64 products are good to ~1e-7 (measured: 6e-8).
const COS_ATOL = 1e-5;

let tableCache: Tensor | undefined;

// The grader's table weight, the same in plan() and in the checks (seeded).
function table(): Tensor {
  return (tableCache ??= randn([TABLE.num, TABLE.dim], { rng: new Rng(2) }));
}

/** One cosine-similarity case: two vectors and what they are. */
interface CosineCase {
  name: string;
  a: Tensor;
  b: Tensor;
}

let cosineCache: CosineCase[] | undefined;

function cosineCases(): CosineCase[] {
  if (cosineCache) return cosineCache;
  const rng = new Rng(5);
  const a = randn([64], { rng });
  cosineCache = [
    { name: "two random vectors of size 64", a, b: randn([64], { rng }) },
    { name: "two random vectors of size 3", a: randn([3], { rng }), b: randn([3], { rng }) },
    { name: "a vector and itself", a, b: a },
    { name: "a vector and its opposite", a, b: a.neg() },
    { name: "a vector and 3 times itself", a, b: a.mul(3) },
    { name: "two orthogonal vectors", a: tensor([1, 0, 0]), b: tensor([0, 2, 0]) },
  ];
  return cosineCache;
}

/** `a·b / (|a| |b|)` in float64: the formula, as the grader's reference. */
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return dot / Math.sqrt(aa * bb);
}

/** Two prompts of equal length for the batch check (the longest twice if none pair up). */
function batchPair(ctx: GradeContext): [PromptRef, PromptRef] {
  const ps = ctx.refs.prompts;
  for (const [i, p] of ps.entries()) {
    const q = ps.slice(i + 1).find((q) => q.ids.length === p.ids.length);
    if (q) return [p, q];
  }
  const long = longestPrompt(ctx);
  return [long, long];
}

function idsOf(rows: number[][]): Tensor {
  return tensor(rows.flat(), [rows.length, rows[0].length]);
}

function plan(ctx: GradeContext): ProbeCall[] {
  const calls: ProbeCall[] = [
    { id: "emb:own", probe: "embedding", args: { ...TABLE, ids: idsOf(IDS) } },
    { id: "emb:keys", probe: "embeddingKeys", args: TABLE },
    { id: "emb:rows", probe: "embedding", args: { ...TABLE, ids: idsOf(IDS), weight: table() } },
    ...OUT_OF_RANGE.map((id) => ({
      id: `emb:range:${id}`,
      probe: "embedding",
      args: { ...TABLE, ids: tensor([3, id]) },
    })),
    { id: "gpt2:keys", probe: "gpt2Keys" },
  ];
  for (const p of ctx.refs.prompts) {
    calls.push({ id: `gpt2:p${p.index}`, probe: "gpt2Forward", args: { ids: idsTensor(p.ids) } });
  }
  const [p, q] = batchPair(ctx);
  calls.push({ id: "gpt2:batch", probe: "gpt2Forward", args: { ids: idsOf([p.ids, q.ids]) } });
  for (const [i, c] of cosineCases().entries()) {
    calls.push({ id: `cos:${i}`, probe: "cosine", args: { a: c.a, b: c.b } });
  }
  if (ctx.model === "gpt2") {
    const { apple, fruit, man } = SIMILARITY_IDS;
    calls.push({ id: "gpt2:similarity", probe: "similarity", args: { ids: [apple, fruit, man] } });
  }
  return calls;
}

/** GPT-2's ids of " apple", " fruit" and " man", for the lecture's similarity example. */
const SIMILARITY_IDS = { apple: 17180, fruit: 8234, man: 582 };

function similarityVerdict(o: Outcomes): Verdict {
  const v = valueOf(
    o,
    "gpt2:similarity",
    'comparing the loaded wte\'s rows of " apple", " fruit" and " man" with cosineSimilarity',
  ) as { fruit: unknown; man: unknown };
  if (typeof v.fruit !== "number" || typeof v.man !== "number") {
    return {
      status: "fail",
      message: `Expected two numbers from cosineSimilarity, found ${describeValue(v.fruit)} and ` +
        describeValue(v.man),
    };
  }
  const values = `cos(" apple", " fruit") = ${fmtNum(v.fruit)}, cos(" apple", " man") = ` +
    fmtNum(v.man);
  if (v.fruit > v.man) {
    return { status: "pass", message: `${values}: the fruit is nearer, as in GPT-2` };
  }
  return {
    status: "fail",
    message: `${values}: in GPT-2's embeddings " fruit" is nearer to " apple" than " man" is`,
    hint: "Your cosineSimilarity follows its formula, so look at the rows: does wte.forward(ids) " +
      "return the rows of the loaded wte.weight for ids 17180, 8234 and 582? Are the weights " +
      "the real GPT-2's (`deno task setup` downloads and verifies them)?",
  };
}

/**
 * The mistakes that give `GPT2Embeddings` the right shape and the wrong numbers, computed
 * from the checkpoint's tables for the same ids.
 */
function embeddingMistakes(ctx: GradeContext, rows: number[][]): KnownMistake[] {
  const w = ctx.weights(["wte.", "wpe."]);
  const wte = w["wte.weight"], wpe = w["wpe.weight"];
  const T = rows[0].length;
  const tokens = () => wte.indexSelect(0, idsOf(rows)); // (B, T, C)
  const positions = (from: number) => wpe.slice(0, from, from + T); // (T, C)
  return [
    {
      message: "Your embeddings equal wte[ids] + wpe[1..T]: your positions start at 1",
      hint: "GPT-2 numbers positions from 0: a sequence of T tokens uses the rows 0..T-1 of " +
        "wpe, so the first token gets wpe's row 0.",
      output: () => T < wpe.shape[0] ? dataOf(tokens().add(positions(1))) : undefined,
    },
    {
      message: "Your embeddings equal wte[ids] alone: the position embedding is missing",
      hint: "Add the position vectors, wpe's rows 0..T-1, to the token vectors.",
      output: () => dataOf(tokens()),
    },
    {
      message: "Your embeddings equal wte[ids] + wpe[0] at every position",
      hint: "Each token needs its own position, 0..T-1, where T = ids.size(-1) is the length " +
        "of the sequence (not the batch size).",
      output: () => dataOf(tokens().add(positions(0).slice(0, 0, 1))),
    },
  ];
}

const EMB_HINT = "Each output row is wte's row for the token plus wpe's row for its position; " +
  "check that forward uses the loaded this.wte and this.wpe, positions 0..T-1 and no scaling.";

function embeddingsVerdict(
  found: TensorData,
  expected: TensorData,
  rows: number[][],
  what: string,
  ctx: GradeContext,
): Verdict {
  return diagnosedCloseVerdict(
    found,
    expected,
    EMB_TOL,
    what,
    EMB_HINT,
    embeddingMistakes(ctx, rows),
  );
}

function gpt2KeysVerdict(o: Outcomes, ctx: GradeContext): Verdict {
  const found = valueOf(o, "gpt2:keys", "building GPT2Embeddings(config)");
  const v = keysVerdict(
    found as Record<string, number[]>,
    pick(ctx.checkpointShapes(), OWNED),
    "",
    "GPT2Embeddings",
  );
  return {
    ...v,
    message: v.status === "pass"
      ? "wte.weight and wpe.weight match the checkpoint's names and shapes"
      : "The state dict of your GPT2Embeddings does not match the checkpoint's wte.* and wpe.*",
  };
}

function outOfRangeVerdict(o: Outcomes, id: number): Verdict {
  const doing = `embedding id ${id} with a ${TABLE.num}-row table`;
  const outcome = o.get(`emb:range:${id}`);
  if (!outcome) return { status: "fail", message: `Did not get to ${doing}` };
  const expectation = `Embedding(${TABLE.num}, ${TABLE.dim}).forward([3, ${id}])`;
  if (outcome.ok) {
    return {
      status: "fail",
      message: `${expectation} returned ${describeValue(outcome.value)}; expected a RangeError`,
      hint: `The table has rows 0..${TABLE.num - 1}: there is no row ${id}. Reading past the ` +
        "end of a Float32Array gives undefined (then NaN) and negative ids are no rows at all: " +
        "check the ids and throw a RangeError naming the bad id (indexSelect does).",
    };
  }
  if (outcome.error.kind === "not-implemented") return thrownVerdict(outcome.error, doing);
  if (outcome.error.name !== "RangeError") {
    return {
      status: "fail",
      message: `${expectation} threw ${describeError(outcome.error)}; expected a RangeError`,
      hint: "An index outside the valid range is what RangeError is for: throw " +
        "new RangeError(`...`) naming the id and the table's size.",
    };
  }
  return { status: "pass", message: "" };
}

/** Stage 2 of the course. */
export const stage: Stage = {
  number: 2,
  name: "Embedding",
  file: "2_embedding.ts",
  references: { "nn.Embedding": "Embedding", "F.embedding": "Embedding" },
  hints: [
    "An embedding has no arithmetic in it. Row i of the table is the vector of id i: so what " +
    "shape must the table have, and what shape comes out for ids of shape [B, T]?",
    "Which Tensor method picks rows of a table by a tensor of indices, whatever the indices' " +
    "shape? What does it do with an index outside the table?",
    "GPT2Embeddings owns two tables. The field names become the state-dict keys: which names " +
    "does the checkpoint use, and how many rows does each table need?",
    "The token vectors are [B, T, C]. Which positions do the T tokens of a sequence have, and " +
    "how does a [T, C] tensor of position vectors get added to every sequence of the batch?",
    "If your output is off for every token by a different amount, print the positions you " +
    "look up: is the first token's position 0 or 1?",
    "cosineSimilarity: a·b is sum(a * b) and |a| is sqrt(a·a). Which method turns the final " +
    "one-element tensor into a plain number?",
  ],
  probes: {
    embedding(learner, args) {
      const Cls = exported<EmbeddingClass>(learner, "Embedding");
      const e = new Cls(args.num as number, args.dim as number);
      if (args.weight) e.loadStateDict({ weight: args.weight as Tensor });
      return e.forward(args.ids as Tensor);
    },
    embeddingKeys(learner, args) {
      const Cls = exported<EmbeddingClass>(learner, "Embedding");
      return shapesOf(new Cls(args.num as number, args.dim as number));
    },
    gpt2Keys(learner, _args, env) {
      return stateShapes(learner, env, "GPT2Embeddings");
    },
    gpt2Forward(learner, args, env) {
      const m = loadedModule<EmbeddingModule>(learner, env, "GPT2Embeddings", "", OWNED);
      return m.forward(args.ids as Tensor);
    },
    similarity(learner, args, env) {
      // the learner's own lookup and cosine, on the loaded model's token table
      const m = loadedModule<EmbeddingModule & { wte: EmbeddingModule }>(
        learner,
        env,
        "GPT2Embeddings",
        "",
        OWNED,
      );
      const rows = m.wte.forward(tensor(args.ids as number[])); // (3, C)
      const cos = exported<Cosine>(learner, "cosineSimilarity");
      const [apple, fruit, man] = [0, 1, 2].map((i) => rows.select(0, i));
      return { fruit: cos(apple, fruit), man: cos(apple, man) };
    },
    cosine(learner, args) {
      return exported<Cosine>(learner, "cosineSimilarity")(args.a as Tensor, args.b as Tensor);
    },
  },
  plan,
  checks: [
    {
      name: "Embedding runs",
      layer: "runs",
      run: (o) => {
        valueOf(
          o,
          "emb:own",
          `calling new Embedding(${TABLE.num}, ${TABLE.dim}).forward(ids) for ids ${
            JSON.stringify(IDS)
          }`,
          (e) =>
            e.name === "RangeError"
              ? `These ids are all within 0..${TABLE.num - 1}, so a table of ${TABLE.num} rows ` +
                `must accept them: is weight [${TABLE.num}, ${TABLE.dim}], one row per id, and ` +
                "do the ids index its first dimension?"
              : undefined,
        );
        return { status: "pass", message: "it returns a value" };
      },
    },
    {
      name: "Embedding output shape",
      layer: "shapes",
      run: (o) =>
        shapeVerdict(
          tensorOf(o, "emb:own", "calling Embedding.forward(ids)"),
          [IDS.length, IDS[0].length, TABLE.dim],
          `Embedding(${TABLE.num}, ${TABLE.dim}).forward(ids) for ids of shape [2, 3]`,
          "Each id becomes one row of the table: ids [B, T] give [B, T, dim].",
        ),
    },
    {
      name: "GPT2Embeddings output shape",
      layer: "shapes",
      usesReferences: true,
      run: (o, ctx) => {
        const C = ctx.config.n_embd;
        const [p] = batchPair(ctx);
        return allOf("the output is [B, T, C] for every prompt and for a batch of 2", [
          ...ctx.refs.prompts.map((p) => () =>
            shapeVerdict(
              tensorOf(o, `gpt2:p${p.index}`, "calling GPT2Embeddings.forward(ids)"),
              [1, p.ids.length, C],
              `forward(ids) for ids of shape [1, ${p.ids.length}]`,
              "Token vectors are [B, T, C]; the position vectors, [T, C], broadcast over B.",
            )
          ),
          () =>
            shapeVerdict(
              tensorOf(o, "gpt2:batch", "calling GPT2Embeddings.forward(ids) on a batch"),
              [2, p.ids.length, C],
              `forward(ids) for ids of shape [2, ${p.ids.length}]`,
              "T is the last dimension of ids, B the first: ids.size(-1) is the length.",
            ),
        ]);
      },
    },
    {
      name: "Embedding state dict",
      layer: "keys",
      run: (o) =>
        layerKeysVerdict(
          valueOf(o, "emb:keys", `building Embedding(${TABLE.num}, ${TABLE.dim})`) as Record<
            string,
            number[]
          >,
          { weight: [TABLE.num, TABLE.dim] },
          `Embedding(${TABLE.num}, ${TABLE.dim})`,
        ),
    },
    {
      name: "GPT2Embeddings state dict",
      layer: "keys",
      points: 2,
      run: gpt2KeysVerdict,
    },
    {
      name: "Embedding rejects ids outside the table",
      layer: "properties",
      points: 2,
      run: (o) =>
        allOf(
          `ids ${OUT_OF_RANGE.join(", ")} throw a RangeError with a ${TABLE.num}-row table`,
          OUT_OF_RANGE.map((id) => () => outOfRangeVerdict(o, id)),
        ),
    },
    {
      name: "Embedding returns rows of its table",
      layer: "numbers",
      run: (o) => {
        const rows = table().indexSelect(0, idsOf(IDS));
        const v = closeVerdict(
          tensorOf(o, "emb:rows", "calling Embedding.forward(ids) after loading a weight"),
          dataOf(rows),
          EXACT,
          `forward(ids) with a loaded weight, for ids ${JSON.stringify(IDS)}`,
          "forward must copy the rows of this.weight for the ids, exactly, in the ids' order.",
        );
        return v.status === "pass" ? { ...v, message: "the rows of weight, exactly" } : v;
      },
    },
    {
      name: "GPT2Embeddings matches the reference activations",
      layer: "numbers",
      usesReferences: true,
      points: 3,
      run: (o, ctx) =>
        allOf(
          `wte + wpe matches PyTorch on ${ctx.refs.prompts.length} prompts (atol ` +
            `${fmtNum(EMB_TOL.atol)} + rtol ${fmtNum(EMB_TOL.rtol)})`,
          ctx.refs.prompts.map((p) => () =>
            embeddingsVerdict(
              tensorOf(o, `gpt2:p${p.index}`, "calling GPT2Embeddings.forward(ids)"),
              batched(p.tensor("embeddings")),
              [p.ids],
              `embeddings for prompt ${p.index} (${JSON.stringify(p.text ?? p.ids)})`,
              ctx,
            )
          ),
        ),
    },
    {
      name: "GPT2Embeddings on a batch of two prompts",
      layer: "numbers",
      usesReferences: true,
      run: (o, ctx) => {
        const [p, q] = batchPair(ctx);
        const a = p.tensor("embeddings"), b = q.tensor("embeddings");
        const both = new Float32Array(a.data.length + b.data.length);
        both.set(a.data);
        both.set(b.data, a.data.length);
        return embeddingsVerdict(
          tensorOf(o, "gpt2:batch", "calling GPT2Embeddings.forward(ids) on a batch"),
          { shape: [2, ...a.shape], data: both },
          [p.ids, q.ids],
          `embeddings for the batch [prompt ${p.index}, prompt ${q.index}]`,
          ctx,
        );
      },
    },
    {
      name: "cosineSimilarity matches its formula",
      layer: "numbers",
      run: (o) =>
        allOf(
          `a·b / (|a| |b|) within ${
            fmtNum(COS_ATOL)
          } in ${cosineCases().length} cases, ±1 included`,
          cosineCases().map((c, i) => () => {
            const v = valueOf(o, `cos:${i}`, `calling cosineSimilarity(a, b) for ${c.name}`);
            if (typeof v !== "number") {
              return {
                status: "fail",
                message: `cosineSimilarity(a, b) for ${c.name}: expected a number, found ` +
                  describeValue(v),
                hint: "t.item() turns a one-element tensor into a plain number.",
              };
            }
            const expected = cosine(c.a.data, c.b.data);
            if (Math.abs(v - expected) <= COS_ATOL) return { status: "pass", message: "" };
            return {
              status: "fail",
              message: `cosineSimilarity(a, b) for ${c.name}: expected ${fmtNum(expected)}, ` +
                `found ${fmtNum(v)}`,
              details: [`error ${fmtNum(Math.abs(v - expected))}, tolerance ${fmtNum(COS_ATOL)}`],
              hint: "Divide the dot product a·b = sum(a * b) by |a| |b|, where |a| = " +
                "sqrt(a·a): both lengths, each under its own square root.",
            };
          }),
        ),
    },
    {
      name: "GPT-2's embeddings put fruit nearer to apple than man",
      layer: "numbers",
      needsRealModel: true,
      requires: ["cosineSimilarity matches its formula"],
      run: similarityVerdict,
    },
  ],
};
