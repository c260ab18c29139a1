/**
 * Functional ops, like `torch.nn.functional`: each is a few lines of tensor primitives with
 * the formula in plain sight. These are the kit's reference implementations: the grader
 * compares learners' code against them.
 *
 * Softmax, layer norm and GELU are recorded as one ONNX node each when traced.
 *
 * @module
 */
import { Tensor } from "./tensor.ts";
import { formatShape, normalizeDim } from "./shape.ts";
import { composite } from "./trace_hook.ts";
import { available } from "./withheld.ts";

/**
 * Softmax along `dim`: `exp(x - max) / sum(exp(x - max))`. Subtracting the row maximum first
 * keeps `exp` from overflowing on large scores without changing the result.
 *
 * @param x any shape
 * @param dim the dimension that sums to 1
 * @returns the probabilities, same shape
 * @example
 * ```ts
 * import { softmax } from "./functional.ts";
 * import { tensor } from "./tensor.ts";
 * softmax(tensor([1000, 1000])).toNested(); // [0.5, 0.5]
 * ```
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const d = normalizeDim(dim, x.ndim, "softmax");
  return composite("Softmax", [x], { axis: d }, () => {
    const e = x.sub(x.max(d, true)).exp();
    return e.div(e.sum(d, true));
  });
}

/**
 * GELU activation. `"tanh"` is GPT-2's `gelu_new`:
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`; `"none"` is the exact
 * `0.5 x (1 + erf(x / sqrt(2)))`. They differ by up to about 1e-3.
 *
 * @param x any shape
 * @param approximate `"tanh"` (GPT-2) or `"none"` (exact, PyTorch's default)
 * @returns the activations, same shape
 */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  available("F.gelu");
  return composite("Gelu", [x], { approximate }, () => {
    if (approximate === "tanh") {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return x.mul(0.5).mul(inner.tanh().add(1));
    }
    return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
  });
}

/**
 * Layer normalisation over the last dimension:
 * `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance (divide by n).
 *
 * @param x `[..., C]`
 * @param weight `[C]`
 * @param bias `[C]`
 * @param eps added to the variance (GPT-2: 1e-5)
 * @returns `[..., C]`
 */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  available("F.layerNorm");
  const c = x.shape[x.ndim - 1];
  if (weight.shape.length !== 1 || weight.shape[0] !== c || bias.shape[0] !== c) {
    throw new RangeError(
      `layerNorm: input ${formatShape(x.shape)} needs weight and bias of shape [${c}], got ` +
        `${formatShape(weight.shape)} and ${formatShape(bias.shape)}`,
    );
  }
  return composite("LayerNormalization", [x, weight, bias], { axis: -1, epsilon: eps }, () => {
    const mean = x.mean(-1, true);
    const centered = x.sub(mean);
    const variance = centered.mul(centered).mean(-1, true);
    return centered.div(variance.add(eps).sqrt()).mul(weight).add(bias);
  });
}

/**
 * `x · weightᵀ + bias`, as `torch.nn.functional.linear` (weight is `[out, in]`).
 *
 * @param x `[..., in]`
 * @param weight `[out, in]`
 * @param bias `[out]`, optional
 * @returns `[..., out]`
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const y = x.matmul(weight.transpose(0, 1));
  return bias ? y.add(bias) : y;
}

/**
 * Looks rows of `weight` up by id: `weight[ids]`.
 *
 * @param ids integer ids, any shape
 * @param weight `[num, dim]`
 * @returns `[...ids.shape, dim]`
 * @throws {RangeError} for an id outside `[0, num)`
 */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  available("F.embedding");
  return weight.indexSelect(0, ids);
}

/** Options of {@linkcode scaledDotProductAttention}. */
export interface AttentionOptions {
  /**
   * Query `i` may attend to key `j` only when `j <= i + (Tk - Tq)`: the usual causal mask when
   * `Tq == Tk`, aligned to the end when queries are the last `Tq` of `Tk` positions (decoding
   * with a KV cache). (PyTorch's `is_causal` aligns to the start when `Tq != Tk`.)
   */
  causal?: boolean;
  /** `[..., Tq, Tk]`, broadcastable: 1 where attending is allowed, 0 where it is not. */
  mask?: Tensor;
  /** Multiplies the scores; default `1 / sqrt(head_dim)`. */
  scale?: number;
}

/**
 * The reference scaled dot-product attention:
 * `softmax(q kᵀ · scale, masked to -inf where not allowed) v`.
 *
 * @param q `[..., Tq, d]`
 * @param k `[..., Tk, d]`
 * @param v `[..., Tk, dv]`
 * @param options causal mask, explicit mask, scale
 * @returns `[..., Tq, dv]`
 * @example
 * ```ts
 * import { scaledDotProductAttention } from "./functional.ts";
 * import { randn } from "./random.ts";
 * const q = randn([1, 12, 5, 64]);
 * const y = scaledDotProductAttention(q, q, q, { causal: true }); // [1, 12, 5, 64]
 * ```
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): Tensor {
  available("F.scaledDotProductAttention");
  const [tq, d] = q.shape.slice(-2), tk = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== d || v.shape[v.ndim - 2] !== tk) {
    throw new RangeError(
      `scaledDotProductAttention: q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and ` +
        `v ${
          formatShape(v.shape)
        } do not fit (need q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv])`,
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale); // (..., Tq, Tk)
  if (options.causal) {
    const allowed = Tensor.ones([tq, tk]).tril(tk - tq);
    scores = scores.maskedFill(allowed.eq(0), -Infinity);
  }
  if (options.mask) scores = scores.maskedFill(options.mask.eq(0), -Infinity);
  return softmax(scores, -1).matmul(v);
}
