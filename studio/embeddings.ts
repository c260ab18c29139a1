/**
 * The Embeddings panel (stage 2): how similar the learner's embeddings of some words are, by
 * their own `cosineSimilarity`, on the loaded `wte`.
 *
 * @module
 */
import type { EmbeddingsView } from "./api.ts";
import { learnerOutcome, type StudioSession } from "./session.ts";
import { chips, referenceIds } from "./tokens.ts";

/** The lecture's words. */
export const DEFAULT_WORDS = ["fruit", "apple", "man", "woman"];

function matrixOf(n: number) {
  return (value: unknown): number[][] => {
    const ok = Array.isArray(value) && value.length === n &&
      value.every((row) =>
        Array.isArray(row) && row.length === n && row.every((x) => typeof x === "number")
      );
    if (!ok) throw new TypeError("Your cosineSimilarity(a, b) should return a number");
    return value as number[][];
  };
}

/**
 * The Embeddings panel for a list of words. Each word is embedded as it appears inside a
 * sentence, after a space (`" apple"`, one token of GPT-2's vocabulary); a word of several
 * tokens is the mean of their vectors.
 *
 * @param session the studio
 * @param words the words
 * @returns their tokens and the learner's similarity of every pair
 */
export async function embeddingsView(
  session: StudioSession,
  words: string[],
): Promise<EmbeddingsView> {
  const tokenized = words.map((w) => ({ word: w.trim(), ids: referenceIds(` ${w.trim()}`) }));
  const stage = session.stage(2);
  const run = await session.probe(stage, [
    { id: "similarities", probe: "similarities", args: { words: tokenized.map((w) => w.ids) } },
  ]);
  return {
    words: tokenized.map((w) => ({ word: w.word, tokens: chips(w.ids) })),
    similarities: learnerOutcome(run, "similarities", stage, matrixOf(words.length)),
  };
}
