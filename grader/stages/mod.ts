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
