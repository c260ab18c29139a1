/**
 * Stage 4 — MLP (solution).
 *
 * The feed-forward half of a block: widen to 4C, apply GELU, project back to C. Its linear
 * layers are OpenAI's Conv1D, which stores weights as `[in, out]`.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor } from "../mod.ts";

/**
 * OpenAI's Conv1D: a linear layer with the weight stored `[in, out]` (the transpose of
 * `nn.Linear`'s `[out, in]`), so `y = x W + b`.
 */
export class Conv1D extends nn.Module {
  /** `[in, out]` */
  weight: Tensor;
  /** `[out]` */
  bias: Tensor;

  /**
   * @param inFeatures input size
   * @param outFeatures output size
   */
  constructor(inFeatures: number, outFeatures: number) {
    super();
    // zeros until the checkpoint is loaded (see Embedding in stage 2)
    this.weight = Tensor.zeros([inFeatures, outFeatures]);
    this.bias = Tensor.zeros([outFeatures]);
  }

  /**
   * @param x `[..., in]`
   * @returns `[..., out]`
   */
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight).add(this.bias);
  }
}

/**
 * GPT-2's GELU (`gelu_new`), the tanh approximation:
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))`.
 *
 * @param x any shape
 * @returns same shape
 */
export function gelu(x: Tensor): Tensor {
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** The block's feed-forward network (`h.N.mlp`): `c_fc` → GELU → `c_proj`. */
export class MLP extends nn.Module {
  /** `[C, 4C]`: widen. */
  c_fc: Conv1D;
  /** `[4C, C]`: back to the residual stream. */
  c_proj: Conv1D;
  /** Dropout, the identity at inference (GPT-2 trained with p = 0.1). */
  dropout: nn.Dropout;

  /** @param config the model's sizes */
  constructor(config: GPT2Config) {
    super();
    this.c_fc = new Conv1D(config.n_embd, 4 * config.n_embd);
    this.c_proj = new Conv1D(4 * config.n_embd, config.n_embd);
    this.dropout = new nn.Dropout(0.1);
  }

  /**
   * @param x `[B, T, C]`
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    const h = gelu(this.c_fc.forward(x)); // (B, T, 4C)
    return this.dropout.forward(this.c_proj.forward(h)); // (B, T, C)
  }
}
