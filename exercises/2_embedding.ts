// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 2 — embeddings.
 *
 * In this exercise you will turn token ids into vectors, the first thing GPT-2 does with its
 * input. An embedding is nothing but a table lookup: a table `weight` of shape `[num, dim]`
 * whose row `i` is the vector of id `i` — no arithmetic, just indexing. GPT-2 has two such
 * tables: `wte` (token embeddings, a row for each of the 50257 tokens) and `wpe` (position
 * embeddings, a row for each position `0 .. n_positions - 1`). What enters the first block is
 * their sum, token vector + position vector, so that "dog" as the first word and "dog" as the
 * fifth look different.
 *
 * Questions from the lecture to try yourself:
 * - What happens if you embed id 20000 with a table of 128 rows? There is no row 20000: your
 *   lookup must throw a `RangeError`, not return garbage (the grader tries 20000, 128 and -1).
 * - Are the learnt vectors meaningful? Once the real GPT-2 is downloaded, compare the rows of
 *   `wte.weight` for " apple", " fruit" and " man" with {@linkcode cosineSimilarity}: which two
 *   are closest?
 *
 * The grader checks your `Embedding` on a small table of its own, then loads the checkpoint's
 * `wte.weight` and `wpe.weight` into your `GPT2Embeddings` and compares its output with
 * PyTorch's on several prompts.
 *
 * Check your work: `deno task check 2`. Stuck? `deno task hint 2`.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor, todo } from "../mod.ts";

/**
 * An embedding table, like `torch.nn.Embedding`: a lookup table `weight` of shape
 * `[numEmbeddings, embeddingDim]` whose row `i` is the vector of id `i`.
 *
 * It owns exactly one state-dict entry, `weight` `[numEmbeddings, embeddingDim]`. In GPT-2's
 * checkpoint: `wte.weight` `[vocab_size, n_embd]` and `wpe.weight` `[n_positions, n_embd]`.
 */
export class Embedding extends nn.Module {
  /**
   * Create the table.
   *
   * @param numEmbeddings number of rows: the valid ids are `0 .. numEmbeddings - 1`
   * @param embeddingDim size of each vector
   */
  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    // TODO: declare a field `weight: Tensor` and create it here (the checkpoint fills it later).
    todo(
      "Embedding constructor",
      `The table needs one row per id: is weight [${numEmbeddings}, ${embeddingDim}] or ` +
        `[${embeddingDim}, ${numEmbeddings}]? Tensor.zeros(shape) will do: loading the ` +
        "checkpoint replaces it (GPT-2 was trained from randn(shape, { std: 0.02 })).",
    );
  }

  /**
   * Look up the row of each id.
   *
   * Useful: `t.indexSelect(dim, indices)` picks entries of `t` along `dim`, for indices of any
   * shape, and throws a `RangeError` for an index outside `t`.
   *
   * @param ids integer ids (float32 integers), any shape, e.g. `[B, T]`
   * @returns `[...ids.shape, embeddingDim]`, e.g. `[B, T, embeddingDim]`
   * @throws {RangeError} for an id outside `0 .. numEmbeddings - 1`
   */
  forward(ids: Tensor): Tensor {
    // TODO: one row of this.weight per id.
    return todo(
      "Embedding.forward",
      `ids has shape [${ids.shape.join(", ")}]; the result needs one row of this.weight per id. ` +
        "Which dimension of weight do the ids index?",
    );
  }
}

/**
 * GPT-2's input layer: the token embedding `wte` plus the position embedding `wpe`.
 *
 * It owns exactly these state-dict entries, which the checkpoint keeps at its top level
 * (C = `n_embd`):
 * - `wte.weight` `[vocab_size, C]`: a vector per token (in stage 5 it also serves as the LM
 *   head, turning vectors back into token scores);
 * - `wpe.weight` `[n_positions, C]`: a vector per position `0 .. n_positions - 1`.
 */
export class GPT2Embeddings extends nn.Module {
  /**
   * Create the two tables (your {@linkcode Embedding}s).
   *
   * @param config the model's sizes: `vocab_size`, `n_positions`, `n_embd` (C)
   */
  constructor(config: GPT2Config) {
    super();
    // TODO: this.wte and this.wpe (declare the fields too: the field names are the keys).
    todo(
      "GPT2Embeddings constructor",
      "Which two tables does the checkpoint hold at its top level, and how many rows does each " +
        `need? Here vocab_size = ${config.vocab_size}, n_positions = ${config.n_positions}, ` +
        `n_embd = ${config.n_embd}.`,
    );
  }

  /**
   * Token vectors plus position vectors.
   *
   * A sequence of T tokens sits at positions 0, 1, ..., T-1: the first token is position 0.
   * The position vectors `[T, C]` broadcast over the batch when added to the token vectors
   * `[B, T, C]`. Useful: `Tensor.arange(start, end)`, `ids.size(-1)`.
   *
   * @param ids `[B, T]` token ids
   * @returns `[B, T, C]`
   */
  forward(ids: Tensor): Tensor {
    // TODO: wte of the ids + wpe of the positions.
    return todo(
      "GPT2Embeddings.forward",
      `ids has shape [${ids.shape.join(", ")}]. this.wte.forward(ids) gives the token vectors; ` +
        "which ids do you give this.wpe?",
    );
  }
}

/**
 * Cosine similarity of two vectors, `a·b / (|a| |b|)`: the cosine of the angle between them,
 * 1 for the same direction, 0 for orthogonal, -1 for opposite. Lengths do not matter:
 * `cosineSimilarity(a, 3a)` is 1.
 *
 * Useful: `a.mul(b).sum()`, `.sqrt()`, `.div()`, and `.item()` to turn a one-element tensor
 * into a number.
 *
 * @param a `[C]`
 * @param b `[C]`
 * @returns a number in [-1, 1]
 */
export function cosineSimilarity(a: Tensor, b: Tensor): number {
  // TODO: the dot product divided by the product of the lengths.
  return todo(
    "cosineSimilarity",
    "The dot product a·b is the sum of the elementwise products. What is the length |a| in " +
      "terms of a dot product?",
  );
}
