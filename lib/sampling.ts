/**
 * Choosing the next token from logits: greedy (argmax), or sampling with a temperature,
 * top-k and top-p (nucleus) filtering, from a seeded generator so a run can be repeated.
 *
 * @module
 */
import type { Rng } from "./rng.ts";

/** How to pick the next token. */
export interface SamplingOptions {
  /** Divides the logits: below 1 sharper, above 1 flatter; 0 means greedy. */
  temperature?: number;
  /** Keep only the `topK` most likely tokens (0 or undefined: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches `topP` (1: all). */
  topP?: number;
  /** The generator (needed unless greedy). */
  rng?: Rng;
}

/**
 * The index of the largest logit (the first one on ties).
 *
 * @param logits one row of logits
 * @returns the token id
 */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * Picks the next token.
 *
 * @param logits the last position's logits `[vocab]`
 * @param options temperature, top-k, top-p and the generator; greedy when the temperature is 0
 *   or missing
 * @returns the token id
 * @throws {RangeError} for a negative temperature, top-k or a top-p outside (0, 1]
 * @example
 * ```ts
 * import { sampleNext } from "./sampling.ts";
 * import { Rng } from "./random.ts";
 * sampleNext(new Float32Array([0, 5, 1]), {}); // 1 (greedy)
 * sampleNext(new Float32Array([0, 5, 1]), { temperature: 1, topK: 2, rng: new Rng(0) });
 * ```
 */
export function sampleNext(logits: ArrayLike<number>, options: SamplingOptions): number {
  const { temperature = 0, topK = 0, topP = 1, rng } = options;
  if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  if (!(topK >= 0) || !Number.isInteger(topK)) {
    throw new RangeError(`top-k must be a whole number >= 0, got ${topK}`);
  }
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${topP}`);
  if (temperature === 0) return argmax(logits);
  if (!rng) throw new RangeError("sampling needs a seeded generator (rng)");
  // candidates, most likely first
  const order = Array.from({ length: logits.length }, (_, i) => i)
    .sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const max = logits[kept[0]];
  const weights = kept.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  // nucleus: the shortest prefix whose probability reaches topP
  let cut = kept.length, mass = 0;
  for (let i = 0; i < kept.length; i++) {
    mass += weights[i] / total;
    if (mass >= topP) {
      cut = i + 1;
      break;
    }
  }
  const nucleus = weights.slice(0, cut);
  let r = rng.uniform() * nucleus.reduce((a, b) => a + b, 0);
  for (let i = 0; i < cut; i++) {
    r -= nucleus[i];
    if (r < 0) return kept[i];
  }
  return kept[cut - 1];
}

/**
 * The `k` most likely tokens and their probabilities (the softmax of the logits), most likely
 * first: what a picture of the next-token distribution shows.
 *
 * @param logits one row of logits
 * @param k how many
 * @returns ids and probabilities
 * @example
 * ```ts
 * import { topProbabilities } from "./sampling.ts";
 * topProbabilities(new Float32Array([0, Math.log(3)]), 1); // [{ id: 1, p: 0.75 }]
 * ```
 */
export function topProbabilities(
  logits: ArrayLike<number>,
  k: number,
): { id: number; p: number }[] {
  const max = logits[argmax(logits)];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  const top: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    if (top.length === k && logits[i] <= logits[top[k - 1]]) continue;
    let at = top.findIndex((j) => logits[i] > logits[j]);
    if (at < 0) at = top.length;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top.map((id) => ({ id, p: Math.exp(logits[id] - max) / total }));
}
