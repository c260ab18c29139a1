/**
 * Reference layers, like `torch.nn`'s, with PyTorch's (and GPT-2's) parameter names and
 * shapes. Weights start random (normal, std 0.02, from the generator seeded by
 * `manualSeed`) until a state dict is loaded.
 *
 * @module
 */
import { Module } from "./module.ts";
import { Tensor } from "./tensor.ts";
import { randn, Rng } from "./random.ts";
import { embedding, gelu, layerNorm, linear } from "./functional.ts";
import { available } from "./withheld.ts";

const INIT_STD = 0.02;

/**
 * `y = x Wᵀ + b` with `weight` `[out, in]`, as `torch.nn.Linear`.
 *
 * @example
 * ```ts
 * import { Linear } from "./layers.ts";
 * import { Tensor } from "./tensor.ts";
 * new Linear(3, 2).forward(Tensor.ones([5, 3])).shape; // [5, 2]
 * ```
 */
export class Linear extends Module {
  /** `[out, in]` */
  weight: Tensor;
  /** `[out]`, when the layer has a bias */
  bias?: Tensor;

  /**
   * @param inFeatures input size
   * @param outFeatures output size
   * @param bias whether to add a bias
   */
  constructor(inFeatures: number, outFeatures: number, bias = true) {
    super();
    this.weight = randn([outFeatures, inFeatures], { std: INIT_STD });
    if (bias) this.bias = Tensor.zeros([outFeatures]);
  }

  /**
   * @param x `[..., in]`
   * @returns `[..., out]`
   */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/**
 * OpenAI's `Conv1D`: a linear layer whose weight is stored `[in, out]` (the transpose of
 * `Linear`'s), so `y = x W + b`. GPT-2's checkpoint uses it for `c_attn`, `c_proj` and `c_fc`.
 */
export class Conv1D extends Module {
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
    this.weight = randn([inFeatures, outFeatures], { std: INIT_STD });
    this.bias = Tensor.zeros([outFeatures]);
  }

  /**
   * @param x `[..., in]`
   * @returns `[..., out]`
   */
  forward(x: Tensor): Tensor {
    available("nn.Conv1D");
    return x.matmul(this.weight).add(this.bias);
  }
}

/** A lookup table `weight` `[num, dim]`: row `i` is the vector of id `i`. */
export class Embedding extends Module {
  /** `[numEmbeddings, embeddingDim]` */
  weight: Tensor;

  /**
   * @param numEmbeddings number of rows (ids `0..num-1`)
   * @param embeddingDim size of each vector
   */
  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    this.weight = randn([numEmbeddings, embeddingDim], { std: INIT_STD });
  }

  /**
   * @param ids integer ids, any shape
   * @returns `[...ids.shape, dim]`
   * @throws {RangeError} for an id outside `[0, num)`
   */
  forward(ids: Tensor): Tensor {
    available("nn.Embedding");
    return embedding(ids, this.weight);
  }
}

/** Layer normalisation over the last dimension, with learnt `weight` and `bias`. */
export class LayerNorm extends Module {
  /** `[dim]`, starts at 1 */
  weight: Tensor;
  /** `[dim]`, starts at 0 */
  bias: Tensor;

  /**
   * @param dim size of the normalised (last) dimension
   * @param eps added to the variance (GPT-2: 1e-5)
   */
  constructor(dim: number, readonly eps = 1e-5) {
    super();
    this.weight = Tensor.ones([dim]);
    this.bias = Tensor.zeros([dim]);
  }

  /**
   * @param x `[..., dim]`
   * @returns `[..., dim]`
   */
  forward(x: Tensor): Tensor {
    available("nn.LayerNorm");
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** The GELU activation: `"tanh"` (GPT-2's `gelu_new`) or `"none"` (exact). */
export class GELU extends Module {
  /** @param approximate `"tanh"` or `"none"` */
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }

  /**
   * @param x any shape
   * @returns same shape
   */
  forward(x: Tensor): Tensor {
    available("nn.GELU");
    return gelu(x, this.approximate);
  }
}

/** Dropout: the identity at inference; in training, zeroes elements with probability `p`. */
export class Dropout extends Module {
  #rng: Rng;

  /**
   * @param p probability of zeroing an element during training
   * @param seed seed of the dropout mask generator
   */
  constructor(readonly p = 0.1, seed = 0) {
    super();
    this.#rng = new Rng(seed);
  }

  /**
   * @param x any shape
   * @returns `x` at inference; `x * mask / (1 - p)` in training
   */
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const kept = Float32Array.from({ length: x.numel }, () => this.#rng.uniform() < this.p ? 0 : 1);
    const mask = new Tensor(kept, x.shape);
    return x.mul(mask).div(1 - this.p);
  }
}
