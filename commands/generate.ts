/**
 * `deno task generate`: your GPT-2 (stage 5) continues a prompt — exported to ONNX and run by
 * onnxruntime-web on WebGPU or WASM, or eagerly on the CPU — streaming tokens as they come.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { type Backend, BackendError, BACKENDS, createRunner } from "../lib/backends.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { type GPT2Config, loadConfig } from "../lib/config.ts";
import type { CachedStep, Forwardable } from "../lib/export/trace.ts";
import { END_OF_TEXT, generate } from "../lib/generate.ts";
import { kitPath, relative } from "../lib/paths.ts";
import { Rng, withoutInit } from "../lib/random.ts";
import { Tensor } from "../lib/tensor.ts";
import { NotImplementedError } from "../lib/todo.ts";
import { loadTokenizerFiles } from "../lib/tokenizer_files.ts";
import { hasSolutions, selectModel, solutionsDir } from "../grader/context.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";

const USAGE = `Usage: deno task generate [options]

Continues a prompt with your GPT-2 (exercises/5_gpt2.ts), streaming the tokens.

Options:
  --prompt TEXT            the prompt (default "The dog"); or
  --prompt-ids 1,2,3       the prompt as token ids
  --max-new-tokens N       how many tokens to add (default 20); past the model's n_positions
                           the window slides: each step sees only the last n_positions tokens
  --greedy                 always the most likely token (the default)
  --temperature T          sample instead, with this temperature (> 0)
  --top-k K --top-p P      keep the K most likely tokens / the top P of the probability
  --seed S                 seed of the sampler (default 0): the same seed repeats a run
  --backend auto|webgpu|wasm|native|cpu
                           where to run (default auto: WebGPU on a real GPU, else WASM;
                           native is onnxruntime-node, faster to prefill, opt-in)
  --solutions              use the reference solutions instead of exercises/
  --model tiny|english|gpt2
                           the model (default: gpt2 once \`deno task setup\` ran, else english,
                           the bundled small GPT-2 trained on Jane Austen's novels; tiny has
                           random weights, for grading, and writes no English)
  --weights FILE --config FILE
                           other weights
  --threads N              threads of WASM, native or the CPU kernels (default 1; 2 is faster
                           on two cores)
  --no-cache               recompute the whole sequence at every step even when your KV
                           cache (stage 6) works, to compare the speed
  --json                   print one JSON document instead of streaming`;

/** A tokenizer as stage 1 builds it. */
interface TextCodec {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** The learner's (or the solutions') stage modules, imported. */
interface LearnerModules {
  model: Forwardable;
  step?: CachedStep;
  codec?: TextCodec;
  notices: string[];
}

const OPTIONS = {
  prompt: { type: "string" },
  "prompt-ids": { type: "string" },
  "max-new-tokens": { type: "string", default: "20" },
  greedy: { type: "boolean", default: false },
  temperature: { type: "string" },
  "top-k": { type: "string" },
  "top-p": { type: "string" },
  seed: { type: "string", default: "0" },
  backend: { type: "string", default: "auto" },
  solutions: { type: "boolean", default: false },
  model: { type: "string" },
  weights: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean", default: false },
  "no-cache": { type: "boolean", default: false },
  threads: { type: "string", default: "1" },
  help: { type: "boolean", default: false },
} as const;

function number(value: string | undefined, flag: string, check: (n: number) => boolean) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`Invalid ${flag} "${value}".`);
  return n;
}

async function learnerModules(
  dir: string,
  config: GPT2Config,
  weightsPath: string,
  tokenizerDir: string,
  useCache: boolean,
): Promise<LearnerModules> {
  const notices: string[] = [];
  const stage5 = await import(pathToFileURL(`${dir}/5_gpt2.ts`).href);
  let model: Forwardable;
  try {
    model = withoutInit(() => new stage5.GPT2(config));
    model.loadStateDict(loadStateDict(weightsPath));
  } catch (e) {
    if (e instanceof NotImplementedError) {
      throw new Error(
        `Your GPT-2 is not finished yet (${e.what}): complete stage 5 first ` +
          "(`deno task check 5`)" +
          (hasSolutions() ? ", or try `deno task generate --solutions`." : "."),
      );
    }
    throw e;
  }
  let step: CachedStep | undefined;
  if (useCache) {
    const stage6 = await import(pathToFileURL(`${dir}/6_kv_cache.ts`).href);
    step = (ids, past) => stage6.gpt2WithCache(model, ids, past, config);
    try {
      step(new Tensor(new Float32Array([END_OF_TEXT]), [1, 1]), undefined);
    } catch (e) {
      if (!(e instanceof NotImplementedError)) throw e;
      notices.push(
        "Your KV cache (stage 6) is not finished: every step recomputes the whole sequence.",
      );
      step = undefined;
    }
  }
  let codec: TextCodec | undefined;
  try {
    const stage1 = await import(pathToFileURL(`${dir}/1_tokenizer.ts`).href);
    const { encoder, merges } = loadTokenizerFiles(tokenizerDir);
    codec = new stage1.Tokenizer(encoder, merges);
    codec!.encode("probe");
  } catch (e) {
    if (!(e instanceof NotImplementedError)) throw e;
    notices.push("Your tokenizer (stage 1) is not finished: using js-tiktoken's GPT-2 encoding.");
    codec = undefined;
  }
  return { model, step, codec, notices };
}

/**
 * What a model is, for the footer: its name, and what to expect from a model with random
 * weights.
 *
 * @param model `tiny`, `english`, `gpt2` or `custom`
 * @param weightsPath its weights
 * @returns the words
 */
export function modelLine(model: string, weightsPath: string): string {
  switch (model) {
    case "english":
      return "model: english (bundled, 4 layers x 128, trained on Jane Austen's novels)";
    case "gpt2":
      return "model: gpt2 (OpenAI's GPT-2, 124M)";
    case "tiny":
      return "model: tiny (random weights, made for grading: expect a jumble of tokens, not " +
        "English; `--model english` writes English)";
    default:
      return `model: ${relative(weightsPath)}`;
  }
}

/**
 * Why the KV cache gains little on a small model, or undefined where it pays: every step reads
 * the LM head (`vocab_size x n_embd`), cache or not, and the cache saves only the blocks' work
 * on the earlier tokens. When the head is most of the weights, recomputing costs little more.
 *
 * @param config the model's sizes
 * @returns the note, when the head is over half of the weights a step reads
 * @example
 * ```ts
 * import { cacheNote } from "./generate.ts";
 * const gpt2 = { vocab_size: 50257, n_embd: 768, n_layer: 12 };
 * cacheNote(gpt2); // undefined: its blocks are 69% of the weights
 * ```
 */
export function cacheNote(
  config: Pick<GPT2Config, "vocab_size" | "n_embd" | "n_layer">,
): string | undefined {
  const head = config.vocab_size * config.n_embd;
  const blocks = config.n_layer * 12 * config.n_embd ** 2; // c_attn, c_proj, c_fc, c_proj
  const share = head / (head + blocks);
  if (share < 0.5) return undefined;
  return `On this model the LM head (${config.vocab_size} x ${config.n_embd}) is ` +
    `${Math.round(100 * share)}% of the weights a step reads, cache or not: the KV cache saves ` +
    "only the blocks' work on the earlier tokens, so recomputing (--no-cache) is only somewhat " +
    "slower here; on the real GPT-2 the blocks are 69% of the weights.";
}

async function fallbackCodec(): Promise<TextCodec> {
  const { getEncoding } = await import("js-tiktoken");
  const enc = getEncoding("gpt2");
  return { encode: (t) => enc.encode(t, "all"), decode: (ids) => enc.decode(ids) };
}

async function main(): Promise<number> {
  const { values: v } = parseCommandLine(Deno.args, OPTIONS, 0);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (v.prompt !== undefined && v["prompt-ids"] !== undefined) {
    throw new UsageError("Give --prompt or --prompt-ids, not both.");
  }
  const sampling = v.temperature !== undefined || v["top-k"] !== undefined ||
    v["top-p"] !== undefined;
  if (v.greedy && sampling) throw new UsageError("--greedy cannot go with sampling options.");
  const backend = v.backend as Backend | "auto";
  if (backend !== "auto" && !BACKENDS.includes(backend)) {
    throw new UsageError(`Unknown --backend "${v.backend}": use auto, ${BACKENDS.join(", ")}.`);
  }
  const maxNewTokens = number(
    v["max-new-tokens"],
    "--max-new-tokens",
    (n) => Number.isInteger(n) && n >= 0,
  )!;
  const temperature = number(v.temperature, "--temperature", (n) => n > 0) ?? (sampling ? 1 : 0);
  const topK = number(v["top-k"], "--top-k", (n) => Number.isInteger(n) && n > 0);
  const topP = number(v["top-p"], "--top-p", (n) => n > 0 && n <= 1);
  const seed = number(v.seed, "--seed", Number.isInteger)!;
  const threads = number(v.threads, "--threads", (n) => Number.isInteger(n) && n >= 1)!;
  const files = selectModel(v, false);
  const config = loadConfig(files.configPath);
  const dir = v.solutions ? solutionsDir() : kitPath("exercises");
  const learner = await learnerModules(
    dir,
    config,
    files.weightsPath,
    files.tokenizerDir,
    !v["no-cache"],
  );
  const codec = learner.codec ?? await fallbackCodec();
  let promptIds: number[];
  if (v["prompt-ids"] !== undefined) {
    promptIds = v["prompt-ids"].split(",").map((s) => Number(s.trim()));
    const bad = promptIds.find((id) => !Number.isInteger(id) || id < 0 || id >= config.vocab_size);
    if (bad !== undefined) {
      throw new UsageError(`--prompt-ids: ${bad} is not a token id (0..${config.vocab_size - 1}).`);
    }
  } else promptIds = codec.encode(v.prompt ?? "The dog");
  let runner;
  try {
    runner = await createRunner(learner.model, config, {
      backend,
      step: learner.step,
      threads,
    });
  } catch (e) {
    if (e instanceof BackendError) throw new Error(e.message);
    throw e;
  }
  const notices = [...learner.notices, ...runner.notices];
  if (!v.json) {
    for (const n of notices) console.error(`note: ${n}`);
    await Deno.stdout.write(new TextEncoder().encode(codec.decode(promptIds)));
  }
  let shown = "";
  const result = await generate(runner, promptIds, {
    maxNewTokens,
    nPositions: config.n_positions,
    temperature,
    topK,
    topP,
    rng: new Rng(seed),
    onToken: (_id, all) => {
      if (v.json) return;
      // print what the new tokens add, holding back an incomplete UTF-8 character
      const text = codec.decode([...all]).replace(/\uFFFD+$/, "");
      if (text.length > shown.length) {
        Deno.stdout.writeSync(new TextEncoder().encode(text.slice(shown.length)));
        shown = text;
      }
    },
  });
  await runner.close();
  const text = codec.decode(result.ids);
  const slid = result.windowFrom === undefined ? [] : [
    `From new token ${result.windowFrom + 1} on, the sequence was longer than the model's ` +
    `${config.n_positions} positions: each step saw only the last ${config.n_positions} tokens ` +
    "(a sliding window, run in full at every step).",
  ];
  if (v.json) {
    console.log(JSON.stringify({
      model: files.model,
      backend: runner.backend,
      kv_cache: runner.cached,
      threads: runner.threads,
      prompt_ids: result.promptIds,
      generated_ids: result.ids,
      text,
      prefill_ms: Math.round(result.prefillMs * 10) / 10,
      tokens_per_s: Math.round(result.tokensPerSecond * 100) / 100,
      ...(result.windowFrom === undefined ? {} : { window_from: result.windowFrom }),
      notices: [...notices, ...slid],
    }));
  } else {
    console.log(text.slice(shown.length));
    console.log(
      `\n[${runner.backend}${runner.threads > 1 ? ` ×${runner.threads} threads` : ""}` +
        `${runner.cached ? ", KV cache" : ""}] prompt ` +
        `${result.promptIds.length} tokens, prefill ` +
        `${result.prefillMs.toFixed(0)} ms, ${result.ids.length} new tokens at ` +
        `${result.tokensPerSecond.toFixed(1)} tokens/s\n${
          modelLine(files.model, files.weightsPath)
        }`,
    );
    for (const n of [...slid, cacheNote(config) ?? []].flat()) console.log(`note: ${n}`);
  }
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
