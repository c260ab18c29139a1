/**
 * The generation loop: feed the sequence, pick the next token, append, repeat — with the
 * timings a systems course cares about (prefill, then decode tokens per second).
 *
 * @module
 */
import type { Runner } from "./session_runner.ts";
import { sampleNext, type SamplingOptions } from "./sampling.ts";

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
