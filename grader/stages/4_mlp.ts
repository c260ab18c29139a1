/**
 * Stage 4 — MLP: the learner's `Conv1D` (weight `[in, out]`) and `gelu` (the tanh
 * approximation `gelu_new`) against PyTorch's layer fixtures, then `MLP` loaded from
 * `h.0.mlp.*` against the reference activations; dropout must be the identity at inference.
 *
 * @module
 */
import { gelu as referenceGelu } from "../../lib/functional.ts";
import { extract, type Module } from "../../lib/module.ts";
import type { Tensor } from "../../lib/tensor.ts";
import { fmtNum } from "../compare.ts";
import { requireTensor, tensorOf, valueOf, watchedOf } from "../outcomes.ts";
import { callWatching, exported, loadedModule, shapesOf, stateShapes } from "../probe_helpers.ts";
import { layerFixture } from "../references.ts";
import type { GradeContext, Outcomes, ProbeCall, Stage, Verdict } from "../stage.ts";
import {
  allOf,
  asTensor,
  batched,
  closeVerdict,
  dataOf,
  diagnosedCloseVerdict,
  inputUnchangedVerdict,
  keysVerdict,
  type KnownMistake,
  layerKeysVerdict,
  shapeVerdict,
} from "../verdicts.ts";
import type { TensorData } from "../wire.ts";

type Layer = Module & { forward(x: Tensor): Tensor };
type LayerClass = new (inFeatures: number, outFeatures: number) => Layer;
type Gelu = (x: Tensor) => Tensor;

// Conv1D fixture: x [2, 5, 7] @ weight [7, 3] + bias [3], PyTorch in float64. Solution's error
// 6e-8 (float32 rounding of 7-term sums).
const CONV_TOL = { atol: 1e-5, rtol: 1e-5 };
// GELU on x in [-6, 6] (step 1/8) and ±12, ±100. Solution's error 4.8e-7. The exact (erf) GELU
// differs from the tanh approximation by up to 4.7e-4, by more than 3e-5 on 56 of the 101
// points, so it cannot pass: at |x| <= 3, where they differ, the tolerance is <= 4e-5.
const GELU_TOL = { atol: 1e-5, rtol: 1e-5 };
// h.0.mlp on the reference inputs (|output| <= 0.54 on the tiny model): the solution's max abs
// error is 3.0e-7; the exact GELU in the same MLP is off by 5.5e-5 .. 8.5e-5 on every prompt,
// above this tolerance (at most 5e-6 + 1e-5 × 0.54 = 1.1e-5).
const MLP_TOL = { atol: 5e-6, rtol: 1e-5 };

const CONV_HINT = "GPT-2's Conv1D stores its weight as [in, out] — here [7, 3] — so forward is " +
  "x.matmul(weight) + bias with no transpose (nn.Linear's weight is [out, in] and needs Wᵀ).";

function fixtureTensor(name: string): Tensor {
  return asTensor(layerFixture(name));
}

function conv1dSizes(): [number, number] {
  const [inFeatures, outFeatures] = layerFixture("conv1d.weight").shape;
  return [inFeatures, outFeatures];
}

function plan(ctx: GradeContext): ProbeCall[] {
  const [inFeatures, outFeatures] = conv1dSizes();
  const calls: ProbeCall[] = [
    {
      id: "conv1d",
      probe: "conv1d",
      args: {
        inFeatures,
        outFeatures,
        x: fixtureTensor("conv1d.x"),
        weight: fixtureTensor("conv1d.weight"),
        bias: fixtureTensor("conv1d.bias"),
      },
    },
    { id: "conv1d:keys", probe: "conv1dKeys", args: { inFeatures, outFeatures } },
    { id: "gelu", probe: "gelu", args: { x: fixtureTensor("gelu_tanh.x") } },
    { id: "mlp:keys", probe: "mlpKeys" },
  ];
  for (const p of ctx.refs.prompts) {
    calls.push({
      id: `mlp:p${p.index}`,
      probe: "mlp",
      args: { x: asTensor(batched(p.tensor("h0.mlp_in"))) },
    });
  }
  const first = ctx.refs.prompts[0];
  calls.push({
    id: "mlp:twice",
    probe: "mlpTwice",
    args: { x: asTensor(batched(first.tensor("h0.mlp_in"))) },
  });
  return calls;
}

/** What an MLP computes with another activation between `c_fc` and `c_proj` (grader side). */
function mlpWith(ctx: GradeContext, x: TensorData, activation: (h: Tensor) => Tensor): TensorData {
  const w = extract(ctx.weights(["h.0.mlp."]), "h.0.mlp.");
  const h = asTensor(x).matmul(w["c_fc.weight"]).add(w["c_fc.bias"]); // (B, T, 4C)
  return dataOf(activation(h).matmul(w["c_proj.weight"]).add(w["c_proj.bias"])); // (B, T, C)
}

const EXACT_GELU = "the exact (erf) GELU; GPT-2 uses the tanh approximation gelu_new";
const TANH_HINT = "Use gelu_new: 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))). PyTorch's " +
  "nn.GELU() and the library's F.gelu(x) default to the exact erf form.";

function mlpMistakes(ctx: GradeContext, x: TensorData): KnownMistake[] {
  return [
    {
      message: `Your MLP uses ${EXACT_GELU}`,
      hint: `${TANH_HINT} Does MLP.forward call your own gelu?`,
      output: () => mlpWith(ctx, x, (h) => referenceGelu(h, "none")),
    },
    {
      message: "Your MLP output is c_proj(c_fc(x)): the GELU between them is missing",
      hint: "Apply gelu to the [B, T, 4C] output of c_fc, before c_proj.",
      output: () => mlpWith(ctx, x, (h) => h),
    },
  ];
}

function mlpKeysVerdict(o: Outcomes, ctx: GradeContext): Verdict {
  return keysVerdict(
    valueOf(o, "mlp:keys", "building MLP(config)") as Record<string, number[]>,
    ctx.checkpointShapes(),
    "h.0.mlp.",
    "MLP",
  );
}

function mlpResult(o: Outcomes, id: string): { out: TensorData; mutated: boolean } {
  return watchedOf(o, id, "calling MLP.forward(x)");
}

/** Stage 4 of the course. */
export const stage: Stage = {
  number: 4,
  name: "MLP",
  file: "4_mlp.ts",
  references: { "nn.Conv1D": "Conv1D", "nn.GELU": "gelu", "F.gelu": "gelu" },
  hints: [
    "The MLP works on each position separately: C numbers in, 4C in the middle, C out. Which " +
    "layer widens, which narrows, and where does the GELU go?",
    "The checkpoint's c_fc.weight is [C, 4C]. If x is [B, T, C], which product with that " +
    "weight gives [B, T, 4C]? Does it need a transpose?",
    "nn.Linear stores [out, in] and computes x Wᵀ + b; Conv1D stores [in, out]. What does that " +
    "change in the constructor, and what in forward?",
    "There are two GELUs: the exact x Φ(x) with erf, and the tanh approximation. Which one did " +
    "OpenAI train GPT-2 with (its config calls it gelu_new)?",
    "Write gelu_new term by term: x³, times 0.044715, plus x, times sqrt(2/π), tanh, plus 1, " +
    "times 0.5 x. Which of these is easy to get wrong by a factor?",
    "Dropout has no weights and does nothing at inference. If two calls of forward with the " +
    "same x differ, what in your MLP is random?",
  ],
  probes: {
    conv1d(learner, args) {
      const Cls = exported<LayerClass>(learner, "Conv1D");
      const conv = new Cls(args.inFeatures as number, args.outFeatures as number) as Layer & {
        weight: Tensor;
        bias: Tensor;
      };
      conv.weight = args.weight as Tensor;
      conv.bias = args.bias as Tensor;
      return conv.forward(args.x as Tensor);
    },
    conv1dKeys(learner, args) {
      const Cls = exported<LayerClass>(learner, "Conv1D");
      return shapesOf(new Cls(args.inFeatures as number, args.outFeatures as number));
    },
    gelu(learner, args) {
      return exported<Gelu>(learner, "gelu")(args.x as Tensor);
    },
    mlpKeys(learner, _args, env) {
      return stateShapes(learner, env, "MLP");
    },
    mlp(learner, args, env) {
      const mlp = loadedModule<Layer>(learner, env, "MLP", "h.0.mlp.");
      return callWatching(args.x as Tensor, (x) => mlp.forward(x));
    },
    mlpTwice(learner, args, env) {
      const mlp = loadedModule<Layer>(learner, env, "MLP", "h.0.mlp.");
      const x = args.x as Tensor;
      return { first: mlp.forward(x), second: mlp.forward(x) };
    },
  },
  plan,
  checks: [
    {
      name: "Conv1D runs",
      layer: "runs",
      run: (o) => {
        const [i, n] = conv1dSizes();
        valueOf(
          o,
          "conv1d",
          `calling Conv1D(${i}, ${n}).forward(x) for x [2, 5, ${i}], weight [${i}, ${n}]`,
          (e) => e.message.includes("matmul") ? CONV_HINT : undefined,
        );
        return { status: "pass", message: "it returns a value" };
      },
    },
    {
      name: "Conv1D weight is [in, out]",
      layer: "keys",
      points: 2,
      run: (o) => {
        const [i, n] = conv1dSizes();
        return layerKeysVerdict(
          valueOf(o, "conv1d:keys", `building Conv1D(${i}, ${n})`) as Record<string, number[]>,
          { weight: [i, n], bias: [n] },
          `Conv1D(${i}, ${n})`,
        );
      },
    },
    {
      name: "Conv1D output shape",
      layer: "shapes",
      run: (o) =>
        shapeVerdict(
          tensorOf(o, "conv1d", "calling Conv1D.forward(x)"),
          layerFixture("conv1d.out").shape,
          `Conv1D(${conv1dSizes().join(", ")}).forward(x) for x [2, 5, ${conv1dSizes()[0]}]`,
          CONV_HINT,
        ),
    },
    {
      name: "MLP output shape",
      layer: "shapes",
      usesReferences: true,
      run: (o, ctx) =>
        allOf("the output is [B, T, C] like its input", [
          ...ctx.refs.prompts.map((p) => () =>
            shapeVerdict(
              mlpResult(o, `mlp:p${p.index}`).out,
              batched(p.tensor("h0.mlp_in")).shape,
              "the output of forward(x)",
              "c_fc widens C to 4C, c_proj brings 4C back to C.",
            )
          ),
        ]),
    },
    {
      name: "MLP state dict",
      layer: "keys",
      points: 2,
      run: mlpKeysVerdict,
    },
    {
      name: "MLP does not modify its input",
      layer: "properties",
      usesReferences: true,
      run: (o, ctx) =>
        inputUnchangedVerdict(ctx.refs.prompts.map((p) => () => mlpResult(o, `mlp:p${p.index}`))),
    },
    {
      name: "MLP dropout is the identity at inference",
      layer: "properties",
      run: (o) => {
        const doing = "calling MLP.forward(x) twice";
        const v = valueOf(o, "mlp:twice", doing) as { first: unknown; second: unknown };
        const twice = closeVerdict(
          requireTensor(v.second, doing),
          requireTensor(v.first, doing),
          { atol: 0, rtol: 0 },
          "forward(x), second call against the first,",
          "Dropout is only active in training: nn.Dropout is the identity while this.training " +
            "is false (the kit's default). Nothing in the MLP should be random at inference.",
        );
        return twice.status === "pass"
          ? { status: "pass", message: "two calls with the same x give the same output" }
          : { ...twice, message: `Two calls with the same x differ: ${twice.message}` };
      },
    },
    {
      name: "Conv1D matches PyTorch",
      layer: "numbers",
      points: 2,
      run: (o) =>
        closeVerdict(
          tensorOf(o, "conv1d", "calling Conv1D.forward(x)"),
          layerFixture("conv1d.out"),
          CONV_TOL,
          "Conv1D output on the PyTorch fixture",
          "y = x W + b: every output element is the sum over i of x[..., i] W[i, j], plus b[j].",
        ),
    },
    {
      name: "gelu is GPT-2's tanh approximation",
      layer: "numbers",
      points: 2,
      run: (o) =>
        diagnosedCloseVerdict(
          tensorOf(o, "gelu", "calling gelu(x)"),
          layerFixture("gelu_tanh.out"),
          GELU_TOL,
          "gelu(x) for x from -100 to 100",
          TANH_HINT,
          [{
            message: `Your gelu is ${EXACT_GELU}`,
            hint: TANH_HINT,
            output: () => layerFixture("gelu_exact.out"),
          }],
        ),
    },
    {
      name: "MLP matches the reference activations",
      layer: "numbers",
      usesReferences: true,
      points: 3,
      run: (o, ctx) =>
        allOf(
          `h.0.mlp output matches PyTorch on ${ctx.refs.prompts.length} prompts (atol ` +
            `${fmtNum(MLP_TOL.atol)} + rtol ${fmtNum(MLP_TOL.rtol)})`,
          ctx.refs.prompts.map((p) => () => {
            const x = batched(p.tensor("h0.mlp_in"));
            return diagnosedCloseVerdict(
              mlpResult(o, `mlp:p${p.index}`).out,
              batched(p.tensor("h0.mlp_out")),
              MLP_TOL,
              `h.0.mlp output for prompt ${p.index} (${JSON.stringify(p.text ?? p.ids)})`,
              "If Conv1D and gelu pass their own checks, look at the plumbing: c_fc, then " +
                "gelu, then c_proj, then dropout, each applied once, in that order.",
              mlpMistakes(ctx, x),
            );
          }),
        ),
    },
  ],
};
