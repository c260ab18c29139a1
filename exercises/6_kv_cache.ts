// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 6 — the KV cache.
 *
 * In this exercise you will make generation fast. Decoding one token at a time, your stage-5
 * `generate` runs the whole sequence through the model at every step — but the keys and
 * values of the earlier positions never change (a position only looks backwards), so all that
 * work is repeated. The KV cache keeps, for every layer, the keys and values computed so far;
 * a step then runs the model on the new token alone and attends over the cache. The lecture's
 * systems view: decoding becomes one pass over the weights per token — bound by memory
 * bandwidth, not arithmetic.
 *
 * You write functions that run your stage-5 model with a cache. They use your modules' fields
 * by their checkpoint names (`attn.c_attn`, `block.ln_1`, `model.wte`, ...) and your stage-3
 * `scaledDotProductAttention`: nothing new is learnt or loaded.
 *
 * The grader prefills half of a prompt in one call, feeds the rest one token at a time, and
 * compares every step's logits with PyTorch's full recomputation; it checks that each cache
 * grows by exactly one position per step, and that greedy decoding with the cache gives the
 * reference tokens — also through the ONNX export, which then serves prefill and decode.
 *
 * Check your work: `deno task check 6`. Stuck? `deno task hint 6`.
 *
 * @module
 */
import { type GPT2Config, Tensor, todo } from "../mod.ts";
import type { CausalSelfAttention } from "./3_attention.ts";
import type { Block, GPT2 } from "./5_gpt2.ts";

/** One layer's cache: keys and values of every position so far, `[B, nh, P, hs]` each. */
export interface KV {
  /** Keys. */
  k: Tensor;
  /** Values. */
  v: Tensor;
}

/**
 * Self-attention of the new positions over the cached ones and themselves.
 *
 * Like `CausalSelfAttention.forward`, with two changes: the new keys and values are appended
 * to the cache along the time axis (`Tensor.cat([past.k, k], 2)`), and the mask must fit: the
 * new positions are `P .. P + T - 1`, and position `P + i` may attend to positions
 * `0 .. P + i` — rows `P .. P + T` and columns `0 .. P + T` of `attn.bias`.
 *
 * @param attn your stage-3 attention (weights loaded): use `attn.c_attn`, `attn.c_proj`,
 *   `attn.bias` and your stage-3 `scaledDotProductAttention`
 * @param x `[B, T, C]`: the new positions only
 * @param past the cache of the P earlier positions, or undefined for none
 * @param nHead the number of heads
 * @returns the output `[B, T, C]` and the cache grown to `P + T` positions
 */
export function attentionWithCache(
  attn: CausalSelfAttention,
  x: Tensor,
  past: KV | undefined,
  nHead: number,
): { y: Tensor; present: KV } {
  // TODO: q, k, v as in stage 3; k and v after the cached ones; the mask's rows P .. P+T.
  return todo(
    "attentionWithCache",
    "Start from your CausalSelfAttention.forward. After splitting the heads, k is " +
      "[B, nh, T, hs]: how do you put the cached keys in front of it?",
  );
}

/**
 * One block with a cache: the same residual stream as your `Block.forward`, the attention
 * through {@linkcode attentionWithCache}.
 *
 * @param block your stage-5 block: use `block.ln_1`, `block.attn`, `block.ln_2`, `block.mlp`
 * @param x `[B, T, C]`: the new positions
 * @param past this layer's cache, or undefined
 * @param nHead the number of heads
 * @returns the block's output for the new positions and the grown cache
 */
export function blockWithCache(
  block: Block,
  x: Tensor,
  past: KV | undefined,
  nHead: number,
): { y: Tensor; present: KV } {
  // TODO: x + attention(ln_1(x)) with the cache, then x + mlp(ln_2(x)).
  return todo(
    "blockWithCache",
    "Copy your Block.forward and replace the attention call: which of its results is the " +
      "new residual, and which is kept for the next step?",
  );
}

/**
 * The model on new tokens, given the caches of the earlier ones.
 *
 * @param model your stage-5 GPT-2 (weights loaded): use `model.wte`, `model.wpe`, `model.h`,
 *   `model.ln_f`
 * @param ids `[B, T]`: the new tokens (the whole prompt at first, then one at a time)
 * @param past one cache per layer, or undefined at the start
 * @param config the model's sizes (`n_layer`, `n_head`, `n_positions`)
 * @returns logits `[B, T, vocab_size]` for the new positions, and one grown cache per layer
 */
export function gpt2WithCache(
  model: GPT2,
  ids: Tensor,
  past: KV[] | undefined,
  config: GPT2Config,
): { logits: Tensor; present: KV[] } {
  // TODO: embeddings at positions P .. P+T-1, every block with its cache, ln_f, tied head.
  return todo(
    "gpt2WithCache",
    "With P cached positions, where do the new tokens sit? Their position embeddings are " +
      "wpe at P .. P + T - 1, not 0 .. T - 1. (P is past[0].k.size(2), or 0.)",
  );
}

/**
 * Greedy decoding with the cache: the prompt in one call (prefill), then one new token per
 * call, each time passing the caches the previous call returned.
 *
 * @param model your stage-5 GPT-2 (weights loaded)
 * @param ids the prompt's ids
 * @param maxNewTokens how many tokens to add
 * @param config the model's sizes
 * @returns only the new ids
 */
export function generateWithCache(
  model: GPT2,
  ids: readonly number[],
  maxNewTokens: number,
  config: GPT2Config,
): number[] {
  // TODO: prefill with the whole prompt, then feed [[next]] with the caches, maxNewTokens times.
  return todo(
    "generateWithCache",
    "The first call gets the whole prompt and no cache. What does each later call get?",
  );
}
