// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 3 — attention.
 *
 * In this exercise you will write the heart of the transformer: scaled dot-product attention,
 * then GPT-2's causal multi-head self-attention built on it. The grader checks your attention
 * against the library's reference `F.scaledDotProductAttention` on many shapes, then loads the
 * real checkpoint's `h.0.attn.*` weights into your module and compares its output with
 * PyTorch's.
 *
 * The lecture's idea: every position asks a question (query), every position offers an answer
 * label (key) and content (value); a position takes a weighted average of the values whose
 * keys match its query. "Causal": a position may only look at itself and earlier positions —
 * when GPT-2 predicts the next token, it must not see the future.
 *
 * Check your work: `deno task check 3`. Stuck? `deno task hint 3`.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor, todo } from "../mod.ts";

/**
 * Attention: `softmax(q kᵀ / sqrt(d)) v`, where `d` is the size of the last dimension of `q`.
 * Where `mask` is 0, the score must become `-Infinity` *before* the softmax, so that the
 * position gets weight 0 and each row of weights still sums to 1.
 *
 * Useful: `a.matmul(b)`, `k.transpose(-2, -1)`, `x.div(n)`, `x.maskedFill(m, value)`,
 * `m.eq(0)`, `F.softmax(x, dim)` (or write the softmax yourself: exp(x - max) / sum).
 *
 * @param q queries `[..., Tq, d]`
 * @param k keys `[..., Tk, d]`
 * @param v values `[..., Tk, dv]`
 * @param mask optional, broadcastable to `[..., Tq, Tk]`: 1 where query i may look at key j
 * @returns `[..., Tq, dv]`
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask?: Tensor,
): Tensor {
  // TODO: scores = q kᵀ / sqrt(d); mask; softmax over the last dimension; times v.
  return todo(
    "scaledDotProductAttention",
    "Start with the scores: q.matmul(k.transpose(-2, -1)) has shape [..., Tq, Tk]. " +
      "What do you divide them by, and why?",
  );
}

/**
 * GPT-2's masked multi-head self-attention, the module at `h.N.attn` in the checkpoint.
 *
 * It owns exactly these state-dict entries (names and shapes must match the checkpoint):
 * - `c_attn.weight` `[C, 3C]`, `c_attn.bias` `[3C]`: one projection making q, k and v at once
 *   (a Conv1D: the weight is `[in, out]`; use the library's `nn.Conv1D` here — you write your
 *   own in stage 4);
 * - `c_proj.weight` `[C, C]`, `c_proj.bias` `[C]`: the output projection (also a Conv1D);
 * - `bias` `[1, 1, n_positions, n_positions]`: not a learnt bias but the causal mask, lower-
 *   triangular ones, registered as a buffer (`this.registerBuffer("bias", ...)`).
 */
export class CausalSelfAttention extends nn.Module {
  /**
   * Create the layers and the mask buffer.
   *
   * @param config the model's sizes: `n_embd` (C), `n_head`, `n_positions`
   */
  constructor(config: GPT2Config) {
    super();
    // TODO: this.c_attn, this.c_proj, the "bias" buffer; remember n_head for forward.
    todo(
      "CausalSelfAttention constructor",
      "Which fields does the checkpoint expect under h.0.attn? c_attn and c_proj are " +
        `nn.Conv1D layers (C = ${config.n_embd} here); "bias" is a buffer: ` +
        "Tensor.ones([n, n]).tril().view(1, 1, n, n).",
    );
  }

  /**
   * Causal self-attention over a batch of sequences.
   *
   * Steps: `c_attn` → split into q, k, v (each `[B, T, C]`) → separate the heads
   * `(B, T, C) -> (B, T, nh, hs) -> (B, nh, T, hs)` → attention with the top-left `T x T`
   * corner of the mask (`Tensor.slice(dim, start, end)` on dims 2 and 3) → put the heads back
   * side by side `(B, nh, T, hs) -> (B, T, C)` → `c_proj`.
   *
   * @param x `[B, T, C]`
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    // TODO: the steps above.
    return todo(
      "CausalSelfAttention.forward",
      `x has shape [${x.shape.join(", ")}]. this.c_attn.forward(x) gives [B, T, 3C]; ` +
        "how do you cut it into q, k and v? (Tensor.split)",
    );
  }
}
