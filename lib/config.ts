/**
 * GPT-2's hyper-parameters, read from a Hugging Face `config.json`.
 *
 * @module
 */

/** The sizes of a GPT-2 model, with the checkpoint's (Hugging Face's) names. */
export interface GPT2Config {
  /** Number of token ids (50257). */
  vocab_size: number;
  /** Longest sequence, the size of `wpe` (1024). */
  n_positions: number;
  /** Width of the residual stream (768 for GPT-2 small). */
  n_embd: number;
  /** Number of blocks (12). */
  n_layer: number;
  /** Attention heads per block (12); `n_embd / n_head` is the head size. */
  n_head: number;
  /** LayerNorm epsilon (1e-5). */
  layer_norm_epsilon: number;
}

/** GPT-2 small (124M), `openai-community/gpt2`. */
export const GPT2_SMALL: Readonly<GPT2Config> = Object.freeze({
  vocab_size: 50257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  layer_norm_epsilon: 1e-5,
});

/** Raised for a config file that is missing, unreadable or describes an impossible model. */
export class ConfigError extends Error {
  /** @param message what is wrong, naming the file */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Validates a parsed config object and keeps the fields the kit uses.
 *
 * @param raw the parsed JSON
 * @param source where it came from, for error messages
 * @returns the config
 * @throws {ConfigError} naming the field that is missing or wrong
 */
export function parseConfig(raw: unknown, source = "config"): GPT2Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`Cannot read "${source}": expected a JSON object`);
  }
  const r = raw as Record<string, unknown>;
  const int = (name: keyof GPT2Config, fallback?: string): number => {
    const v = r[name] ?? (fallback ? r[fallback] : undefined);
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new ConfigError(
        `Cannot read "${source}": "${name}" must be a positive integer, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  const eps = r.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0)) {
    throw new ConfigError(
      `Cannot read "${source}": "layer_norm_epsilon" must be a positive number`,
    );
  }
  const config: GPT2Config = {
    vocab_size: int("vocab_size"),
    n_positions: int("n_positions", "n_ctx"),
    n_embd: int("n_embd"),
    n_layer: int("n_layer"),
    n_head: int("n_head"),
    layer_norm_epsilon: eps,
  };
  if (config.n_embd % config.n_head !== 0) {
    throw new ConfigError(
      `Cannot read "${source}": n_embd ${config.n_embd} is not divisible by n_head ${config.n_head}`,
    );
  }
  return config;
}

/**
 * Reads and validates a Hugging Face GPT-2 `config.json`.
 *
 * @param path the file
 * @returns the config
 * @throws {ConfigError} when the file is missing, not JSON, or invalid
 */
export function loadConfig(path: string): GPT2Config {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new ConfigError(`Cannot read "${path}": ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Cannot read "${path}": not valid JSON (${(e as Error).message})`);
  }
  return parseConfig(raw, path);
}
