/**
 * Stage 6 — the KV cache (solution).
 *
 * Decoding one token at a time recomputes, at every step, the keys and values of every
 * earlier position — though they never change: position i only looks backwards. The cache
 * keeps each layer's keys and values, so a step runs the model on the new token alone and
 * attends over the cached past. These functions run your stage-5 model (its `c_attn`, `ln_1`,
 * `wte`, ... — the checkpoint's names) with a cache; nothing new is learnt, nothing new loaded.
 *
 * @module
 */
import { type GPT2Config, type nn, Tensor } from "../mod.ts";
import { type CausalSelfAttention, scaledDotProductAttention } from "./3_attention.ts";
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
 * @param attn your stage-3 attention (weights loaded)
 * @param x `[B, T, C]`: the new positions only
 * @param past the cache of the P earlier positions, or undefined for none
 * @param nHead the number of heads
 * @returns the output `[B, T, C]` and the cache grown to P + T positions
 */
export function attentionWithCache(
  attn: CausalSelfAttention,
  x: Tensor,
  past: KV | undefined,
  nHead: number,
): { y: Tensor; present: KV } {
  const [B, T, C] = x.shape;
  const [q, kNew, vNew] = attn.c_attn.forward(x).split(C, 2)
    .map((t) => t.view(B, T, nHead, C / nHead).transpose(1, 2)); // (B, nh, T, hs)
  // the cache grows along the time axis: (B, nh, P, hs) + (B, nh, T, hs) -> (B, nh, P + T, hs)
  const k = past ? Tensor.cat([past.k, kNew], 2) : kNew;
  const v = past ? Tensor.cat([past.v, vNew], 2) : vNew;
  const P = k.size(2) - T;
  // new position P + i may attend to positions 0 .. P + i: rows P .. P+T of the causal mask
  const mask = attn.bias.slice(2, P, P + T).slice(3, 0, P + T); // (1, 1, T, P + T)
  const y = scaledDotProductAttention(q, k, v, mask); // (B, nh, T, hs)
  const merged = y.transpose(1, 2).contiguous().view(B, T, C);
  return { y: attn.c_proj.forward(merged), present: { k, v } };
}

/**
 * One block with a cache: the same residual stream as `Block.forward`, attention through
 * {@linkcode attentionWithCache}.
 *
 * @param block your stage-5 block
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
  const a = attentionWithCache(block.attn, block.ln_1.forward(x), past, nHead);
  x = x.add(a.y);
  return { y: x.add(block.mlp.forward(block.ln_2.forward(x))), present: a.present };
}

/**
 * The model on new tokens, given the cache of the earlier ones.
 *
 * @param model your stage-5 GPT-2 (weights loaded)
 * @param ids `[B, T]`: the new tokens (the whole prompt at first, then one at a time)
 * @param past one cache per layer, or undefined at the start
 * @param config the model's sizes
 * @returns logits `[B, T, vocab_size]` for the new positions, and the grown caches
 */
export function gpt2WithCache(
  model: GPT2,
  ids: Tensor,
  past: KV[] | undefined,
  config: GPT2Config,
): { logits: Tensor; present: KV[] } {
  const T = ids.size(-1);
  const P = past ? past[0].k.size(2) : 0;
  if (P + T > config.n_positions) {
    throw new RangeError(
      `Cannot run ${T} new tokens after ${P} cached ones: the model was built for ` +
        `${config.n_positions}`,
    );
  }
  // the new tokens sit at positions P .. P + T - 1
  let x = model.wte.forward(ids).add(model.wpe.forward(Tensor.arange(P, P + T)));
  const present: KV[] = [];
  const blocks = model.h as nn.ModuleList<Block>;
  for (let i = 0; i < config.n_layer; i++) {
    const out = blockWithCache(blocks[i], x, past?.[i], config.n_head);
    x = out.y;
    present.push(out.present);
  }
  x = model.ln_f.forward(x);
  return { logits: x.matmul(model.wte.weight.transpose(0, 1)), present };
}

/**
 * Greedy decoding with the cache: the prompt in one call (prefill), then one token per call.
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
  const out: number[] = [];
  let past: KV[] | undefined;
  let input = new Tensor(Float32Array.from(ids), [1, ids.length]);
  for (let i = 0; i < maxNewTokens; i++) {
    const { logits, present } = gpt2WithCache(model, input, past, config);
    const next = logits.select(1, -1).argmax(-1).item(); // the last position predicts the next
    out.push(next);
    past = present;
    input = new Tensor(Float32Array.from([next]), [1, 1]); // only the new token next time
  }
  return out;
}
