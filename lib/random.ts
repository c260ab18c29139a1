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

/**
 * Reseeds the generator that layers use to initialise their weights, like `torch.manual_seed`.
 *
 * @param seed the new seed
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/**
 * A tensor of normal samples with mean 0 and standard deviation `std`.
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
  rng.fillNormal(data, std);
  return new Tensor(data, s);
}

/**
 * A tensor of uniform samples in `[low, high)`.
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
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(data, s);
}
