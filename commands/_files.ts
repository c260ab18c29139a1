/**
 * Files the tools share: writing so that a reader never sees half of one (the text goes to a
 * temporary file beside the target, is flushed to disk, then renamed over the target in one
 * step; if anything fails, the target is left as it was and the temporary file is removed),
 * checking whether one exists, and hashing one without holding it in memory.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/**
 * Writes a file atomically (temporary file in the same directory, then rename).
 *
 * @param path the file to write; its directory must exist
 * @param content the new content: text (written as UTF-8) or bytes
 * @throws {Deno.errors.NotFound} when the directory does not exist (nothing is written)
 * @example
 * ```ts
 * import { writeFileAtomic } from "./_files.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/state.json`, "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Whether a path exists (a file, a directory or a link).
 *
 * @param path the path
 * @returns true when it exists
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * The SHA-256 of a file, read in chunks (a 548 MB checkpoint never sits in memory at once).
 *
 * @param path the file
 * @returns the digest, lowercase hex
 * @example
 * ```ts
 * import { sha256File } from "./_files.ts";
 * (await sha256File("data/tiny/config.json")).length; // 64
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await hashInto(hash, path);
  return hash.digest("hex");
}

/**
 * Feeds a file's bytes into a hash, streamed (e.g. a partial download before its rest).
 *
 * @param hash the hash to update
 * @param path the file
 */
export async function hashInto(hash: Hash, path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
}
