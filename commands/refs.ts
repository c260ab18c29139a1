/**
 * `deno task refs`: computes reference activations for any GPT-2 weights with the kit's
 * reference solutions, in the layout the grader reads (see `grader/references.ts` and
 * `docs/references.md`).
 *
 * ```
 * deno task refs --out FILE [--weights FILE --config FILE] [--prompt TEXT]...
 *   [--prompt-ids 1,2,3]... [--max-new-tokens N] [--jobs N]
 * ```
 *
 * Defaults: the bundled tiny model, the four prompts recorded in
 * `data/reference/tiny.safetensors`, 20 greedy tokens. Prompts given with `--prompt` and
 * `--prompt-ids` replace the defaults and keep their command-line order. The activations come
 * from one `forward` of the solution's `GPT2` per prompt, read at its submodules (like PyTorch's
 * forward hooks), and the greedy continuation from the solution's `generateWithCache`; prompts
 * run in parallel on a pool of workers, each with its own copy of the model. The file is written
 * atomically. Bad input (arguments, files, prompts) is reported with the usage, exit code 2;
 * a failed write exits with 1 and leaves no file behind.
 *
 * @module
 */
import { sha256File } from "./_files.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { ConfigError, type GPT2Config, loadConfig } from "../lib/config.ts";
import { LoadStateDictError } from "../lib/module.ts";
import {
  type Dtype,
  SafetensorsError,
  SafetensorsFile,
  writeSafetensors,
} from "../lib/safetensors.ts";
import { Tensor } from "../lib/tensor.ts";
import { loadTokenizerFiles, TokenizerFilesError } from "../lib/tokenizer_files.ts";
import { absolute, GPT2 as GPT2_FILES, TINY } from "../grader/context.ts";
import { REFERENCE_FORMAT, ReferenceFileError } from "../grader/references.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { Tokenizer } from "../solutions/1_tokenizer.ts";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { generateWithCache } from "../solutions/6_kv_cache.ts";

const USAGE = `Usage: deno task refs --out FILE [options]

Computes reference activations (what the grader compares against) with the kit's solutions.

Options:
  --out FILE              the reference file to write (replaced atomically)
  --weights FILE --config FILE
                          the model (default: the bundled tiny model)
  --prompt TEXT           a prompt, tokenised with GPT-2's tokenizer (repeatable)
  --prompt-ids 1,2,3      a prompt given as token ids (repeatable)
                          (default prompts: those of data/reference/tiny.safetensors)
  --max-new-tokens N      greedy tokens generated after each prompt
                          (default: as many as data/reference/tiny.safetensors has)
  --jobs N                prompts computed in parallel, each with its own copy of the model
                          (default: one per CPU; the 124M model needs about 1.3 GB a job)
  --help                  this text

Grade against the result with:
  deno task check <N> --weights FILE --config FILE --refs FILE`;

/** A prompt: its token ids, and its text when it was given as text. */
export interface Prompt {
  /** The text, when the prompt was given as text. */
  text?: string;
  /** Its token ids. */
  ids: number[];
}

/** What to compute and where to write it. */
export interface RefsOptions {
  /** The model's `model.safetensors`. */
  weightsPath: string;
  /** The model's `config.json`. */
  configPath: string;
  /** The reference file to write. */
  outPath: string;
  /** The prompts, in order (`p0`, `p1`, ...). */
  prompts: Prompt[];
  /** Greedy tokens generated after each prompt. */
  maxNewTokens: number;
  /**
   * Prompts computed at once, each by a worker with its own copy of the model (default: one
   * per CPU).
   */
  jobs?: number;
}

/** Raised for input the references cannot be made from: a bad prompt or option. */
export class RefsInputError extends Error {
  /** @param message what is wrong and how to fix it */
  constructor(message: string) {
    super(message);
    this.name = "RefsInputError";
  }
}

/** The producer named in the files this tool writes. */
const PRODUCER = "commands/refs.ts";

/**
 * The defaults of a reference file: the prompts and the number of greedy tokens recorded in the
 * bundled tiny model's references (`data/reference/tiny.safetensors`, metadata `prompts` and
 * `max_new_tokens`). Only the file's header is read.
 *
 * @returns the prompts (text and ids) and the new tokens per prompt
 * @throws {ReferenceFileError} when the file does not record them
 */
export function referenceDefaults(): { prompts: Prompt[]; maxNewTokens: number } {
  using file = SafetensorsFile.open(TINY.refsPath);
  const maxNewTokens = Number(file.metadata.max_new_tokens);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new ReferenceFileError(
      `Cannot read the default number of new tokens from "${TINY.refsPath}": its metadata ` +
        `"max_new_tokens" is ${JSON.stringify(file.metadata.max_new_tokens ?? null)}`,
    );
  }
  let prompts: unknown;
  try {
    prompts = JSON.parse(file.metadata.prompts ?? "null");
  } catch {
    // reported below
  }
  const valid = Array.isArray(prompts) &&
    prompts.every((p) =>
      typeof p === "object" && p !== null && Array.isArray(p.ids) &&
      p.ids.every(Number.isInteger) && (p.text === undefined || typeof p.text === "string")
    );
  if (!valid) {
    throw new ReferenceFileError(
      `Cannot read the default prompts from "${TINY.refsPath}": its metadata "prompts" is not ` +
        `a JSON list of {text, ids}`,
    );
  }
  return { prompts: (prompts as Prompt[]).map(({ text, ids }) => ({ text, ids })), maxNewTokens };
}

/**
 * Parses a `--prompt-ids` value.
 *
 * @param text comma-separated token ids, e.g. `"464,3290"`
 * @returns the ids
 * @throws {RefsInputError} when an entry is not a non-negative integer
 */
export function parsePromptIds(text: string): number[] {
  return text.split(",").map((part) => {
    const id = part.trim();
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) {
      throw new RefsInputError(
        `--prompt-ids "${text}": "${part}" is not a token id; give comma-separated ` +
          `non-negative integers, e.g. --prompt-ids 464,3290`,
      );
    }
    return Number(id);
  });
}

/** A prompt as messages quote it: its text or ids, cut short when long. */
function shown({ text, ids }: Prompt): string {
  const s = text ?? ids.join(",");
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}

/**
 * Checks that every prompt can be fed to a model of this config.
 *
 * @param prompts the prompts
 * @param config the model's sizes
 * @throws {RefsInputError} for an empty prompt, an id outside the vocabulary, or a prompt
 *   longer than the context
 */
export function checkPrompts(prompts: readonly Prompt[], config: GPT2Config): void {
  if (prompts.length === 0) throw new RefsInputError("There are no prompts to run");
  prompts.forEach((prompt, k) => {
    const { ids } = prompt, name = `Prompt ${k} (${shown(prompt)})`;
    if (ids.length === 0) throw new RefsInputError(`${name} has no tokens`);
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= config.vocab_size);
    if (bad !== undefined) {
      throw new RefsInputError(
        `${name} holds the token id ${bad}, outside the model's vocabulary ` +
          `(0..${config.vocab_size - 1})`,
      );
    }
    if (ids.length > config.n_positions) {
      throw new RefsInputError(
        `${name} has ${ids.length} tokens, more than the model's context of ` +
          `${config.n_positions} (n_positions)`,
      );
    }
  });
}

/**
 * One prompt's activations, named as in the reference file (without the `p{k}.` prefix) and
 * without the batch dimension: `embeddings`, `h0.attn_in`, `h0.attn_out`, `h0.mlp_in`,
 * `h0.mlp_out`, `h{i}.out` for every block, `ln_f` `[T, C]` and `logits` `[T, V]`.
 *
 * They are read during one `model.forward(ids)`, at the inputs and outputs of its submodules
 * (the block 0 input is the embeddings; block 0's `attn` and `mlp` give their inputs, which
 * are `ln_1`'s and `ln_2`'s outputs, and their outputs), so they are exactly what the model
 * computes.
 *
 * @param model the loaded model
 * @param ids the prompt's token ids
 * @returns name -> tensor
 */
export function activations(model: GPT2, ids: readonly number[]): Record<string, Tensor> {
  const acts: Record<string, Tensor> = {};
  // where each activation is read: a submodule's input and/or output
  const taps: { module: { forward(x: Tensor): Tensor }; input?: string; output?: string }[] = [
    ...[...model.h].map((block, i) => ({
      module: block,
      input: i === 0 ? "embeddings" : undefined,
      output: `h${i}.out`,
    })),
    { module: model.h[0].attn, input: "h0.attn_in", output: "h0.attn_out" },
    { module: model.h[0].mlp, input: "h0.mlp_in", output: "h0.mlp_out" },
    { module: model.ln_f, output: "ln_f" },
  ];
  const originals = taps.map(({ module }) => module.forward);
  taps.forEach(({ module, input, output }, j) => {
    module.forward = (x: Tensor) => {
      const y = originals[j].call(module, x);
      if (input) acts[input] = x;
      if (output) acts[output] = y;
      return y;
    };
  });
  try {
    acts.logits = model.forward(new Tensor(Float32Array.from(ids), [1, ids.length]));
  } finally {
    taps.forEach(({ module }, j) => (module.forward = originals[j]));
  }
  const missed = taps.flatMap(({ input, output }) => [input, output])
    .filter((name) => name !== undefined && !(name in acts));
  if (missed.length) {
    throw new Error(`GPT2.forward never called the submodules that give ${missed.join(", ")}`);
  }
  return Object.fromEntries(Object.entries(acts).map(([name, t]) => [name, t.squeeze(0)]));
}

/**
 * Builds the solution's `GPT2` for a config file and loads the weights into it, strictly.
 *
 * @param weightsPath the model's `model.safetensors`
 * @param configPath the model's `config.json`
 * @returns the loaded model
 * @throws {ConfigError} for a bad config
 * @throws {SafetensorsError} for an unreadable weights file
 * @throws {RefsInputError} when the weights do not fit the config (missing, unexpected or
 *   wrongly shaped keys, listed)
 */
export function loadModel(weightsPath: string, configPath: string): GPT2 {
  const model = new GPT2(loadConfig(configPath));
  try {
    model.loadStateDict(loadStateDict(weightsPath));
  } catch (e) {
    if (!(e instanceof LoadStateDictError)) throw e;
    throw new RefsInputError(
      `The weights "${weightsPath}" do not fit the config "${configPath}":\n${e.message}`,
    );
  }
  return model;
}

/** One prompt's computed references: activations by name, and the greedy continuation. */
export interface PromptReferences {
  /** What {@linkcode activations} returns, as plain data. */
  activations: Record<string, { shape: number[]; data: Float32Array }>;
  /** The new token ids of greedy decoding (the solution's `generateWithCache`). */
  generated: number[];
}

/**
 * Computes one prompt's references with a loaded model.
 *
 * @param model the loaded model
 * @param ids the prompt's token ids
 * @param maxNewTokens how many greedy tokens to generate
 * @returns its activations and continuation
 */
export function promptReferences(
  model: GPT2,
  ids: readonly number[],
  maxNewTokens: number,
): PromptReferences {
  const acts = Object.entries(activations(model, ids)).map((
    [name, t],
  ) => [name, { shape: [...t.shape], data: t.contiguous().data }]);
  // the KV cache gives the same tokens as stage 5's recomputing `generate`, many times faster
  const generated = generateWithCache(model, ids, maxNewTokens, model.config);
  return { activations: Object.fromEntries(acts), generated };
}

/** Messages to a worker: load the model once, then compute prompts one at a time. */
type ToWorker =
  | { kind: "load"; weightsPath: string; configPath: string }
  | { kind: "prompt"; k: number; ids: number[]; maxNewTokens: number };

/** Messages from a worker: a prompt's references, or why it failed. */
type FromWorker =
  | { kind: "prompt"; k: number; refs: PromptReferences }
  | { kind: "error"; message: string; input: boolean };

/** Runs in a worker: answers {@linkcode ToWorker} messages (see {@linkcode computePrompts}). */
function serveWorker(): void {
  const scope = self as unknown as {
    onmessage: (e: MessageEvent<ToWorker>) => void;
    postMessage(message: FromWorker): void;
  };
  let model: GPT2 | undefined;
  scope.onmessage = ({ data }) => {
    try {
      if (data.kind === "load") model = loadModel(data.weightsPath, data.configPath);
      else {
        const refs = promptReferences(model!, data.ids, data.maxNewTokens);
        scope.postMessage({ kind: "prompt", k: data.k, refs });
      }
    } catch (e) {
      const input = isInputError(e);
      const message = input ? (e as Error).message : (e as Error).stack ?? String(e);
      scope.postMessage({ kind: "error", message, input });
    }
  };
}

/**
 * Computes every prompt's references on a pool of workers (`options.jobs`, at most one per
 * prompt), each holding its own copy of the model; the longest prompts go first. The results do
 * not depend on how the prompts were shared out.
 */
async function computePrompts(
  options: Omit<RefsOptions, "outPath">,
  onPrompt: (k: number, generated: number[]) => void,
): Promise<PromptReferences[]> {
  const { weightsPath, configPath, prompts, maxNewTokens } = options;
  const jobs = options.jobs ?? navigator.hardwareConcurrency ?? 1;
  // a forward per generated token, over a sequence growing from T to T + maxNewTokens - 1
  const cost = (k: number) => (prompts[k].ids.length + maxNewTokens / 2) * (maxNewTokens + 1);
  const queue = prompts.map((_, k) => k).sort((a, b) => cost(b) - cost(a));
  const size = Math.max(1, Math.min(prompts.length, jobs));
  const workers = Array.from(
    { length: size },
    () => new Worker(import.meta.url, { type: "module" }),
  );
  const results: PromptReferences[] = [];
  try {
    const done = new Promise<void>((resolve, reject) => {
      let remaining = prompts.length;
      const next = (worker: Worker) => {
        const k = queue.shift();
        if (k === undefined) return;
        const ids = prompts[k].ids;
        worker.postMessage({ kind: "prompt", k, ids, maxNewTokens } satisfies ToWorker);
      };
      for (const worker of workers) {
        worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
          if (data.kind === "error") {
            reject(data.input ? new RefsInputError(data.message) : new Error(data.message));
            return;
          }
          results[data.k] = data.refs;
          onPrompt(data.k, data.refs.generated);
          if (--remaining === 0) resolve();
          else next(worker);
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`A worker of commands/refs.ts failed: ${e.message}`));
        };
        worker.postMessage({ kind: "load", weightsPath, configPath } satisfies ToWorker);
        next(worker);
      }
    });
    await done;
  } finally {
    for (const worker of workers) worker.terminate();
  }
  return results;
}

/** The tensors and metadata of a reference file. */
export interface ReferenceContents {
  /** Tensors by name, in the file's order. */
  tensors: Record<string, { dtype: Dtype; shape: number[]; data: Float32Array | number[] }>;
  /** The header's metadata. */
  metadata: Record<string, string>;
}

/** The canonical path of a file (symlinks resolved), or the path itself when it does not exist. */
function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/** What a model is called in the metadata: tiny, gpt2 (at their kit paths) or its file name. */
function modelName(weightsPath: string): string {
  const path = realPath(weightsPath);
  if (path === realPath(TINY.weightsPath)) return "tiny";
  if (path === realPath(GPT2_FILES.weightsPath)) return "gpt2";
  return path.split("/").pop()!;
}

/**
 * Computes the references: for each prompt `k`, `p{k}.input_ids`, the activations of
 * {@linkcode activations} and `p{k}.generated_ids` (the solution's greedy `generateWithCache`), with
 * the metadata that says how the file was made.
 *
 * @param options the model, prompts and number of tokens
 * @param onPrompt called as each prompt is done (in any order), e.g. to report progress
 * @returns the file's tensors and metadata, for `writeSafetensors`
 * @throws {ConfigError} for a bad config
 * @throws {SafetensorsError} for an unreadable weights file
 * @throws {RefsInputError} for weights that do not fit the config, or a prompt the model
 *   cannot take
 */
export async function computeReferences(
  options: Omit<RefsOptions, "outPath">,
  onPrompt: (k: number, generated: number[]) => void = () => {},
): Promise<ReferenceContents> {
  const { weightsPath, configPath, prompts, maxNewTokens } = options;
  checkPrompts(prompts, loadConfig(configPath));
  SafetensorsFile.open(weightsPath).close(); // a missing or corrupt file fails here, at once
  const sha256 = sha256File(weightsPath); // read while the workers compute
  const computed = await computePrompts(options, onPrompt);
  const tensors: ReferenceContents["tensors"] = {};
  prompts.forEach(({ ids }, k) => {
    tensors[`p${k}.input_ids`] = { dtype: "I64", shape: [ids.length], data: ids };
    for (const [name, { shape, data }] of Object.entries(computed[k].activations)) {
      tensors[`p${k}.${name}`] = { dtype: "F32", shape, data };
    }
    const generated = computed[k].generated;
    tensors[`p${k}.generated_ids`] = { dtype: "I64", shape: [generated.length], data: generated };
  });
  const metadata = {
    format: REFERENCE_FORMAT,
    producer: PRODUCER,
    model: modelName(weightsPath),
    config: JSON.stringify(JSON.parse(Deno.readTextFileSync(configPath))),
    prompts: JSON.stringify(prompts),
    max_new_tokens: String(maxNewTokens),
    weights_sha256: await sha256,
    deno: Deno.version.deno,
  };
  return { tensors, metadata };
}

function parse(argv: string[]): RefsOptions | "help" {
  const { values: v, tokens } = parseCommandLine(argv, {
    out: { type: "string" },
    weights: { type: "string" },
    config: { type: "string" },
    prompt: { type: "string", multiple: true },
    "prompt-ids": { type: "string", multiple: true },
    "max-new-tokens": { type: "string" },
    jobs: { type: "string" },
    help: { type: "boolean", default: false },
  }, 0);
  if (v.help) return "help";
  if (!v.out) throw new UsageError("Say where to write the references: --out FILE");
  if ((v.weights === undefined) !== (v.config === undefined)) {
    throw new UsageError("--weights and --config go together: give both (or neither, for tiny)");
  }
  const n = v["max-new-tokens"], jobs = v.jobs;
  if (n !== undefined && !/^\d+$/.test(n)) {
    throw new UsageError(`--max-new-tokens takes a non-negative integer, got "${n}"`);
  }
  if (jobs !== undefined && !(/^\d+$/.test(jobs) && Number(jobs) >= 1)) {
    throw new UsageError(`--jobs takes a positive integer, got "${jobs}"`);
  }
  // the bundled references' prompts and token count, read only when one is not given
  let defaults: ReturnType<typeof referenceDefaults> | undefined;
  const fallback = () => (defaults ??= referenceDefaults());
  // --prompt and --prompt-ids in command-line order; the tokenizer is read only when needed
  const prompts: Prompt[] = [];
  let tokenizer: Tokenizer | undefined;
  for (const t of tokens) {
    if (t.kind !== "option" || t.value === undefined) continue;
    if (t.name === "prompt-ids") prompts.push({ ids: parsePromptIds(t.value) });
    if (t.name === "prompt") {
      if (!tokenizer) {
        const { encoder, merges } = loadTokenizerFiles();
        tokenizer = new Tokenizer(encoder, merges);
      }
      prompts.push({ text: t.value, ids: tokenizer.encode(t.value) });
    }
  }
  return {
    outPath: absolute(v.out),
    weightsPath: absolute(v.weights ?? TINY.weightsPath),
    configPath: absolute(v.config ?? TINY.configPath),
    prompts: prompts.length ? prompts : fallback().prompts,
    maxNewTokens: n === undefined ? fallback().maxNewTokens : Number(n),
    jobs: jobs === undefined ? undefined : Number(jobs),
  };
}

/** Fails early when the output cannot be written there, or must not be. */
function checkOut(options: RefsOptions): void {
  const out = options.outPath;
  const dir = out.slice(0, out.lastIndexOf("/")) || "/";
  let isDir = false;
  try {
    isDir = Deno.statSync(dir).isDirectory;
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new RefsInputError(`Cannot write "${out}": the directory "${dir}" does not exist`);
  }
  const inputs = [options.weightsPath, options.configPath, TINY.refsPath];
  if (inputs.some((p) => realPath(p) === realPath(out))) {
    throw new RefsInputError(
      `Refusing to write over "${out}": it is an input (the weights, the config, or the ` +
        `PyTorch-made references of the bundled model); choose another --out`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  let options, contents;
  try {
    options = parse(argv);
    if (options === "help") {
      console.log(USAGE);
      return 0;
    }
    checkOut(options);
    const { prompts } = options;
    contents = await computeReferences(options, (k, generated) => {
      const tokens = `${prompts[k].ids.length} tokens, ${generated.length} generated`;
      console.log(`p${k} ${shown(prompts[k])}: ${tokens} (${seconds()} s)`);
    });
  } catch (e) {
    // bad input of any kind is the caller's to fix: a message, the usage, exit code 2
    if (isInputError(e)) throw new UsageError((e as Error).message);
    throw e;
  }
  writeSafetensors(options.outPath, contents.tensors, contents.metadata);
  console.log(`Wrote ${options.outPath} (${options.prompts.length} prompts) in ${seconds()} s`);
  return 0;
}

/** Whether an error is about the input (reported as a usage error) rather than a bug. */
function isInputError(e: unknown): boolean {
  return [RefsInputError, ConfigError, SafetensorsError, TokenizerFilesError, ReferenceFileError]
    .some((cls) => e instanceof cls);
}

if (import.meta.main) {
  if ("WorkerGlobalScope" in globalThis) serveWorker();
  else await runTool(USAGE, () => main(Deno.args));
}
