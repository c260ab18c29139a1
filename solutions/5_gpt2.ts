/**
 * Stage 5 — the whole GPT-2 (solution).
 *
 * LayerNorm, the pre-LN transformer block with its two residual connections, and the model:
 * embeddings, `n_layer` blocks, a final LayerNorm and the LM head, which reuses the token
 * embedding matrix (weights tied, so the checkpoint has no `lm_head.weight`).
 *
 * @module
 */
import { type GPT2Config, nn, Tensor } from "../mod.ts";
import { Embedding } from "./2_embedding.ts";
import { CausalSelfAttention } from "./3_attention.ts";
import { MLP } from "./4_mlp.ts";

/**
 * Layer normalisation over the last dimension:
 * `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance (divide by C).
 */
export class LayerNorm extends nn.Module {
  /** `[C]`, starts at 1. */
  weight: Tensor;
  /** `[C]`, starts at 0. */
  bias: Tensor;
  /** Added to the variance (GPT-2: 1e-5). */
  eps: number;

  /**
   * @param dim C, the size of the last dimension
   * @param eps added to the variance
   */
  constructor(dim: number, eps = 1e-5) {
    super();
    this.weight = Tensor.ones([dim]);
    this.bias = Tensor.zeros([dim]);
    this.eps = eps;
  }

  /**
   * @param x `[..., C]`
   * @returns `[..., C]`, each row with mean 0 and variance 1, then scaled and shifted
   */
  forward(x: Tensor): Tensor {
    const mean = x.mean(-1, true); // (..., 1)
    const centered = x.sub(mean);
    const variance = centered.pow(2).mean(-1, true); // biased: divide by C, not C - 1
    return centered.div(variance.add(this.eps).sqrt()).mul(this.weight).add(this.bias);
  }
}

/** One transformer block (`h.N`): pre-LN attention and MLP, each added to the residual. */
export class Block extends nn.Module {
  /** LayerNorm before attention. */
  ln_1: LayerNorm;
  /** Causal self-attention. */
  attn: CausalSelfAttention;
  /** LayerNorm before the MLP. */
  ln_2: LayerNorm;
  /** The feed-forward network. */
  mlp: MLP;

  /** @param config the model's sizes */
  constructor(config: GPT2Config) {
    super();
    this.ln_1 = new LayerNorm(config.n_embd, config.layer_norm_epsilon);
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.n_embd, config.layer_norm_epsilon);
    this.mlp = new MLP(config);
  }

  /**
   * @param x `[B, T, C]` the residual stream
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x))); // tokens talk to each other
    return x.add(this.mlp.forward(this.ln_2.forward(x))); // each token thinks on its own
  }
}

/** GPT-2: ids in, next-token logits out. */
export class GPT2 extends nn.Module {
  /** Token embeddings `[vocab_size, C]`, also the LM head. */
  wte: Embedding;
  /** Position embeddings `[n_positions, C]`. */
  wpe: Embedding;
  /** The blocks `h.0 .. h.{n_layer - 1}`. */
  h: nn.ModuleList<Block>;
  /** The final LayerNorm. */
  ln_f: LayerNorm;
  /** The model's sizes. */
  config: GPT2Config;

  /** @param config the model's sizes */
  constructor(config: GPT2Config) {
    super();
    this.config = config;
    this.wte = new Embedding(config.vocab_size, config.n_embd);
    this.wpe = new Embedding(config.n_positions, config.n_embd);
    this.h = new nn.ModuleList(Array.from({ length: config.n_layer }, () => new Block(config)));
    this.ln_f = new LayerNorm(config.n_embd, config.layer_norm_epsilon);
  }

  /**
   * @param ids `[B, T]` token ids, `T <= n_positions`
   * @returns `[B, T, vocab_size]` logits: scores of every possible next token
   */
  forward(ids: Tensor): Tensor {
    const T = ids.size(-1);
    if (T > this.config.n_positions) {
      throw new RangeError(
        `Cannot forward a sequence of ${T} tokens: the model was built for ${this.config.n_positions}`,
      );
    }
    const positions = Tensor.arange(0, T);
    let x = this.wte.forward(ids).add(this.wpe.forward(positions)); // (B, T, C)
    for (const block of this.h) x = block.forward(x);
    x = this.ln_f.forward(x);
    // LM head tied to the token embeddings: logits = x · wteᵀ
    return x.matmul(this.wte.weight.transpose(0, 1)); // (B, T, vocab_size)
  }
}

/**
 * Greedy decoding: append the most likely next token, `maxNewTokens` times, running the whole
 * sequence through the model at every step.
 *
 * @param model the loaded model
 * @param ids the prompt's token ids
 * @param maxNewTokens how many tokens to add
 * @returns only the new ids
 */
export function generate(model: GPT2, ids: readonly number[], maxNewTokens: number): number[] {
  const seq = [...ids];
  for (let i = 0; i < maxNewTokens; i++) {
    const context = seq.slice(-model.config.n_positions); // crop to the context window
    const logits = model.forward(new Tensor(Float32Array.from(context), [1, context.length]));
    seq.push(logits.select(1, -1).argmax(-1).item()); // the last position predicts the next
  }
  return seq.slice(ids.length);
}
