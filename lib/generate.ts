/**
 * The generation loop: feed the sequence, pick the next token, append, repeat — with the
 * timings a systems course cares about (prefill, then decode tokens per second).
 *
 * @module
 */
import type { Runner } from "./session_runner.ts";
import { argmax, sampleNext, type SamplingOptions } from "./sampling.ts";

/** GPT-2's `<|endoftext|>` id: the start of an empty prompt. */
export const END_OF_TEXT = 50256;

/** Options of {@linkcode generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** How many tokens to add. */
  maxNewTokens: number;
  /**
   * The model's context window (`n_positions`). Beyond it the window slides: each step feeds
   * only the last `nPositions` tokens, so the model no longer sees the oldest ones (and a KV
   * cache cannot be extended: every step runs the whole window again).
   */
  nPositions: number;
  /**
   * Called with each new token as soon as it is chosen (for streaming).
   *
   * @param id the new token
   * @param all every new token so far
   */
  onToken?: (id: number, all: readonly number[]) => void;
}

/** What {@linkcode generate} returns. */
export interface GenerateResult {
  /** The prompt's ids as fed (an empty prompt becomes `[<|endoftext|>]`). */
  promptIds: number[];
  /** The new tokens. */
  ids: number[];
  /** Time to the first new token (the prompt's forward pass), in milliseconds. */
  prefillMs: number;
  /** New tokens per second after the first (0 when only one was made). */
  tokensPerSecond: number;
  /**
   * The index (in `ids`) of the first new token chosen from a sliding window, when the
   * sequence outgrew `nPositions`: from it on, the oldest tokens were no longer seen.
   */
  windowFrom?: number;
}

/**
 * Continues a prompt.
 *
 * @param runner the model on its backend
 * @param promptIds the prompt's token ids
 * @param options how many tokens and how to choose them
 * @returns the new ids and the timings
 * @example
 * ```ts ignore
 * const runner = await createRunner(model, config);
 * const { ids } = await generate(runner, [464, 3290], { maxNewTokens: 18, nPositions: 1024 });
 * ```
 */
export async function generate(
  runner: Runner,
  promptIds: readonly number[],
  options: GenerateOptions,
): Promise<GenerateResult> {
  const seq = promptIds.length ? [...promptIds] : [END_OF_TEXT];
  const fed = [...seq];
  const ids: number[] = [];
  const started = performance.now();
  let firstAt = started;
  let windowFrom: number | undefined;
  for (let i = 0; i < options.maxNewTokens; i++) {
    if (seq.length > options.nPositions) windowFrom ??= i;
    const logits = await runner.nextLogits(seq.slice(-options.nPositions));
    const id = sampleNext(logits, options);
    if (i === 0) firstAt = performance.now();
    seq.push(id);
    ids.push(id);
    options.onToken?.(id, ids);
  }
  const decodeMs = performance.now() - firstAt;
  return {
    promptIds: fed,
    ids,
    prefillMs: firstAt - started,
    tokensPerSecond: ids.length > 1 && decodeMs > 0 ? (ids.length - 1) / (decodeMs / 1000) : 0,
    ...(windowFrom === undefined ? {} : { windowFrom }),
  };
}

/**
 * Teacher forcing: the greedy next token after each prefix of `ids` that holds at least `from`
 * tokens, so that `result[i]` is what greedy decoding picks after `ids.slice(0, from + i)`. When
 * `ids` continues a prompt of `from` tokens with the tokens greedy decoding would add, the result
 * is that continuation plus its next token; it differs first where decoding would. A runner with
 * every position's logits does it in one pass; any other runs each prefix.
 *
 * @param runner the model on its backend
 * @param ids the prompt and its continuation
 * @param from the prompt's length (at least 1)
 * @param nPositions the model's context window: a longer `ids` runs prefix by prefix, each on
 *   its last `nPositions` tokens, as {@linkcode generate} does
 * @returns `ids.length - from + 1` ids
 * @example
 * ```ts ignore
 * const runner = await createRunner(model, config, { everyPosition: true });
 * const next = await greedyEach(runner, [464, 3290, 318], 2, 1024); // after [464, 3290], then all 3
 * ```
 */
export async function greedyEach(
  runner: Runner,
  ids: readonly number[],
  from: number,
  nPositions: number,
): Promise<number[]> {
  if (runner.allLogits && ids.length <= nPositions) {
    const logits = await runner.allLogits(ids);
    const vocab = logits.length / ids.length;
    return Array.from(
      { length: ids.length - from + 1 },
      (_, i) => argmax(logits.subarray((from + i - 1) * vocab, (from + i) * vocab)),
    );
  }
  const next: number[] = [];
  for (let n = from; n <= ids.length; n++) {
    next.push(argmax(await runner.nextLogits(ids.slice(Math.max(0, n - nPositions), n))));
  }
  return next;
}
