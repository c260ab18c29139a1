/**
 * The reference prompts as the stages use them: names for reports, ids as tensors, the
 * longest one (for causality and cache checks), where generated ids leave the reference.
 *
 * @module
 */
import { Tensor } from "../lib/tensor.ts";
import type { PromptRef } from "./references.ts";
import type { GradeContext } from "./stage.ts";

/**
 * How a report names a prompt: its index and (shortened) text, or its ids.
 *
 * @param p the prompt
 * @returns e.g. `prompt 0 ("Hello world")`
 */
export function promptName(p: PromptRef): string {
  const text = p.text === undefined
    ? JSON.stringify(p.ids)
    : JSON.stringify(p.text.length > 32 ? `${p.text.slice(0, 30)}…` : p.text);
  return `prompt ${p.index} (${text})`;
}

/**
 * Token ids as a `[1, T]` tensor.
 *
 * @param ids the ids
 * @returns the tensor
 */
export function idsTensor(ids: readonly number[]): Tensor {
  return new Tensor(Float32Array.from(ids), [1, ids.length]);
}

/**
 * The longest reference prompt.
 *
 * @param ctx the grading context
 * @returns the prompt
 */
export function longestPrompt(ctx: GradeContext): PromptRef {
  return ctx.refs.prompts.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
}

/**
 * Where generated ids first leave a reference continuation.
 *
 * @param expected the reference's new ids after a prompt (or the first of them)
 * @param found the new ids generated after it (as many as `expected`)
 * @returns the first differing step (from 0) and the expected and found ids as report lines, or
 *   undefined when every id matches
 */
export function divergence(
  expected: readonly number[],
  found: readonly number[],
): { step: number; details: string[] } | undefined {
  const step = found.findIndex((id, i) => id !== expected[i]);
  if (step < 0) return undefined;
  return {
    step,
    details: [`expected ${JSON.stringify(expected)}`, `found    ${JSON.stringify(found)}`],
  };
}
