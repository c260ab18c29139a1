// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 5 — the whole GPT-2.
 *
 * In this exercise you will assemble GPT-2 from the pieces you built in stages 2–4 (your
 * `Embedding`, `CausalSelfAttention` and `MLP`, imported below), load the real checkpoint into
 * it, and make it write: the same tokens, one after another, that PyTorch's GPT-2 writes.
 *
 * Work in three steps, as in the lecture; `deno task check 5` shows how far you are:
 *
 * 1. **Module definitions + load the weights.** Write the constructors of `LayerNorm`, `Block`
 *    and `GPT2` so that your model's state dict has exactly the checkpoint's keys and shapes:
 *    `wte.weight`, `wpe.weight`, `h.0.ln_1.weight` … `h.{n_layer-1}.mlp.c_proj.bias`,
 *    `ln_f.weight`, `ln_f.bias` — including each block's causal mask `h.N.attn.bias`, and with
 *    no `lm_head.weight` (the LM head is tied to `wte`). Win: no error loading the state dict.
 * 2. **The forwards.** `LayerNorm.forward`, `Block.forward`, `GPT2.forward`. Win: your logits
 *    match PyTorch's, block by block, and the most likely next token is the same.
 * 3. **Generation.** `generate`: greedy decoding. Win: your model continues every prompt with
 *    exactly the reference's tokens.
 *
 * The lecture's idea: a GPT-2 is a stack of identical blocks on a "residual stream". Each token
 * starts as an embedding (what it is + where it is); every block reads the stream through a
 * LayerNorm and adds something back — attention (tokens talk to each other), then the MLP (each
 * token thinks on its own). A final LayerNorm, and the stream is read out against every token's
 * embedding: the logits, one score per vocabulary entry, for what comes next.
 *
 * Check your work: `deno task check 5`. Stuck? `deno task hint 5`.
 *
 * @module
 */
import { type GPT2Config, nn, Tensor, todo } from "../mod.ts";
import { Embedding } from "./2_embedding.ts";
import { CausalSelfAttention } from "./3_attention.ts";
import { MLP } from "./4_mlp.ts";

/**
 * Layer normalisation over the last dimension, the module at `h.N.ln_1`, `h.N.ln_2` and `ln_f`.
 *
 * Each row `x` of `C` numbers becomes `(x - mean) / sqrt(var + eps) * weight + bias`, where
 * `mean` and `var` are taken over that row. `var` is the *biased* variance: the mean of
 * `(x - mean)²`, dividing by `C` (not `C - 1`, as a statistician's sample variance would).
 * `eps` keeps the division safe when a row is (nearly) constant; GPT-2 uses `1e-5`
 * (`config.layer_norm_epsilon`).
 *
 * It owns exactly these state-dict entries: `weight` `[C]` (starts at ones) and `bias` `[C]`
 * (starts at zeros).
 */
export class LayerNorm extends nn.Module {
  /**
   * Step 1: create the parameters.
   *
   * @param dim C, the size of the last dimension
   * @param eps added to the variance (GPT-2: 1e-5)
   */
  constructor(dim: number, eps = 1e-5) {
    super();
    // TODO: this.weight, this.bias, and remember eps for forward.
    todo(
      "LayerNorm constructor",
      "Which two tensors does the checkpoint hold under ln_1? Name the fields weight and bias; " +
        "Tensor.ones([dim]) and Tensor.zeros([dim]) are good starting values.",
    );
  }

  /**
   * Step 2: normalise each row, then scale and shift it.
   *
   * Useful: `x.mean(-1, true)` (keeps the last dimension as size 1, so it broadcasts back),
   * `x.sub(m)`, `x.mul(x)`, `v.add(eps).sqrt()`, `a.div(b)`.
   *
   * @param x `[..., C]`
   * @returns `[..., C]`: every row with mean 0 and variance 1, times `weight`, plus `bias`
   */
  forward(x: Tensor): Tensor {
    // TODO: mean, centre, biased variance, divide by sqrt(var + eps), * weight + bias.
    return todo(
      "LayerNorm.forward",
      "First the mean of each row: x.mean(-1, true) has shape [..., 1]. What do you subtract " +
        "it from, and what is the variance of the result?",
    );
  }
}

/**
 * One transformer block, the module at `h.N` in the checkpoint: pre-LN attention, then a pre-LN
 * MLP, each *added* to the residual stream.
 *
 * It owns these fields, named as the checkpoint's keys: `ln_1` (a `LayerNorm`), `attn` (your
 * `CausalSelfAttention` from stage 3: `attn.c_attn.*`, `attn.c_proj.*` and the causal mask
 * buffer `attn.bias`), `ln_2` (a `LayerNorm`), `mlp` (your `MLP` from stage 4: `mlp.c_fc.*`,
 * `mlp.c_proj.*`).
 */
export class Block extends nn.Module {
  /**
   * Step 1: create the four submodules, in the checkpoint's order.
   *
   * @param config the model's sizes: `n_embd` (C), `layer_norm_epsilon`, ...
   */
  constructor(config: GPT2Config) {
    super();
    // TODO: this.ln_1, this.attn, this.ln_2, this.mlp.
    todo(
      "Block constructor",
      "The checkpoint's keys under h.0 start with ln_1, attn, ln_2 and mlp: one field each. " +
        "Which eps do the LayerNorms take from the config?",
    );
  }

  /**
   * Step 2: the block's forward. "Pre-LN": each sublayer reads a normalised copy of the stream,
   * and its output is added back to the stream itself (the residual connection), which is how
   * the signal (and, in training, the gradient) flows through many blocks unchanged.
   *
   * @param x `[B, T, C]`, the residual stream
   * @returns `[B, T, C]`
   */
  forward(x: Tensor): Tensor {
    // TODO: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)).
    return todo(
      "Block.forward",
      "Two lines, each of the form x = x + sublayer(norm(x)). Which norm goes with attention, " +
        "which with the MLP?",
    );
  }
}

/**
 * GPT-2: token ids in, next-token logits out. The checkpoint's top level is `wte`, `wpe`, `h`,
 * `ln_f`:
 * - `wte` `[vocab_size, C]`: token embeddings (your `Embedding` from stage 2);
 * - `wpe` `[n_positions, C]`: position embeddings (also an `Embedding`);
 * - `h`: `n_layer` `Block`s, which the state dict names `h.0`, `h.1`, ... — put them in an
 *   `nn.ModuleList` (a plain array is invisible to the state dict);
 * - `ln_f`: the final `LayerNorm`.
 *
 * There is no `lm_head`: GPT-2 reads the logits out with the same matrix that embedded the
 * tokens (weights "tied"), `logits = x · wte.weightᵀ`, so the checkpoint has no
 * `lm_head.weight`.
 */
export class GPT2 extends nn.Module {
  /**
   * Step 1: create the embeddings, the blocks and the final LayerNorm (and keep the config:
   * `generate` needs `n_positions`).
   *
   * @param config the model's sizes
   */
  constructor(config: GPT2Config) {
    super();
    // TODO: this.config, this.wte, this.wpe, this.h, this.ln_f.
    todo(
      "GPT2 constructor",
      "Which fields does the checkpoint have at its top level (wte.weight, ...)? How many " +
        `blocks (config.n_layer = ${config.n_layer} here), and what holds them so that they ` +
        "are named h.0, h.1, ...?",
    );
  }

  /**
   * Step 2: the model's forward: embeddings (token + position `0 .. T-1`) → every block in
   * order → `ln_f` → the tied LM head `x · wte.weightᵀ`.
   *
   * @param ids `[B, T]` token ids, `T <= n_positions`
   * @returns `[B, T, vocab_size]` logits: row `t` scores every possible token after position `t`
   */
  forward(ids: Tensor): Tensor {
    // TODO: the steps above.
    return todo(
      "GPT2.forward",
      `ids has shape [${ids.shape.join(", ")}]. Start as in stage 2: wte(ids) + wpe(positions). ` +
        "Then what happens to x in every block, and how do you turn [B, T, C] into [B, T, V]?",
    );
  }
}

/**
 * Step 3: greedy decoding. Run the model on the sequence so far, take the logits of the *last*
 * position, pick the most likely token (argmax), append it, and repeat `maxNewTokens` times.
 * "Eager": every step runs the whole sequence again (no cache), so keep the sequence within
 * the model's `n_positions` (crop from the left).
 *
 * Useful: `new Tensor(Float32Array.from(ids), [1, ids.length])`, `logits.select(1, -1)`,
 * `t.argmax(-1).item()`.
 *
 * @param model the loaded model
 * @param ids the prompt's token ids
 * @param maxNewTokens how many tokens to add
 * @returns only the new ids (not the prompt), `maxNewTokens` of them
 */
export function generate(model: GPT2, ids: readonly number[], maxNewTokens: number): number[] {
  // TODO: the loop above.
  return todo(
    "generate",
    "Which position of the logits predicts the token after the prompt, and how do you pick " +
      "the most likely one?",
  );
}
