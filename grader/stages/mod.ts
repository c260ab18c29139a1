/**
 * The stages of the course, in order.
 *
 * @module
 */
import type { Stage } from "../stage.ts";
import { stage as tokenizer } from "./1_tokenizer.ts";
import { stage as embedding } from "./2_embedding.ts";
import { stage as attention } from "./3_attention.ts";
import { stage as mlp } from "./4_mlp.ts";
import { stage as gpt2 } from "./5_gpt2.ts";
import { stage as kvCache } from "./6_kv_cache.ts";

/** Every stage, by number. */
export const STAGES: readonly Stage[] = [
  tokenizer,
  embedding,
  attention,
  mlp,
  gpt2,
  kvCache,
];

/**
 * The references withheld while a stage is graded — its own and earlier stages', but those it
 * keeps — each with the message a learner who calls it gets.
 *
 * @param stage the stage being graded
 * @returns the message by reference name, for `withhold()` in the sandbox
 * @example
 * ```ts
 * import { STAGES, withheldReasons } from "./mod.ts";
 * Object.keys(withheldReasons(STAGES[3])); // [..., "nn.Conv1D", "nn.GELU", "F.gelu"]
 * ```
 */
export function withheldReasons(stage: Stage): Record<string, string> {
  const reasons: Record<string, string> = {};
  for (const s of STAGES.filter((s) => s.number <= stage.number)) {
    for (const [name, yours] of Object.entries(s.references ?? {})) {
      if (stage.keeps?.includes(name)) continue;
      reasons[name] = `${name} is the library's answer to what stage ${s.number} asks you to ` +
        `write: while stage ${stage.number} is graded, use your own ${yours} (${s.file})`;
    }
  }
  return reasons;
}
