// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 4 — MLP.
 *
 * In this exercise you will write the other half of a transformer block: the feed-forward
 * network, or MLP. Each position, on its own, is widened from C to 4C numbers, passed through
 * a GELU, and projected back to C: `c_proj(gelu(c_fc(x)))`. Attention moves information
 * between positions; the MLP then works on each position separately.
 *
 * Two details of GPT-2 matter here, and the grader can tell if you miss them:
 * - Its linear layers are OpenAI's `Conv1D`, which stores the weight as `[in, out]` — the
 *   transpose of `nn.Linear`'s `[out, in]` — so `y = x W + b`, with no transpose.
 * - Its GELU is `gelu_new`, the tanh approximation, not the exact (erf) GELU that PyTorch's
 *   `nn.GELU()` computes by default. They differ by up to 4.7e-4: small, but not GPT-2.
 *
 * The grader checks your `Conv1D` and `gelu` against PyTorch on fixed inputs, then loads the
 * checkpoint's `h.0.mlp.*` weights into your `MLP` and compares its output with PyTorch's.
 *
 * Check your work: `deno task check 4`. Stuck? `deno task hint 4`.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor, todo } from "../mod.ts";

/**
 * OpenAI's Conv1D. Despite the name it is a linear layer (a convolution of width 1),
 * `y = x W + b`, with the weight stored `[in, out]`: the transpose of `nn.Linear`'s
 * `[out, in]`, which computes `x Wᵀ + b`. GPT-2 uses it for `c_attn`, `c_proj` and `c_fc`.
 *
 * It owns exactly two state-dict entries: `weight` `[in, out]` and `bias` `[out]`. In the
 * checkpoint (C = `n_embd`): `h.0.mlp.c_fc.weight` `[C, 4C]`, `h.0.mlp.c_fc.bias` `[4C]`,
 * `h.0.mlp.c_proj.weight` `[4C, C]`, `h.0.mlp.c_proj.bias` `[C]`.
 */
export class Conv1D extends nn.Module {
  /**
   * Create the weight and the bias.
   *
   * @param inFeatures input size
   * @param outFeatures output size
   */
  constructor(inFeatures: number, outFeatures: number) {
    super();
    // TODO: declare and create the fields `weight` and `bias` (the checkpoint fills them later).
    todo(
      "Conv1D constructor",
      `c_fc's weight in the checkpoint is [C, 4C]: is that [in, out] or [out, in]? So is ` +
        `this weight [${inFeatures}, ${outFeatures}] or [${outFeatures}, ${inFeatures}]? ` +
        "Tensor.zeros(shape) will do for both: loading the checkpoint replaces them.",
    );
  }

  /**
   * Apply the layer to the last dimension of `x`.
   *
   * @param x `[..., in]`
   * @returns `[..., out]`
   */
  forward(x: Tensor): Tensor {
    // TODO: x W + b.
    return todo(
      "Conv1D.forward",
      `x has shape [${x.shape.join(", ")}] and the weight is [in, out]. Which product of the ` +
        "two gives [..., out], and does it need a transpose?",
    );
  }
}

/**
 * GPT-2's GELU, `gelu_new`: the tanh approximation of `x Φ(x)`,
 *
 *     gelu(x) = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))
 *
 * — not the exact `0.5 x (1 + erf(x / sqrt(2)))`, which is PyTorch's default `nn.GELU()`
 * (and the library's `F.gelu(x)`). Write the formula yourself with tensor ops: `x.pow(3)`,
 * `x.mul(c)`, `x.add(y)`, `x.tanh()`; `Math.sqrt(2 / Math.PI)` is a plain number.
 *
 * @param x any shape
 * @returns the same shape
 */
export function gelu(x: Tensor): Tensor {
  // TODO: the formula above, term by term.
  return todo(
    "gelu",
    "Build the inner part first: sqrt(2/π) · (x + 0.044715 x³). Then what do you do with its " +
      "tanh?",
  );
}

/**
 * The feed-forward network of a block, the module at `h.N.mlp` in the checkpoint.
 *
 * It owns exactly these state-dict entries (C = `n_embd`):
 * - `c_fc.weight` `[C, 4C]`, `c_fc.bias` `[4C]`: your {@linkcode Conv1D}, widening to 4C;
 * - `c_proj.weight` `[4C, C]`, `c_proj.bias` `[C]`: your Conv1D, back to C.
 *
 * It also has a `dropout` field, `new nn.Dropout(0.1)`: GPT-2 was trained with dropout, which
 * has no weights (no state-dict entry) and is the identity at inference, which is all the kit
 * does — the same input always gives the same output.
 */
export class MLP extends nn.Module {
  /**
   * Create `c_fc`, `c_proj` and `dropout`.
   *
   * @param config the model's sizes: `n_embd` (C)
   */
  constructor(config: GPT2Config) {
    super();
    // TODO: this.c_fc, this.c_proj, this.dropout (declare the fields: their names are the keys).
    todo(
      "MLP constructor",
      `The checkpoint has h.0.mlp.c_fc.weight [${config.n_embd}, ${4 * config.n_embd}] and ` +
        `h.0.mlp.c_proj.weight [${4 * config.n_embd}, ${config.n_embd}]: which Conv1D(in, out) ` +
        "makes each?",
    );
  }

  /**
   * `(B, T, C) -> c_fc -> (B, T, 4C) -> gelu -> c_proj -> (B, T, C) -> dropout`.
   *
   * @param x `[B, T, C]`
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    // TODO: the steps above.
    return todo(
      "MLP.forward",
      `x has shape [${x.shape.join(", ")}]. What shape does this.c_fc.forward(x) have, and ` +
        "which of your functions comes next?",
    );
  }
}
