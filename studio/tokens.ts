/**
 * The Tokens panel (stage 1) and the tokenizer the other panels share: the learner's ids for a
 * text, from their `Tokenizer` in the sandbox, beside the reference's (the independent
 * `js-tiktoken` GPT-2 encoding, the grader's oracle), and the text of ids.
 *
 * @module
 */
import { getEncoding } from "js-tiktoken";
import type { Chip, EncodeView, Learner, TokensView } from "./api.ts";
import { learnerOutcome, type StudioSession } from "./session.ts";

const gpt2 = getEncoding("gpt2");

/** GPT-2's vocabulary size: the ids the reference tokenizer knows. */
const VOCAB = 50257;

/**
 * The reference tokenizer's ids for a text (`<|endoftext|>` included as the special token).
 *
 * @param text the text
 * @returns the ids
 * @example
 * ```ts
 * import { referenceIds } from "./tokens.ts";
 * referenceIds("spiderman"); // [2777, 1304, 805]
 * ```
 */
export function referenceIds(text: string): number[] {
  return gpt2.encode(text, "all");
}

/**
 * The text of some ids (a piece of a character shows as `�`); ids outside the vocabulary show
 * as `<id?>`.
 *
 * @param ids the ids
 * @returns the text
 */
export function decodeIds(ids: readonly number[]): string {
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= VOCAB);
  return bad === undefined ? gpt2.decode([...ids]) : `<${bad}?>`;
}

/**
 * Ids with their texts.
 *
 * @param ids the ids
 * @returns the chips
 */
export function chips(ids: readonly number[]): Chip[] {
  return ids.map((id) => ({ id, piece: decodeIds([id]) }));
}

function idsOf(value: unknown): number[] {
  const ids = (value as { ids?: unknown })?.ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "number")) {
    throw new TypeError(`Your encode(text) should return an array of numbers, found ${typeof ids}`);
  }
  return ids;
}

/**
 * Runs the learner's `encode` on texts, in one sandboxed run.
 *
 * @param session the studio
 * @param texts the texts
 * @returns their ids for each text, or why there are none
 */
async function learnerIds(session: StudioSession, texts: string[]): Promise<Learner<number[]>[]> {
  const stage = session.stage(1);
  const calls = texts.map((text, i) => ({ id: `encode:${i}`, probe: "encode", args: { text } }));
  const run = await session.probe(stage, calls);
  return calls.map((c) => learnerOutcome(run, c.id, stage, idsOf));
}

function tokensOf(text: string, learner: Learner<number[]>): TokensView {
  const reference = referenceIds(text);
  if (learner.state !== "ready") return { reference: chips(reference), learner };
  const ids = learner.value;
  const n = Math.max(ids.length, reference.length);
  const first = Array.from({ length: n }, (_, i) => i).find((i) => ids[i] !== reference[i]);
  return {
    reference: chips(reference),
    learner: { state: "ready", value: chips(ids) },
    ...(first === undefined ? {} : { firstDifference: first }),
  };
}

/**
 * The Tokens panel for some texts.
 *
 * @param session the studio
 * @param texts the texts
 * @returns for each text, both tokenizations and where they first differ
 */
export async function tokensView(session: StudioSession, texts: string[]): Promise<TokensView[]> {
  const learner = await learnerIds(session, texts);
  return texts.map((text, i) => tokensOf(text, learner[i]));
}

/**
 * A prompt's ids for generation: the learner's tokenizer once it runs, else the reference's.
 *
 * @param session the studio
 * @param text the prompt
 * @returns the ids and whose they are
 */
export async function encodeView(session: StudioSession, text: string): Promise<EncodeView> {
  const [learner] = await learnerIds(session, [text]);
  const usable = learner.state === "ready" &&
    learner.value.every((id) => Number.isInteger(id) && id >= 0 && id < VOCAB);
  return usable
    ? { ids: learner.value, by: "yours" }
    : { ids: referenceIds(text), by: "reference" };
}
