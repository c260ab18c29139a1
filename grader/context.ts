/**
 * Which model the grader uses — the bundled tiny GPT-2, the real GPT-2 once downloaded, or
 * files given on the command line — and the grading context built from it.
 *
 * @module
 */
import { lazyCheckpoint } from "../lib/checkpoint.ts";
import { type GPT2Config, loadConfig } from "../lib/config.ts";
import { kitPath, relative } from "../lib/paths.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import { loadReferences } from "./references.ts";
import type { GradeContext } from "./stage.ts";
import { UsageError } from "../commands/_usage.ts";

/** The files of one model. */
export interface ModelFiles {
  /** `tiny`, `english`, `gpt2` or `custom`. */
  model: string;
  /** `config.json`. */
  configPath: string;
  /** `model.safetensors`. */
  weightsPath: string;
  /** The reference activations (needed to grade, not to generate). */
  refsPath?: string;
  /** The tokenizer files' directory. */
  tokenizerDir: string;
}

/** The bundled tiny model's files. */
export const TINY = {
  model: "tiny",
  configPath: kitPath("data", "tiny", "config.json"),
  weightsPath: kitPath("data", "tiny", "model.safetensors"),
  refsPath: kitPath("data", "reference", "tiny.safetensors"),
  tokenizerDir: kitPath("data", "tokenizer"),
} satisfies ModelFiles;

/**
 * The bundled small GPT-2 trained on English (`data/english/`, made by
 * `pytorch/train_english.py`): what `generate` runs when the real GPT-2 is not set up, so that a
 * finished model writes English offline. No reference activations: grading uses the tiny one.
 */
export const ENGLISH = {
  model: "english",
  configPath: kitPath("data", "english", "config.json"),
  weightsPath: kitPath("data", "english", "model.safetensors"),
  tokenizerDir: kitPath("data", "tokenizer"),
} satisfies ModelFiles;

/** The real GPT-2's files, where `deno task setup` puts them. */
export const GPT2 = {
  model: "gpt2",
  configPath: kitPath("data", "gpt2", "config.json"),
  weightsPath: kitPath("data", "gpt2", "model.safetensors"),
  refsPath: kitPath("data", "gpt2", "reference.safetensors"),
  tokenizerDir: kitPath("data", "gpt2"),
} satisfies ModelFiles;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the real GPT-2 has been downloaded (and its references built).
 *
 * @returns true when every file of {@linkcode GPT2} is present
 */
export function hasRealModel(): boolean {
  return [GPT2.configPath, GPT2.weightsPath, GPT2.refsPath].every(exists);
}

/** The model options of a command line, as given. */
export interface ModelChoice {
  /** `--model`: `tiny` or `gpt2`. */
  model?: string;
  /** `--weights FILE`. */
  weights?: string;
  /** `--config FILE`. */
  config?: string;
  /** `--refs FILE`. */
  refs?: string;
}

/**
 * The model a command line chose: `--model tiny|gpt2` (and `english` where no references are
 * needed) — by default the real GPT-2 when it is set up, else the tiny one for grading and the
 * English one for generating — or other files given with `--weights --config` (and `--refs`
 * where references are needed), read with the bundled tokenizer. Where references are needed,
 * `--refs FILE` alone grades the named model against other references (an instructor's hidden
 * ones).
 *
 * @param choice the options as given
 * @param withRefs whether the command needs reference activations (grading) or not
 *   (generating)
 * @returns the model's files, relative paths resolved against the working directory
 * @throws {UsageError} for options that do not go together, or an unknown model (or the English
 *   one for grading)
 * @throws {ModelMissingError} for the real GPT-2 asked for before `deno task setup`
 * @example
 * ```ts
 * import { selectModel } from "./context.ts";
 * selectModel({ model: "tiny" }, true).model; // "tiny"
 * selectModel({ model: "tiny", refs: "hidden.safetensors" }, true).refsPath; // ".../hidden.safetensors"
 * ```
 */
export function selectModel(choice: ModelChoice, withRefs: boolean): ModelFiles {
  const refs = withRefs && choice.refs !== undefined ? { refsPath: absolute(choice.refs) } : {};
  if (choice.weights !== undefined || choice.config !== undefined) {
    const flags = withRefs ? "--weights, --config and --refs" : "--weights and --config";
    if ([choice.weights, choice.config, ...(withRefs ? [choice.refs] : [])].includes(undefined)) {
      throw new UsageError(`${flags} go together: give them all.`);
    }
    if (choice.model) throw new UsageError(`Use --model or ${flags}, not both.`);
    return {
      model: "custom",
      weightsPath: absolute(choice.weights!),
      configPath: absolute(choice.config!),
      ...refs,
      tokenizerDir: TINY.tokenizerDir,
    };
  }
  return { ...namedModel(choice.model, withRefs), ...refs };
}

/**
 * The model `--model` names: by default the real GPT-2 when it is set up, else the tiny one for
 * grading and the English one for generating.
 */
function namedModel(model: string | undefined, withRefs: boolean): ModelFiles {
  if (!model && !hasRealModel()) return withRefs ? TINY : ENGLISH;
  if (model === "tiny") return TINY;
  if (model === "english" && !withRefs) return ENGLISH;
  if (model !== "gpt2" && model !== undefined) {
    throw new UsageError(
      `Unknown --model "${model}": use ${withRefs ? "tiny or gpt2" : "tiny, english or gpt2"}.`,
    );
  }
  if (!hasRealModel()) {
    throw new ModelMissingError(
      "The real GPT-2 is not downloaded yet: run `deno task setup` first (or use --model tiny).",
    );
  }
  return GPT2;
}

/** Thrown when the model asked for is not there: a setup to finish, not a bad argument. */
export class ModelMissingError extends Error {
  /** @param message which model is missing, and how to get it */
  constructor(message: string) {
    super(message);
    this.name = "ModelMissingError";
  }
}

/**
 * Whether a model's references are an instructor's own (hidden from students): any file but
 * the kit's bundled references and the ones `deno task setup` makes from the default prompts.
 *
 * @param files the model's files
 * @returns true for other references
 */
export function hiddenReferences(files: ModelFiles): boolean {
  const real = (p: string) => {
    try {
      return Deno.realPathSync(p);
    } catch {
      return p;
    }
  };
  if (!files.refsPath) return false;
  const refs = real(files.refsPath);
  return ![TINY.refsPath, GPT2.refsPath].some((p) => real(p) === refs);
}

/**
 * Whether this copy of the kit has the reference solutions (a student template has not).
 *
 * @returns true when `solutions/` is there
 */
export function hasSolutions(): boolean {
  return exists(kitPath("solutions"));
}

/**
 * The reference solutions' directory.
 *
 * @returns `solutions/` of the kit
 * @throws {UsageError} in a copy of the kit without them (a student template)
 */
export function solutionsDir(): string {
  const dir = kitPath("solutions");
  if (!hasSolutions()) {
    throw new UsageError(
      "The solutions are not part of this copy of the kit (it is a student template): grade " +
        "your own files in exercises/ instead.",
    );
  }
  return dir;
}

/**
 * A path resolved against the working directory.
 *
 * @param path absolute, or relative to the working directory
 * @returns the absolute path
 */
export function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/**
 * Builds the grading context for a model: config, references and the checkpoint's header read
 * now, weights on first use.
 *
 * @param files the model's files
 * @returns the context
 * @throws {Error} saying which file is missing or broken
 */
export function gradeContext(files: ModelFiles): GradeContext {
  for (const path of [files.weightsPath, files.tokenizerDir]) {
    if (!exists(path)) throw new Error(`${relative(path)} does not exist`);
  }
  const config: GPT2Config = loadConfig(files.configPath);
  if (!files.refsPath) throw new Error(`No reference activations for the ${files.model} model`);
  const refs = loadReferences(files.refsPath);
  // the checkpoint's header now (a corrupt file cannot grade), its weights on first use
  let shapes: Record<string, number[]>;
  {
    using f = SafetensorsFile.open(files.weightsPath);
    shapes = Object.fromEntries(f.names().map((n) => [n, f.info(n).shape]));
  }
  return {
    config,
    model: files.model,
    refs,
    weights: lazyCheckpoint(files.weightsPath),
    checkpointShapes: () => shapes,
  };
}
