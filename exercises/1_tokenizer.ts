// deno-lint-ignore-file no-unused-vars -- the stubs take the parameters your code will use
/**
 * Stage 1 — the GPT-2 tokenizer.
 *
 * In this exercise you will turn text into the token ids GPT-2 reads, and back. GPT-2 does not
 * see letters or words but ids from a vocabulary of 50257 tokens, built by byte-pair encoding
 * (BPE): start from single bytes and, again and again, merge the pair that was most common in
 * the training text. The 50000 merges it learnt are in `merges.txt`, in the order they were
 * learnt (their *rank*); the resulting token strings and their ids are in `vocab.json`.
 * `loadTokenizerFiles()` reads both for you.
 *
 * Encoding a text takes five steps:
 * 1. split off the special token `<|endoftext|>`, which is never broken up (id 50256);
 * 2. cut each part into pre-tokens with {@linkcode PRETOKENIZE} (" world", "'s", "123", ...):
 *    merges never cross their boundaries;
 * 3. write each pre-token as its UTF-8 bytes, every byte as one printable character
 *    ({@linkcode bytesToUnicode}): " café" becomes "ĠcafÃ©";
 * 4. merge those characters with {@linkcode bpe}, lowest rank first: "ĠcafÃ©" -> "Ġcaf", "Ã©";
 * 5. look each token string up in `vocab.json`.
 *
 * Questions from the lecture to try yourself: how many tokens are "cat" and " cat"? Why are
 * they different ids? How many tokens are "superman" and "spiderman", and where are the cuts?
 *
 * The grader compares your ids with tiktoken's gpt2 encoding (OpenAI's own tokenizer) on many
 * texts: accents, Chinese, emoji, runs of spaces, contractions, code, the special token.
 *
 * Check your work: `deno task check 1`. Stuck? `deno task hint 1`.
 *
 * @module
 */
import { todo } from "../mod.ts";

/**
 * GPT-2's table from bytes to printable characters, so that any byte sequence can be written
 * as a string of visible symbols (`vocab.json` is written in them: "Ġ" is the space).
 *
 * - Printable Latin-1 bytes stand for themselves: `'!'..'~'` (33..126), `'¡'..'¬'`
 *   (161..172) and `'®'..'ÿ'` (174..255).
 * - The other 68 bytes (controls, space, DEL, no-break space, soft hyphen) get the characters
 *   from U+0100 on, in byte order: the n-th of them (n = 0, 1, 2, …) maps to
 *   `String.fromCharCode(256 + n)`. So byte 0 -> "Ā", 10 (newline) -> "Ċ", 32 (space) -> "Ġ".
 *
 * @returns byte (0..255) -> one character; 256 entries, no two bytes share a character
 */
export function bytesToUnicode(): Map<number, string> {
  // TODO: build the 256 entries.
  return todo(
    "bytesToUnicode",
    "Loop over the bytes 0..255. Is the byte printable (33..126, 161..172, 174..255)? Then " +
      "it maps to String.fromCharCode(b). Otherwise, which character should it get?",
  );
}

/**
 * The pre-tokenisation pattern: `text.matchAll(PRETOKENIZE)` cuts a text into the pieces BPE
 * works on. This first attempt (runs of non-spaces, runs of spaces) cuts "Hello world" into
 * "Hello", " ", "world"; GPT-2 cuts it into "Hello", " world".
 *
 * GPT-2's pattern tries these alternatives in order, with the flags `g` (all matches) and `u`
 * (so that `\p{L}` means "any letter" and `\p{N}` "any digit", in every script):
 * - the contractions `'s 't 're 've 'm 'll 'd` (lower case);
 * - an optional space, then letters;
 * - an optional space, then digits;
 * - an optional space, then other symbols (not space, letter or digit);
 * - whitespace that is not followed by a non-space: a run of spaces before a word leaves its
 *   last space to the word (`"a   b"` -> `"a"`, `"  "`, `" b"`), use a lookahead `(?!\S)`;
 * - any other whitespace.
 */
// TODO: replace this first attempt with GPT-2's pattern.
export const PRETOKENIZE: RegExp = /\S+|\s+/gu;

/**
 * The merge loop of BPE. Start with one symbol per character of `word`. Then repeat: among
 * all adjacent pairs `a`, `b` whose key `` `${a} ${b}` `` is in `ranks`, take the one with the
 * LOWEST rank (the merge learnt first); merge every occurrence of that pair into `a + b`
 * (left to right); stop when no adjacent pair is in `ranks`.
 *
 * Example with ranks `{"Ġ c": 0, "a t": 1, "Ġc at": 2}`: "Ġcat" -> "Ġc" "a" "t" ->
 * "Ġc" "at" -> "Ġcat".
 *
 * @param word a pre-token in the printable byte alphabet, e.g. `"Ġcat"`
 * @param ranks `"a b"` -> rank (the line of merges.txt the pair comes from, 0 first)
 * @returns the tokens, e.g. `["Ġcat"]`
 */
export function bpe(word: string, ranks: Map<string, number>): string[] {
  // TODO: the merge loop.
  return todo(
    "bpe",
    "Start from [...word], one symbol per character. Which adjacent pair should you merge " +
      "first: the leftmost one, the most frequent one, or the one with the lowest rank?",
  );
}

/** GPT-2's tokenizer: text -> token ids -> text. */
export class Tokenizer {
  /**
   * Prepare the lookups `encode` and `decode` need: token string -> id and back, byte ->
   * character and back ({@linkcode bytesToUnicode}), and the ranks, `"a b"` -> the index of
   * the pair in `merges`.
   *
   * @param encoder `vocab.json`: token string -> id
   * @param merges `merges.txt`: pairs, rank 0 first
   */
  constructor(encoder: Record<string, number>, merges: [string, string][]) {
    // TODO: build the lookups and keep them in fields.
    todo(
      "Tokenizer constructor",
      `There are ${merges.length} merges. Which maps do encode and decode need? For the ` +
        'ranks: new Map(merges.map(([a, b], rank) => ...)) with keys like "Ġ t".',
    );
  }

  /** Number of token ids: 50257 for GPT-2 (50000 merges + 256 bytes + `<|endoftext|>`). */
  get vocabSize(): number {
    // TODO: how many entries does the vocabulary have?
    return todo("Tokenizer.vocabSize", "How many ids does vocab.json hold?");
  }

  /**
   * Encode a text: split on `<|endoftext|>` (emit its id, 50256, for each one); cut each
   * part with {@linkcode PRETOKENIZE}; for each piece, take its UTF-8 bytes
   * (`new TextEncoder().encode(piece)`), map them through the byte table, join, {@linkcode bpe},
   * and look up each token's id. Keep a cache, piece -> ids: texts repeat words a lot.
   *
   * @param text any string
   * @returns the token ids, e.g. `encode("Hello world")` = `[15496, 995]`
   */
  encode(text: string): number[] {
    // TODO: the five steps.
    return todo(
      "Tokenizer.encode",
      'Start with the pieces: what does [...text.matchAll(PRETOKENIZE)] give for "Hello world"?',
    );
  }

  /**
   * Decode ids back to text: each id -> its token string -> one byte per character (the
   * inverse byte table) -> UTF-8 decode of all the bytes at once (`new TextDecoder()`): a
   * character such as an emoji may be split across several tokens.
   *
   * @param ids token ids
   * @returns the text
   */
  decode(ids: number[]): string {
    // TODO: ids -> strings -> bytes -> text.
    return todo(
      "Tokenizer.decode",
      "Which token string does each id stand for, and which byte does each of its " +
        "characters stand for?",
    );
  }
}
