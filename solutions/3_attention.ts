/**
 * Stage 3 — attention (solution).
 *
 * Scaled dot-product attention, then GPT-2's causal multi-head self-attention built on it,
 * with the checkpoint's names: `c_attn` (q, k, v in one projection), `c_proj` (output
 * projection) and the causal mask buffer `bias`.
 *
 * @module
 */
import { F, type GPT2Config, nn, Tensor } from "../mod.ts";

/**
 * Attention: every query mixes the values, weighted by how well it matches each key.
 * `softmax(q kᵀ / sqrt(d)) v`, where masked-out scores become -inf before the softmax
 * (so they get weight 0 and the remaining weights still sum to 1).
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
  const d = q.size(-1);
  // how much each query matches each key, scaled so the softmax does not saturate as d grows
  let scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(d)); // (..., Tq, Tk)
  if (mask) scores = scores.maskedFill(mask.eq(0), -Infinity);
  const weights = F.softmax(scores, -1); // each row sums to 1
  return weights.matmul(v); // (..., Tq, dv)
}

/** GPT-2's masked multi-head self-attention (`h.N.attn`). */
export class CausalSelfAttention extends nn.Module {
  /** Projects x to queries, keys and values at once: weight `[C, 3C]` (Conv1D: `[in, out]`). */
  c_attn: nn.Conv1D;
  /** Projects the heads' concatenated outputs back to the residual stream: `[C, C]`. */
  c_proj: nn.Conv1D;
  /** The causal mask, lower-triangular ones `[1, 1, n_positions, n_positions]`. */
  declare bias: Tensor;
  /** Number of heads. */
  nHead: number;

  /** @param config the model's sizes */
  constructor(config: GPT2Config) {
    super();
    const { n_embd: C, n_positions: n } = config;
    this.c_attn = new nn.Conv1D(C, 3 * C);
    this.c_proj = new nn.Conv1D(C, C);
    this.nHead = config.n_head;
    this.registerBuffer("bias", Tensor.ones([n, n]).tril().view(1, 1, n, n));
  }

  /**
   * @param x `[B, T, C]`
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const hs = C / this.nHead; // head size
    // queries, keys, values for all heads in one matmul, then split and separate the heads
    const [q, k, v] = this.c_attn.forward(x).split(C, 2)
      .map((t) => t.view(B, T, this.nHead, hs).transpose(1, 2)); // (B, T, C) -> (B, nh, T, hs)
    // position i may only attend to positions <= i: the top-left T x T corner of the mask
    const mask = this.bias.slice(2, 0, T).slice(3, 0, T); // (1, 1, T, T)
    const y = scaledDotProductAttention(q, k, v, mask); // (B, nh, T, hs)
    // put the heads side by side again: (B, nh, T, hs) -> (B, T, nh, hs) -> (B, T, C)
    const merged = y.transpose(1, 2).contiguous().view(B, T, C);
    return this.c_proj.forward(merged);
  }
}
