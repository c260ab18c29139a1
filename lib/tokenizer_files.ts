/**
 * GPT-2's tokenizer files: `vocab.json` (token string -> id, 50,257 entries) and `merges.txt`
 * (the 50,000 BPE merges in rank order, after a `#version` line).
 *
 * @module
 */
import { kitPath } from "./paths.ts";

/** The parsed tokenizer files. */
export interface TokenizerFiles {
  /** Token string (in GPT-2's byte-to-unicode alphabet) -> id. */
  encoder: Record<string, number>;
  /** Merge pairs, highest priority (rank 0) first. */
  merges: [string, string][];
}

/** Raised when the tokenizer files are missing or malformed. */
export class TokenizerFilesError extends Error {
  /** @param message what is wrong, naming the file */
  constructor(message: string) {
    super(message);
    this.name = "TokenizerFilesError";
  }
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw new TokenizerFilesError(`Cannot read "${path}": ${(e as Error).message}`);
  }
}

/** The tokenizer's files in its directory: the only ones of it a reader needs. */
export const TOKENIZER_FILES = ["vocab.json", "merges.txt"] as const;

/**
 * Reads `vocab.json` and `merges.txt` from a directory (default: the bundled copy in
 * `data/tokenizer/`).
 *
 * @param dir the directory holding both files
 * @returns the vocabulary and the merges
 * @throws {TokenizerFilesError} naming the file that is missing or malformed
 * @example
 * ```ts
 * import { loadTokenizerFiles } from "./tokenizer_files.ts";
 * const { encoder, merges } = loadTokenizerFiles();
 * encoder["<|endoftext|>"]; // 50256
 * merges[0]; // ["Ġ", "t"]
 * ```
 */
export function loadTokenizerFiles(dir = kitPath("data", "tokenizer")): TokenizerFiles {
  const [vocabPath, mergesPath] = TOKENIZER_FILES.map((name) => `${dir}/${name}`);
  let encoder: Record<string, number>;
  try {
    encoder = JSON.parse(read(vocabPath));
  } catch (e) {
    if (e instanceof TokenizerFilesError) throw e;
    throw new TokenizerFilesError(`Cannot read "${vocabPath}": not valid JSON`);
  }
  if (typeof encoder !== "object" || encoder === null || Array.isArray(encoder)) {
    throw new TokenizerFilesError(`Cannot read "${vocabPath}": expected an object of ids`);
  }
  const merges: [string, string][] = [];
  const lines = read(mergesPath).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("#version") || line.trim() === "") continue;
    const parts = line.split(" ");
    if (parts.length !== 2) {
      throw new TokenizerFilesError(
        `Cannot read "${mergesPath}": line ${i + 1} should hold two tokens, found "${line}"`,
      );
    }
    merges.push([parts[0], parts[1]]);
  }
  return { encoder, merges };
}
