/**
 * The reference GPT-2 the studio shows beside the learner's: the library's functional ops
 * (`F.layerNorm`, `F.gelu`, `F.scaledDotProductAttention`, `matmul`) composed into GPT-2 and
 * applied to a checkpoint's tensors as they are (no module is built, so nothing is initialised
 * and nothing is copied). It runs in the studio's server, on the weights the studio was
 * started with; the sandboxed learner code cannot read this file.
 *
 * @module
 */
import type { GPT2Config } from "../lib/config.ts";
import * as F from "../lib/functional.ts";
import type { StateDict } from "../lib/module.ts";
import { Tensor } from "../lib/tensor.ts";

/**
 * GPT-2 on a checkpoint's tensors (the real checkpoint's key names).
 *
 * @example
 * ```ts ignore
 * import { ReferenceGPT2 } from "./reference_model.ts";
 * const model = new ReferenceGPT2(config, loadStateDict("data/tiny/model.safetensors"));
 * model.forward(idsTensor([464, 3290])).shape; // [1, 2, 50257]
 * ```
 */
export class ReferenceGPT2 {
  /**
   * @param config the model's sizes
   * @param weights the checkpoint's tensors
   */
  constructor(readonly config: GPT2Config, readonly weights: StateDict) {}

  /**
   * @param ids `[B, T]` token ids
   * @returns `[B, T, vocab_size]` logits
   */
  forward(ids: Tensor): Tensor {
    let x = this.#embed(ids);
    for (let i = 0; i < this.config.n_layer; i++) x = this.#block(i, x);
    return this.#layerNorm("ln_f", x).matmul(this.#w("wte.weight").transpose(0, 1)); // tied head
  }

  /**
   * The input of block 0's attention (`ln_1` of the embeddings), what stage 3's module sees.
   *
   * @param ids `[1, T]` token ids
   * @returns `[1, T, C]`
   */
  attentionInput(ids: Tensor): Tensor {
    return this.#layerNorm("h.0.ln_1", this.#embed(ids));
  }

  #w(key: string): Tensor {
    const t = this.weights[key];
    if (!t) throw new RangeError(`The model file has no "${key}": it is not a GPT-2 checkpoint`);
    return t;
  }

  #embed(ids: Tensor): Tensor {
    const positions = Tensor.arange(ids.size(-1));
    return F.embedding(ids, this.#w("wte.weight")).add(
      F.embedding(positions, this.#w("wpe.weight")),
    );
  }

  #layerNorm(prefix: string, x: Tensor): Tensor {
    const eps = this.config.layer_norm_epsilon;
    return F.layerNorm(x, this.#w(`${prefix}.weight`), this.#w(`${prefix}.bias`), eps);
  }

  // OpenAI's Conv1D: weight [in, out]
  #conv1d(prefix: string, x: Tensor): Tensor {
    return x.matmul(this.#w(`${prefix}.weight`)).add(this.#w(`${prefix}.bias`));
  }

  #block(i: number, x: Tensor): Tensor {
    const [B, T, C] = x.shape, nh = this.config.n_head, h = `h.${i}`;
    const [q, k, v] = this.#conv1d(`${h}.attn.c_attn`, this.#layerNorm(`${h}.ln_1`, x))
      .split(C, 2)
      .map((t) => t.view(B, T, nh, C / nh).transpose(1, 2)); // (B, nh, T, hs)
    const y = F.scaledDotProductAttention(q, k, v, { causal: true });
    x = x.add(this.#conv1d(`${h}.attn.c_proj`, y.transpose(1, 2).contiguous().view(B, T, C)));
    const m = F.gelu(this.#conv1d(`${h}.mlp.c_fc`, this.#layerNorm(`${h}.ln_2`, x)), "tanh");
    return x.add(this.#conv1d(`${h}.mlp.c_proj`, m));
  }
}
