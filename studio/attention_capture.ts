/**
 * Finds a model's attention weights in its forward pass, whatever code computed them: the
 * forward runs eagerly while a recorder (the hook the ONNX exporter traces with) watches every
 * tensor op, and the weights are the `[..., T, T]` matrices that a product multiplies the
 * values by.
 *
 * How they are recognised: `q kᵀ` is a `MatMul` of two tensors computed from the input (not a
 * layer's product with one of the model's weights) whose result is `T × T` in its last two
 * dimensions (the scores); whatever is computed from the scores without another `MatMul`
 * (scaling, masking, a softmax written with `F.softmax` or by hand) is still "from the
 * scores"; and the first input of the next `MatMul` that is from the scores is the weights.
 * No number is recomputed: the captured tensors are the ones the model's own code made.
 *
 * @module
 */
import { Tensor } from "../lib/tensor.ts";
import { type OpRecorder, withRecorder } from "../lib/trace_hook.ts";

/** The attention weights of one forward pass, or why they could not be told apart. */
export type CapturedAttention =
  | {
    /** `[matrices, T, T]`: every head of every layer, in the order the forward made them. */
    weights: Tensor;
  }
  | {
    /** How many `T × T` weight matrices were found (not the number expected). */
    found: number;
  };

class Recorder implements OpRecorder {
  readonly #fromScores = new WeakSet<Tensor>();
  readonly #constant: WeakSet<Tensor>;
  /** Weight tensors, in the order the forward multiplied values by them. */
  readonly weights: Tensor[] = [];

  constructor(readonly T: number, constants: Iterable<Tensor>) {
    this.#constant = new WeakSet(constants);
  }

  #square(t: Tensor): boolean {
    const n = t.ndim;
    return n >= 2 && t.shape[n - 1] === this.T && t.shape[n - 2] === this.T;
  }

  record(op: string, inputs: readonly Tensor[], _attrs: unknown, output: Tensor): void {
    const constant = (t: Tensor) => this.#constant.has(t);
    if (inputs.every(constant)) this.#constant.add(output);
    if (op === "MatMul") {
      const [a, b] = inputs;
      if (this.#fromScores.has(a) && this.#square(a)) this.weights.push(a);
      // q kᵀ: two tensors computed from the input (a layer's product has a weight operand)
      else if (this.#square(output) && !constant(a) && !constant(b)) this.#fromScores.add(output);
    } else if (inputs.some((t) => this.#fromScores.has(t))) this.#fromScores.add(output);
  }

  rawRead(): void {
    // reading numbers is allowed: this recorder builds no graph
  }
}

/** What {@linkcode captureAttention} looks for. */
export interface CaptureOptions {
  /** The sequence length. */
  T: number;
  /** How many `T × T` matrices to expect (heads × layers). */
  matrices: number;
  /** The model's parameters and buffers: a product with one of them is a layer, not `q kᵀ`. */
  constants: Iterable<Tensor>;
}

/**
 * Runs `forward` and captures the attention weights it computes for a sequence of `T` tokens
 * (batch 1).
 *
 * @param forward the model's forward pass
 * @param o the sequence length, the number of matrices expected, the model's weights
 * @returns the weights `[matrices, T, T]`, or how many matrices were found instead
 * @example
 * ```ts
 * import { captureAttention } from "./attention_capture.ts";
 * import { softmax } from "../lib/functional.ts";
 * import { Tensor } from "../lib/tensor.ts";
 * const q = Tensor.ones([1, 2, 3, 4]);
 * const attend = () => softmax(q.matmul(q.transpose(-2, -1)), -1).matmul(q);
 * captureAttention(attend, { T: 3, matrices: 2, constants: [] });
 * // { weights }: two heads of 3 × 3 weights, each row 1/3, 1/3, 1/3
 * ```
 */
export function captureAttention(forward: () => unknown, o: CaptureOptions): CapturedAttention {
  const { T, matrices } = o;
  const recorder = new Recorder(T, o.constants);
  withRecorder(recorder, forward);
  const found = recorder.weights.reduce((n, w) => n + w.numel / (T * T), 0);
  if (found !== matrices) return { found };
  const parts = recorder.weights.map((w) => w.contiguous().view(w.numel / (T * T), T, T));
  return { weights: parts.length === 1 ? parts[0] : Tensor.cat(parts, 0) };
}
