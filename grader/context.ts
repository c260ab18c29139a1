/**
 * Which model the grader uses — the bundled tiny GPT-2, the real GPT-2 once downloaded, or
 * files given on the command line — and the grading context built from it.
 *
 * @module
 */
import { loadStateDict } from "../lib/checkpoint.ts";
import { type GPT2Config, loadConfig } from "../lib/config.ts";
import type { StateDict } from "../lib/module.ts";
import { kitPath } from "../lib/paths.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import { loadReferences } from "./references.ts";
import type { GradeContext } from "./stage.ts";

/** The files of one model. */
export interface ModelFiles {
  /** `tiny`, `gpt2` or `custom`. */
  model: string;
  /** `config.json`. */
  configPath: string;
  /** `model.safetensors`. */
  weightsPath: string;
  /** The reference activations. */
  refsPath: string;
  /** The tokenizer files' directory. */
  tokenizerDir: string;
}

/** The bundled tiny model's files. */
export const TINY: ModelFiles = {
  model: "tiny",
  configPath: kitPath("data", "tiny", "config.json"),
  weightsPath: kitPath("data", "tiny", "model.safetensors"),
  refsPath: kitPath("data", "reference", "tiny.safetensors"),
  tokenizerDir: kitPath("data", "tokenizer"),
};

/** The real GPT-2's files, where `deno task setup` puts them. */
export const GPT2: ModelFiles = {
  model: "gpt2",
  configPath: kitPath("data", "gpt2", "config.json"),
  weightsPath: kitPath("data", "gpt2", "model.safetensors"),
  refsPath: kitPath("data", "gpt2", "reference.safetensors"),
  tokenizerDir: kitPath("data", "gpt2"),
};

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

/**
 * Builds the grading context for a model: config and references read now, weights on first
 * use.
 *
 * @param files the model's files
 * @returns the context
 */
export function gradeContext(files: ModelFiles): GradeContext {
  const config: GPT2Config = loadConfig(files.configPath);
  const refs = loadReferences(files.refsPath);
  let weights: StateDict | undefined;
  let shapes: Record<string, number[]> | undefined;
  return {
    config,
    model: files.model,
    refs,
    weights: () => (weights ??= loadStateDict(files.weightsPath)),
    checkpointShapes: () => {
      if (!shapes) {
        using f = SafetensorsFile.open(files.weightsPath);
        shapes = Object.fromEntries(f.names().map((n) => [n, f.info(n).shape]));
      }
      return shapes;
    },
  };
}
