/**
 * Stage 2 — embeddings (solution).
 *
 * A token id becomes a vector by looking up a row of a table; GPT-2 adds a second table
 * indexed by position, so that the same token at different places looks different.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor } from "../mod.ts";

/** A lookup table `weight` `[num, dim]`: row `i` is the vector of id `i`. */
export class Embedding extends nn.Module {
  /** `[numEmbeddings, embeddingDim]` */
  weight: Tensor;

  /**
   * @param numEmbeddings number of rows (ids `0 .. numEmbeddings - 1`)
   * @param embeddingDim size of each vector
   */
  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    // zeros until the checkpoint is loaded (GPT-2 trained from randn(shape, { std: 0.02 }); the
    // kit only loads, and untouched zeros cost no memory until written)
    this.weight = Tensor.zeros([numEmbeddings, embeddingDim]);
  }

  /**
   * @param ids integer ids, any shape, e.g. `[B, T]`
   * @returns `[...ids.shape, dim]`
   * @throws {RangeError} for an id outside the table
   */
  forward(ids: Tensor): Tensor {
    // indexSelect checks the range: embedding id 20000 in a 128-row table is a RangeError
    return this.weight.indexSelect(0, ids);
  }
}

/** GPT-2's input layer: token embedding `wte` plus position embedding `wpe`. */
export class GPT2Embeddings extends nn.Module {
  /** Token embeddings `[vocab_size, n_embd]` (also the LM head, tied). */
  wte: Embedding;
  /** Position embeddings `[n_positions, n_embd]`. */
  wpe: Embedding;

  /** @param config the model's sizes */
  constructor(config: GPT2Config) {
    super();
    this.wte = new Embedding(config.vocab_size, config.n_embd);
    this.wpe = new Embedding(config.n_positions, config.n_embd);
  }

  /**
   * @param ids `[B, T]` token ids
   * @returns `[B, T, C]`: token vector + position vector
   */
  forward(ids: Tensor): Tensor {
    const T = ids.size(-1);
    const positions = Tensor.arange(0, T); // 0, 1, ..., T-1: the first token is position 0
    return this.wte.forward(ids).add(this.wpe.forward(positions)); // (B, T, C) + (T, C)
  }
}

/**
 * Cosine similarity of two vectors: `a·b / (|a| |b|)`, 1 for the same direction, 0 for
 * orthogonal, -1 for opposite.
 *
 * @param a `[C]`
 * @param b `[C]`
 * @returns a number in [-1, 1]
 */
export function cosineSimilarity(a: Tensor, b: Tensor): number {
  const dot = a.mul(b).sum();
  const norms = a.mul(a).sum().sqrt().mul(b.mul(b).sum().sqrt());
  return dot.div(norms).item();
}
