/**
 * `deno task random-gpt2`: writes a GPT-2 with seeded random weights, for scale tests of the
 * kit on a model the size of the real one without downloading it.
 *
 * ```
 * deno task random-gpt2 --out-dir DIR [--seed S] [--n-layer 12] [--n-embd 768] [--n-head 12]
 *   [--n-positions 1024] [--vocab 50257]
 * ```
 *
 * `DIR/model.safetensors` holds exactly the real checkpoint's keys (Hugging Face
 * `openai-community/gpt2`: no `transformer.` prefix, the `h.N.attn.bias` causal-mask buffers,
 * no `lm_head.weight`), sorted by name, all F32: weights normal with std 0.02 (GPT-2's
 * initialisation), biases 0, LayerNorm weights 1. `DIR/config.json` is a Hugging Face-style
 * config. The defaults are GPT-2 small (124M parameters, a 548 MB file); the same seed always
 * gives the same bytes. Exit code 2 for bad arguments, 1 when the files cannot be written.
 *
 * @module
 */
import { saveStateDict } from "../lib/checkpoint.ts";
import { ConfigError, GPT2_SMALL, type GPT2Config, parseConfig } from "../lib/config.ts";
import type { StateDict } from "../lib/module.ts";
import { randn, Rng } from "../lib/random.ts";
import { Tensor } from "../lib/tensor.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task random-gpt2 --out-dir DIR [options]

Writes DIR/config.json and DIR/model.safetensors: a GPT-2 with the real checkpoint's keys and
seeded random weights (std 0.02, biases 0, LayerNorm weights 1). Defaults: GPT-2 small (124M).

Options:
  --out-dir DIR        where to write (created if needed; existing files are replaced)
  --seed S             random seed (default 0)
  --n-layer N          blocks (default ${GPT2_SMALL.n_layer})
  --n-embd N           width (default ${GPT2_SMALL.n_embd})
  --n-head N           attention heads; must divide --n-embd (default ${GPT2_SMALL.n_head})
  --n-positions N      context length (default ${GPT2_SMALL.n_positions})
  --vocab N            vocabulary size (default ${GPT2_SMALL.vocab_size})
  --help               this text`;

/** Standard deviation of the random weights: GPT-2's initialisation. */
const INIT_STD = 0.02;

/**
 * The keys and shapes of a GPT-2 checkpoint with these sizes, in the model's order
 * (`wte`, `wpe`, `h.0.*` ... `h.{n_layer-1}.*`, `ln_f`). Conv1D weights are `[in, out]`.
 *
 * @param config the model's sizes
 * @returns key -> shape; 160 keys for GPT-2 small
 * @example
 * ```ts
 * import { checkpointShapes } from "./random_gpt2.ts";
 * import { GPT2_SMALL } from "../lib/config.ts";
 * checkpointShapes(GPT2_SMALL)["h.0.attn.c_attn.weight"]; // [768, 2304]
 * ```
 */
export function checkpointShapes(config: GPT2Config): Record<string, number[]> {
  const { vocab_size: V, n_positions: P, n_embd: C } = config;
  const shapes: Record<string, number[]> = { "wte.weight": [V, C], "wpe.weight": [P, C] };
  for (let i = 0; i < config.n_layer; i++) {
    Object.assign(shapes, {
      [`h.${i}.ln_1.weight`]: [C],
      [`h.${i}.ln_1.bias`]: [C],
      [`h.${i}.attn.bias`]: [1, 1, P, P],
      [`h.${i}.attn.c_attn.weight`]: [C, 3 * C],
      [`h.${i}.attn.c_attn.bias`]: [3 * C],
      [`h.${i}.attn.c_proj.weight`]: [C, C],
      [`h.${i}.attn.c_proj.bias`]: [C],
      [`h.${i}.ln_2.weight`]: [C],
      [`h.${i}.ln_2.bias`]: [C],
      [`h.${i}.mlp.c_fc.weight`]: [C, 4 * C],
      [`h.${i}.mlp.c_fc.bias`]: [4 * C],
      [`h.${i}.mlp.c_proj.weight`]: [4 * C, C],
      [`h.${i}.mlp.c_proj.bias`]: [C],
    });
  }
  return Object.assign(shapes, { "ln_f.weight": [C], "ln_f.bias": [C] });
}

/**
 * A GPT-2 state dict with seeded random weights: matrices normal with std 0.02, biases 0,
 * LayerNorm weights 1, `attn.bias` the lower-triangular causal mask. Keys sorted by name.
 *
 * @param config the model's sizes
 * @param seed the random seed: equal seeds give equal weights
 * @returns the state dict, loadable strictly into a GPT-2 with these sizes
 * @example
 * ```ts
 * import { randomGpt2 } from "./random_gpt2.ts";
 * const config = { vocab_size: 10, n_positions: 8, n_embd: 4, n_layer: 1, n_head: 2, layer_norm_epsilon: 1e-5 };
 * randomGpt2(config, 0)["h.0.attn.bias"].shape; // [1, 1, 8, 8]
 * ```
 */
export function randomGpt2(config: GPT2Config, seed: number): StateDict {
  const rng = new Rng(seed);
  const P = config.n_positions;
  const mask = Tensor.ones([P, P]).tril().view(1, 1, P, P);
  const sd: StateDict = {};
  // drawn in the model's order, so that a key's values do not depend on the sort below
  for (const [key, shape] of Object.entries(checkpointShapes(config))) {
    if (key.endsWith(".attn.bias")) sd[key] = mask; // the causal mask buffer, not a bias
    else if (/ln_(1|2|f)\.weight$/.test(key)) sd[key] = Tensor.ones(shape);
    else if (key.endsWith(".bias")) sd[key] = Tensor.zeros(shape);
    else sd[key] = randn(shape, { std: INIT_STD, rng });
  }
  return Object.fromEntries(Object.entries(sd).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The Hugging Face `config.json` of a GPT-2 with these sizes (the fields of
 * `openai-community/gpt2`'s, with `n_ctx` equal to `n_positions`).
 *
 * @param config the model's sizes
 * @returns the JSON object, keys sorted
 */
export function hfConfig(config: GPT2Config): Record<string, unknown> {
  return {
    activation_function: "gelu_new",
    architectures: ["GPT2LMHeadModel"],
    attn_pdrop: 0.1,
    bos_token_id: 50256,
    embd_pdrop: 0.1,
    eos_token_id: 50256,
    initializer_range: INIT_STD,
    layer_norm_epsilon: config.layer_norm_epsilon,
    model_type: "gpt2",
    n_ctx: config.n_positions,
    n_embd: config.n_embd,
    n_head: config.n_head,
    n_layer: config.n_layer,
    n_positions: config.n_positions,
    resid_pdrop: 0.1,
    vocab_size: config.vocab_size,
  };
}

/**
 * Writes `config.json` and `model.safetensors` into `outDir` (created if needed), each
 * atomically: a temporary file renamed into place.
 *
 * @param outDir the directory
 * @param config the model's sizes
 * @param seed the random seed
 * @returns the two files' paths
 */
export async function writeRandomGpt2(
  outDir: string,
  config: GPT2Config,
  seed: number,
): Promise<{ configPath: string; weightsPath: string }> {
  await Deno.mkdir(outDir, { recursive: true });
  const configPath = `${outDir}/config.json`, weightsPath = `${outDir}/model.safetensors`;
  saveStateDict(weightsPath, randomGpt2(config, seed), {
    format: "pt",
    producer: "commands/random_gpt2.ts",
    seed: String(seed),
  });
  await writeFileAtomic(configPath, JSON.stringify(hfConfig(config), null, 2) + "\n");
  return { configPath, weightsPath };
}

function integer(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new UsageError(`--${flag} takes an integer >= ${min}, got "${text}"`);
  }
  return Number(text);
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandLine(argv, {
    "out-dir": { type: "string" },
    seed: { type: "string", default: "0" },
    "n-layer": { type: "string", default: String(GPT2_SMALL.n_layer) },
    "n-embd": { type: "string", default: String(GPT2_SMALL.n_embd) },
    "n-head": { type: "string", default: String(GPT2_SMALL.n_head) },
    "n-positions": { type: "string", default: String(GPT2_SMALL.n_positions) },
    vocab: { type: "string", default: String(GPT2_SMALL.vocab_size) },
    help: { type: "boolean", default: false },
  }, 0);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const outDir = v["out-dir"];
  if (!outDir) throw new UsageError("Say where to write the model: --out-dir DIR");
  const seed = integer("seed", v.seed, 0);
  let config: GPT2Config;
  try {
    config = parseConfig({
      vocab_size: integer("vocab", v.vocab, 1),
      n_positions: integer("n-positions", v["n-positions"], 1),
      n_embd: integer("n-embd", v["n-embd"], 1),
      n_layer: integer("n-layer", v["n-layer"], 1),
      n_head: integer("n-head", v["n-head"], 1),
      layer_norm_epsilon: GPT2_SMALL.layer_norm_epsilon,
    }, "the requested sizes");
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const started = performance.now();
  const { configPath, weightsPath } = await writeRandomGpt2(outDir, config, seed);
  const mb = (Deno.statSync(weightsPath).size / 1e6).toFixed(1);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Wrote ${configPath} and ${weightsPath} (${mb} MB) in ${seconds} s`);
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
