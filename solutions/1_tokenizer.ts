/**
 * Stage 1 — the GPT-2 tokenizer (solution).
 *
 * Byte-level byte-pair encoding, as in OpenAI's `encoder.py`: split off the special token,
 * cut the text into pre-tokens with a regex, write each pre-token's UTF-8 bytes as printable
 * characters, merge adjacent symbols lowest rank first, and look the results up in the
 * vocabulary. Decoding runs the same steps backwards.
 *
 * @module
 */

/** The special token between documents: never split, always one id (50256). */
const END_OF_TEXT = "<|endoftext|>";

/**
 * GPT-2's table from bytes to printable characters, so that every byte sequence can be
 * written as a string of visible symbols (and BPE never has to handle spaces or controls).
 * Printable Latin-1 bytes stand for themselves; the other 68 (controls, space, DEL, NBSP,
 * soft hyphen) get the characters after U+00FF, in byte order: 0 -> "Ā", 32 (space) -> "Ġ".
 *
 * @returns byte (0..255) -> one character, one-to-one
 */
export function bytesToUnicode(): Map<number, string> {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table = new Map<number, string>();
  let n = 0; // how many non-printable bytes have been moved so far
  for (let b = 0; b < 256; b++) {
    table.set(b, String.fromCharCode(printable(b) ? b : 256 + n++));
  }
  return table;
}

/**
 * GPT-2's pre-tokenisation pattern: the contractions, then an optional space followed by
 * letters, by digits or by other symbols, then whitespace (a run of spaces leaves its last
 * space to the next word). BPE merges only inside these pieces.
 */
export const PRETOKENIZE: RegExp =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * The merge loop: start from single characters and, again and again, merge the adjacent pair
 * learnt first (the lowest rank), every occurrence of it, until no adjacent pair is a merge.
 *
 * @param word a pre-token in the printable byte alphabet, e.g. `"Ġcat"`
 * @param ranks `"a b"` -> rank (the line of merges.txt it comes from, 0 first)
 * @returns the tokens, e.g. `["Ġcat"]`
 */
export function bpe(word: string, ranks: Map<string, number>): string[] {
  let symbols = [...word];
  while (symbols.length > 1) {
    // the adjacent pair with the lowest rank wins
    let best: [string, string] | undefined;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        best = [symbols[i], symbols[i + 1]];
        bestRank = rank;
      }
    }
    if (!best) break; // no adjacent pair is a known merge
    // merge every occurrence of that pair, left to right
    const [a, b] = best;
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (symbols[i] === a && symbols[i + 1] === b) {
        merged.push(a + b);
        i++;
      } else merged.push(symbols[i]);
    }
    symbols = merged;
  }
  return symbols;
}

/** GPT-2's tokenizer: text -> token ids -> text. */
export class Tokenizer {
  /** Token string -> id. */
  encoder: Map<string, number>;
  /** Id -> token string. */
  decoder: Map<number, string>;
  /** Byte -> printable character. */
  byteEncoder: Map<number, string>;
  /** Printable character -> byte. */
  byteDecoder: Map<string, number>;
  /** `"a b"` -> rank of the merge. */
  ranks: Map<string, number>;
  /** Pre-token -> its ids, so repeated words are merged only once. */
  cache: Map<string, number[]> = new Map();
  #utf8 = new TextEncoder();

  /**
   * @param encoder vocab.json: token string -> id
   * @param merges merges.txt: pairs, rank 0 first
   */
  constructor(encoder: Record<string, number>, merges: [string, string][]) {
    this.encoder = new Map(Object.entries(encoder));
    this.decoder = new Map(Object.entries(encoder).map(([token, id]) => [id, token]));
    this.byteEncoder = bytesToUnicode();
    this.byteDecoder = new Map([...this.byteEncoder].map(([b, ch]) => [ch, b]));
    this.ranks = new Map(merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
  }

  /** Number of token ids (50257: 50000 merges, 256 bytes, `<|endoftext|>`). */
  get vocabSize(): number {
    return this.decoder.size;
  }

  /**
   * @param text any string; `<|endoftext|>` in it becomes the special token
   * @returns the token ids
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    text.split(END_OF_TEXT).forEach((part, i) => {
      if (i > 0) ids.push(this.encoder.get(END_OF_TEXT)!);
      for (const [piece] of part.matchAll(PRETOKENIZE)) ids.push(...this.#encodePiece(piece));
    });
    return ids;
  }

  /**
   * @param ids token ids
   * @returns the text
   * @throws {RangeError} for an id outside the vocabulary
   */
  decode(ids: number[]): string {
    const text = ids.map((id) => {
      const token = this.decoder.get(id);
      if (token === undefined) {
        throw new RangeError(
          `Cannot decode token id ${id}: the vocabulary has ids 0..${this.vocabSize - 1}`,
        );
      }
      return token;
    }).join("");
    // one byte per character; decode the UTF-8 all at once (a character may span tokens)
    const bytes = Uint8Array.from(text, (ch) => this.byteDecoder.get(ch)!);
    return new TextDecoder().decode(bytes);
  }

  #encodePiece(piece: string): number[] {
    let ids = this.cache.get(piece);
    if (!ids) {
      // UTF-8 bytes as printable characters: " café" -> "ĠcafÃ©"
      const word = Array.from(this.#utf8.encode(piece), (b) => this.byteEncoder.get(b)!).join("");
      ids = bpe(word, this.ranks).map((token) => this.encoder.get(token)!);
      this.cache.set(piece, ids);
    }
    return ids;
  }
}
