/**
 * Random tensors from a small seeded generator ({@linkcode Rng}, in `rng.ts`), so that random
 * weights, sampling and tests are reproducible from a seed.
 *
 * @module
 */
import { Rng } from "./rng.ts";
import { Tensor } from "./tensor.ts";
import { checkShape, numelOf, type Shape } from "./shape.ts";

export { Rng };

let globalRng = new Rng(0);
let drawing = true;

/**
 * Reseeds the generator that layers use to initialise their weights, like `torch.manual_seed`.
 *
 * @param seed the new seed
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/**
 * Builds modules without drawing their initial weights: inside `build`, {@linkcode randn} and
 * {@linkcode rand} on the global generator give zeros (memory the process never touches), and the
 * generator stays where it was. For modules whose every weight a checkpoint replaces next, as
 * Hugging Face's `from_pretrained` skips initialisation (`no_init_weights`): on a 124M-parameter
 * GPT-2 that saves drawing and writing half a gigabyte that loading then throws away.
 *
 * @param build what builds the modules
 * @returns what it returns
 * @example
 * ```ts
 * import { Linear } from "./layers.ts";
 * import { withoutInit } from "./random.ts";
 * const layer = withoutInit(() => new Linear(768, 2304));
 * layer.weight.data[0]; // 0, until a state dict is loaded into it
 * ```
 */
export function withoutInit<T>(build: () => T): T {
  const before = drawing;
  drawing = false;
  try {
    return build();
  } finally {
    drawing = before;
  }
}

/**
 * A tensor of normal samples with mean 0 and standard deviation `std` (zeros from the global
 * generator inside {@linkcode withoutInit}).
 *
 * @param shape the shape
 * @param options `std` (default 1) and `rng` (default: the global generator)
 * @returns the new tensor
 * @example
 * ```ts
 * import { randn, Rng } from "./random.ts";
 * const w = randn([768, 2304], { std: 0.02, rng: new Rng(0) });
 * ```
 */
export function randn(shape: Shape, options: { std?: number; rng?: Rng } = {}): Tensor {
  const { std = 1, rng = globalRng } = options;
  const s = checkShape(shape, "randn");
  const data = new Float32Array(numelOf(s));
  if (drawing || options.rng) rng.fillNormal(data, std);
  return new Tensor(data, s);
}

/**
 * A tensor of uniform samples in `[low, high)` (zeros from the global generator inside
 * {@linkcode withoutInit}).
 *
 * @param shape the shape
 * @param options `low` (default 0), `high` (default 1) and `rng` (default: the global generator)
 * @returns the new tensor
 */
export function rand(
  shape: Shape,
  options: { low?: number; high?: number; rng?: Rng } = {},
): Tensor {
  const { low = 0, high = 1, rng = globalRng } = options;
  const s = checkShape(shape, "rand");
  const data = new Float32Array(numelOf(s));
  if (!drawing && !options.rng) return new Tensor(data, s);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(data, s);
}
