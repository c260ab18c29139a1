/**
 * Stage 5's check on the bundled English model (`data/english/`): the learner's GPT-2, built
 * with that model's config and loaded with its weights, continues a prompt greedily with the
 * tokens PyTorch's forward of the same weights chose (`data/reference/english.json`, written by
 * `pytorch/train_english.py`). Grading stays on the tiny model, whose random weights make every
 * bug show; this one check shows the learner that their model writes English.
 *
 * @module
 */
import { loadStateDict } from "../lib/checkpoint.ts";
import { loadConfig } from "../lib/config.ts";
import type { Module } from "../lib/module.ts";
import { withoutInit } from "../lib/random.ts";
import { kitPath } from "../lib/paths.ts";
import { ENGLISH } from "./context.ts";
import { describeValue, valueOf } from "./outcomes.ts";
import { exported } from "./probe_helpers.ts";
import type { Outcomes, Verdict } from "./stage.ts";

/** The reference continuation, as `pytorch/train_english.py` writes it. */
export interface EnglishReference {
  /** The prompt. */
  prompt: string;
  /** Its token ids. */
  prompt_ids: number[];
  /** PyTorch's greedy continuation of it on the English model. */
  generated_ids: number[];
  /** The prompt and the continuation, decoded. */
  text: string;
}

/**
 * How many of the reference's tokens the learner's eager loop must reproduce: each step runs the
 * whole sequence and the [T, 50257] head, so a few keep stage 5 quick.
 */
export const ENGLISH_TOKENS = 8;

/** Where the reference continuation lives (read by the grader, never by the learner's code). */
export const ENGLISH_REFERENCE: string = kitPath("data", "reference", "english.json");

/**
 * Reads the reference continuation.
 *
 * @param path the file (default {@linkcode ENGLISH_REFERENCE})
 * @returns the reference
 * @throws {Error} naming the file when it is missing or malformed
 */
export function englishReference(path: string = ENGLISH_REFERENCE): EnglishReference {
  let r: Partial<EnglishReference>;
  try {
    r = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new Error(`Cannot read the English model's reference "${path}": ${(e as Error).message}`);
  }
  const ids = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every(Number.isInteger);
  if (!ids(r.prompt_ids) || !ids(r.generated_ids) || typeof r.text !== "string") {
    throw new Error(
      `"${path}" is not the English model's reference (prompt_ids, generated_ids, text)`,
    );
  }
  return r as EnglishReference;
}

/**
 * Child side: the learner's `GPT2` built with the English model's config and loaded with its
 * weights, then their `generate` on the prompt.
 *
 * @param learner the learner's stage-5 module
 * @param ids the prompt's ids
 * @param n how many tokens to add
 * @returns what their `generate` returned
 */
export function continueOnEnglish(
  learner: Record<string, unknown>,
  ids: number[],
  n: number,
): unknown {
  const Cls = exported<new (config: unknown) => Module>(learner, "GPT2");
  const model = withoutInit(() => new Cls(loadConfig(ENGLISH.configPath)));
  model.loadStateDict(loadStateDict(ENGLISH.weightsPath));
  const generate = exported<(m: Module, ids: number[], n: number) => unknown>(learner, "generate");
  return generate(model, ids, n);
}

/**
 * The first sentence of a text: up to the first `.`, `!` or `?` that ends a word, other than
 * the period of "Mr." and the like (all of it when there is none), on one line.
 *
 * @param text the text
 * @returns the sentence
 * @example
 * ```ts
 * import { firstSentence } from "./english.ts";
 * firstSentence("It was. And then"); // "It was."
 * ```
 */
export function firstSentence(text: string): string {
  const end = text.search(/(?<!\b(?:Mr|Mrs|Ms|Dr|St))[.!?](\s|$)/);
  return (end < 0 ? text : text.slice(0, end + 1)).replace(/\s+/g, " ").trim();
}

/**
 * Grader side: the learner's continuation against the reference; the pass message quotes the
 * first sentence their model wrote.
 *
 * @param o the outcomes
 * @param id the probe call's id
 * @param ref the reference
 * @returns the verdict
 */
export function englishVerdict(o: Outcomes, id: string, ref: EnglishReference): Verdict {
  const n = Math.min(ENGLISH_TOKENS, ref.generated_ids.length);
  const expected = ref.generated_ids.slice(0, n);
  const call = `generate(model, ${JSON.stringify(ref.prompt_ids)}, ${n})`;
  const found = valueOf(o, id, `calling ${call} on the English model`);
  const step = Array.isArray(found) ? expected.findIndex((x, i) => found[i] !== x) : 0;
  if (Array.isArray(found) && step < 0 && found.length === n) {
    return {
      status: "pass",
      message: `loaded with the bundled English model, your GPT-2 starts as PyTorch's does: ` +
        JSON.stringify(firstSentence(ref.text)),
      highlight: true,
    };
  }
  return {
    status: "fail",
    message: `On the bundled English model, ${call} (${JSON.stringify(ref.prompt)}) should add ` +
      `PyTorch's ${n} tokens; yours differ at new token ${(step < 0 ? n : step) + 1}`,
    details: [
      `expected ${JSON.stringify(expected)} (the start of ${JSON.stringify(ref.text)})`,
      `found    ${Array.isArray(found) ? JSON.stringify(found) : describeValue(found)}`,
    ],
    hint: "Your model passed on the tiny model, so look for what differs on this one: 4 " +
      "layers of width 128 and 128 positions. Does every size come from config (n_layer, " +
      "n_head, n_embd, n_positions, layer_norm_epsilon), none written in by hand?",
  };
}
