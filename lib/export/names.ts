/**
 * The names of an exported graph's inputs and outputs, shared by the exporter and whatever runs
 * the graph (onnxruntime in Deno, or in the studio's page).
 *
 * @module
 */

/** The graph's input: token ids, int64 `[1, sequence]`. */
export const INPUT_IDS = "input_ids";
/** The graph's output: logits, float32 `[1, sequence, vocab]`. */
export const LOGITS = "logits";

/**
 * The names of layer `i`'s cache inputs and outputs in a cached graph.
 *
 * @param i the layer
 * @returns the input names (past) and output names (present) of its keys and values
 * @example
 * ```ts
 * import { cacheNames } from "./names.ts";
 * cacheNames(0).pastKey; // "past_key_0"
 * ```
 */
export function cacheNames(i: number) {
  return {
    pastKey: `past_key_${i}`,
    pastValue: `past_value_${i}`,
    presentKey: `present_key_${i}`,
    presentValue: `present_value_${i}`,
  };
}
