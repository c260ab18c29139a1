/**
 * Downloading a model's files from a Hugging Face hub (or a mirror) so that a half or corrupt
 * file never sits where a whole one is expected.
 *
 * Each file is fetched from `${endpoint}/${repo}/resolve/${revision}/${name}` into
 * `<name>.partial`, its SHA-256 computed while the bytes are written; only a file of the
 * expected size and digest is renamed into place. An interrupted download resumes with an HTTP
 * `Range` request (a server that ignores it answers 200, and the file starts over); a download
 * that stalls (no bytes for a while) or drops is retried a few times, then fails with a message
 * that says how far it got. Files already in place are verified by size and digest once, and the
 * result is remembered in `<dir>/.verified.json` by size and modification time, so that a
 * second run does not read 548 MB again. Free disk space is checked first (`df -Pk`).
 *
 * @example
 * ```ts ignore
 * import { download } from "./_download.ts";
 * const result = await download({
 *   endpoint: "https://huggingface.co",
 *   repo: "openai-community/gpt2",
 *   revision: "607a30d783dfa663caf39e06633721c8d4cfcd7e",
 *   files: [{ name: "config.json", size: 665, sha256: "0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4" }],
 *   dir: "data/gpt2",
 * });
 * result.fetched; // ["config.json"], or [] when it was already there
 * ```
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { relative } from "../lib/paths.ts";
import { hashInto, sha256File, writeFileAtomic } from "./_files.ts";

/** A file to download, and what it must be. */
export interface ExpectedFile {
  /** Its path in the repository, and its name in the target directory. */
  name: string;
  /** Its size in bytes. */
  size: number;
  /** Its SHA-256, lowercase hex. */
  sha256: string;
}

/** Why a download failed: the kind decides the advice a tool adds to the message. */
export type DownloadFailure =
  | "unreachable" // no connection to the server at all (offline, DNS, firewall)
  | "timeout" // the server did not answer, or stopped sending
  | "interrupted" // the connection dropped, again and again
  | "not-found" // HTTP 404
  | "denied" // HTTP 401 or 403
  | "server" // HTTP 5xx or 429, again and again
  | "http" // another HTTP status
  | "size" // the server's file has another size
  | "checksum" // the downloaded bytes have another SHA-256
  | "disk"; // not enough free space

/** A download that failed, with a message that says what happened and what was kept. */
export class DownloadError extends Error {
  /** Why it failed. */
  readonly reason: DownloadFailure;

  /**
   * @param message what failed, where, and what to do
   * @param reason why it failed
   * @param options the underlying error, if any
   */
  constructor(message: string, reason: DownloadFailure, options?: ErrorOptions) {
    super(message, options);
    this.name = "DownloadError";
    this.reason = reason;
  }
}

/** Where a download reports what it does: news lines and the progress of each file's bytes. */
export interface Reporter {
  /**
   * A line of news (a file verified, resumed, retried).
   *
   * @param line the text
   */
  note(line: string): void;
  /**
   * The progress of a file: called for every chunk; the reporter decides what to show.
   *
   * @param name the file
   * @param done its bytes on disk so far (resumed ones included)
   * @param total its size
   */
  progress(name: string, done: number, total: number): void;
  /**
   * A file's bytes are all in.
   *
   * @param name the file
   */
  finished(name: string): void;
}

/** A text output: the reporter writes to it. */
export interface TextSink {
  /** Whether it is a terminal (a redrawn progress bar) or not (plain periodic lines). */
  isTerminal: boolean;
  /**
   * Writes text as is.
   *
   * @param text the text
   */
  write(text: string): void;
}

/** Plain (not a terminal) progress: a line every 5 s, or every 10 % but not within 1 s. */
const PLAIN_EVERY_MS = 5000;
const PLAIN_MIN_MS = 1000;
/** How often the progress bar is redrawn, at most, in milliseconds. */
const BAR_EVERY_MS = 100;
const BAR_WIDTH = 24;

/**
 * A size for people: `548.1 MB` (powers of 1000, as the hub shows them).
 *
 * @param bytes the size
 * @returns the text
 * @example
 * ```ts
 * import { formatBytes } from "./_download.ts";
 * formatBytes(548_105_171); // "548.1 MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000, unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration as `m:ss` or `h:mm:ss`. */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/**
 * A reporter that draws a progress bar (bytes, speed, time left) on a terminal, and prints a
 * plain line every 5 seconds or 10 % elsewhere (logs, CI).
 *
 * @param sink where to write (default: standard error)
 * @param now the clock, in milliseconds
 * @returns the reporter
 */
export function progressReporter(
  sink: TextSink = stderrSink(),
  now: () => number = () => performance.now(),
): Reporter {
  // the file in progress; speed counts the bytes of this run only, not resumed ones
  let current:
    | { name: string; started: number; from: number; shown: number; tenth: number; done: number }
    | undefined;
  let barShown = false;
  const endBar = () => {
    if (barShown) sink.write("\n");
    barShown = false;
  };
  const rate = (done: number) => {
    const seconds = (now() - current!.started) / 1000;
    return seconds > 0 ? (done - current!.from) / seconds : 0;
  };
  const status = (done: number, total: number) => {
    const speed = rate(done);
    const left = speed > 0 ? formatDuration((total - done) / speed) : "--:--";
    return { speed: `${formatBytes(Math.round(speed))}/s`, left };
  };
  return {
    note(line) {
      endBar();
      sink.write(`${line}\n`);
      current = undefined; // what follows (a retry, a resume) is measured afresh
    },
    progress(name, done, total) {
      const t = now();
      if (current?.name !== name) {
        endBar();
        // plain lines start after 5 s or the next 10 %; a small file shows only its last line
        const tenth = total ? Math.floor((done / total) * 10) : 10;
        current = {
          name,
          started: t,
          from: done,
          shown: sink.isTerminal ? -Infinity : t,
          tenth,
          done,
        };
      }
      current.done = done;
      const percent = total ? Math.floor((done / total) * 100) : 100;
      if (sink.isTerminal) {
        if (t - current.shown < BAR_EVERY_MS && done < total) return;
        current.shown = t;
        const filled = Math.round((percent / 100) * BAR_WIDTH);
        const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
        const { speed, left } = status(done, total);
        sink.write(
          `\r\x1b[K${name} [${bar}] ${String(percent).padStart(3)}% ` +
            `${formatBytes(done)} / ${formatBytes(total)}  ${speed}  ETA ${left}`,
        );
        barShown = true;
        return;
      }
      const tenth = Math.floor(percent / 10);
      const since = t - current.shown;
      const due = since >= PLAIN_EVERY_MS || (tenth > current.tenth && since >= PLAIN_MIN_MS);
      if (done >= total || !due) return;
      current.shown = t;
      current.tenth = tenth;
      const { speed, left } = status(done, total);
      sink.write(
        `${name}: ${percent}% (${formatBytes(done)} of ${formatBytes(total)}, ${speed}, ` +
          `${left} left)\n`,
      );
    },
    finished(name) {
      if (current?.name !== name) return;
      if (barShown) sink.write("\r\x1b[K"); // the summary replaces the bar
      barShown = false;
      const seconds = (now() - current.started) / 1000;
      const got = current.done - current.from;
      sink.write(
        `${name}: ${formatBytes(current.done)}, done (${formatBytes(got)} in ` +
          `${seconds.toFixed(1)} s)\n`,
      );
      current = undefined;
    },
  };
}

/** Standard error, as a {@linkcode TextSink}. */
function stderrSink(): TextSink {
  const encoder = new TextEncoder();
  return {
    isTerminal: Deno.stderr.isTerminal(),
    write: (text) => {
      const bytes = encoder.encode(text);
      for (let at = 0; at < bytes.length;) at += Deno.stderr.writeSync(bytes.subarray(at));
    },
  };
}

/**
 * The free space of the file system that holds `dir`, from `df -Pk` (Deno has no `statfs`).
 *
 * @param dir an existing directory
 * @returns bytes available, or undefined when `df` cannot be run or read
 */
export async function freeDiskBytes(dir: string): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("df", {
      args: ["-Pk", dir],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    if (!out.success) return undefined;
    // Filesystem 1024-blocks Used Available Capacity Mounted-on
    const last = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    const available = Number(last.trim().split(/\s+/)[3]);
    return Number.isFinite(available) ? available * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** What {@linkcode download} needs to know. */
export interface DownloadOptions {
  /** The hub, e.g. `https://huggingface.co`, or a mirror of it. */
  endpoint: string;
  /** The repository, e.g. `openai-community/gpt2`. */
  repo: string;
  /** The revision: a commit hash (pinned) or a branch. */
  revision: string;
  /** The files, with their sizes and digests. */
  files: readonly ExpectedFile[];
  /** Where to put them (created if needed). */
  dir: string;
  /** Where to report progress (default: {@linkcode progressReporter} on standard error). */
  reporter?: Reporter;
  /** How long a download may go without a byte before it counts as stalled (default 30 s), in ms. */
  stallTimeoutMs?: number;
  /** How long to wait for the server's answer to a request (default 30 s), in ms. */
  responseTimeoutMs?: number;
  /** How many times an interrupted, stalled or failed (5xx) download is tried again (default 3). */
  retries?: number;
  /** Wait before retry n: n times this (default 2 s), in ms. */
  retryDelayMs?: number;
  /** Disk space to keep free besides the downloads (e.g. for files made from them), in bytes. */
  reserveBytes?: number;
  /** The free space of a directory (default {@linkcode freeDiskBytes}); undefined: unknown. */
  freeBytes?: (dir: string) => Promise<number | undefined>;
}

/** What a download did. */
export interface DownloadResult {
  /** The files fetched by this run. */
  fetched: string[];
  /** The files that were already in place and verified. */
  present: string[];
}

/** What `.verified.json` remembers of a verified file. */
interface VerifiedEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** The file, in the target directory, that remembers which files were verified. */
export const VERIFIED_FILE = ".verified.json";

/**
 * The URL of a file on a hub.
 *
 * @param endpoint the hub, e.g. `https://huggingface.co`
 * @param repo e.g. `openai-community/gpt2`
 * @param revision a commit hash or branch
 * @param name the file's path in the repository
 * @returns `${endpoint}/${repo}/resolve/${revision}/${name}`
 * @example
 * ```ts
 * import { fileUrl } from "./_download.ts";
 * fileUrl("https://huggingface.co/", "openai-community/gpt2", "main", "config.json");
 * // "https://huggingface.co/openai-community/gpt2/resolve/main/config.json"
 * ```
 */
export function fileUrl(endpoint: string, repo: string, revision: string, name: string): string {
  return `${endpoint.replace(/\/+$/, "")}/${repo}/resolve/${revision}/${name}`;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function readVerified(path: string): Promise<Record<string, VerifiedEntry>> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {}; // missing or unreadable: everything is verified again
  }
}

/**
 * Downloads the files that are not already in `dir`, verified, and verifies those that are.
 *
 * @param options what to download, from where, to where
 * @returns which files were fetched and which were already there
 * @throws {DownloadError} when a file cannot be downloaded whole and verified: the message
 *   says why, and nothing is left at the file's path (a resumable `.partial` may be kept)
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const { dir, files } = options;
  const reporter = options.reporter ?? progressReporter();
  await Deno.mkdir(dir, { recursive: true });
  const cachePath = `${dir}/${VERIFIED_FILE}`;
  const verified = await readVerified(cachePath);
  const remember = async (file: ExpectedFile) => {
    const info = await Deno.stat(`${dir}/${file.name}`);
    if (!info.mtime) return;
    verified[file.name] = { size: info.size, mtimeMs: info.mtime.getTime(), sha256: file.sha256 };
    await writeFileAtomic(cachePath, JSON.stringify(verified, null, 2) + "\n");
  };

  const present: string[] = [];
  const missing: ExpectedFile[] = [];
  for (const file of files) {
    const state = await inPlace(dir, file, verified[file.name], reporter);
    if (state === "missing") missing.push(file);
    else present.push(file.name);
    if (state === "read") await remember(file);
  }
  if (!missing.length) return { fetched: [], present };

  await checkFreeSpace(options, missing, reporter);
  for (const file of missing) {
    await fetchFile(options, file, reporter);
    await remember(file);
  }
  return { fetched: missing.map((f) => f.name), present };
}

/**
 * Whether a file is in place and verified: `remembered` when its size and modification time
 * are those in the cache, `read` when its digest was computed now, `missing` when it is not
 * there or is wrong (a wrong file is removed, with a note).
 */
async function inPlace(
  dir: string,
  file: ExpectedFile,
  cached: VerifiedEntry | undefined,
  reporter: Reporter,
): Promise<"remembered" | "read" | "missing"> {
  const path = `${dir}/${file.name}`;
  let info;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "missing";
    throw e;
  }
  if (info.size !== file.size) {
    reporter.note(
      `${relative(path)} has ${info.size} bytes, expected ${file.size}: removing it to download ` +
        "it again.",
    );
    await Deno.remove(path);
    return "missing";
  }
  if (
    cached && cached.sha256 === file.sha256 && cached.size === info.size &&
    cached.mtimeMs === info.mtime?.getTime()
  ) return "remembered";
  if (file.size > 10_000_000) {
    reporter.note(`Verifying ${relative(path)} (${formatBytes(file.size)})…`);
  }
  const digest = await sha256File(path);
  if (digest === file.sha256) return "read";
  reporter.note(
    `${relative(path)} is not the expected file (SHA-256 ${digest}, expected ${file.sha256}): ` +
      "removing it to download it again.",
  );
  await Deno.remove(path);
  return "missing";
}

async function checkFreeSpace(
  options: DownloadOptions,
  missing: ExpectedFile[],
  reporter: Reporter,
): Promise<void> {
  const { dir } = options;
  let needed = options.reserveBytes ?? 0;
  for (const file of missing) {
    const partial = (await sizeOf(`${dir}/${file.name}.partial`)) ?? 0;
    needed += Math.max(0, file.size - (partial <= file.size ? partial : 0));
  }
  const free = await (options.freeBytes ?? freeDiskBytes)(dir);
  if (free === undefined) {
    reporter.note("Could not check the free disk space (`df -Pk` is not available): going on.");
    return;
  }
  if (free < needed) {
    throw new DownloadError(
      `Not enough free disk space in ${relative(dir)}: ${formatBytes(needed)} are needed, only ` +
        `${formatBytes(free)} are free.`,
      "disk",
    );
  }
}

/** A failure worth another try (the connection dropped, the server stalled or had a 5xx). */
class Retryable extends Error {
  /** The reason, should the last try fail this way. */
  readonly reason: DownloadFailure;

  constructor(message: string, reason: DownloadFailure, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** Fetches one file into `<name>.partial`, verifies it and renames it into place. */
async function fetchFile(
  options: DownloadOptions,
  file: ExpectedFile,
  reporter: Reporter,
): Promise<void> {
  const retries = options.retries ?? 3;
  const delayMs = options.retryDelayMs ?? 2000;
  for (let attempt = 0;; attempt++) {
    try {
      await fetchOnce(options, file, reporter, attempt);
      return;
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      const partial = `${options.dir}/${file.name}.partial`;
      const kept = (await sizeOf(partial)) ?? 0;
      if (attempt >= retries) {
        const tries = attempt + 1;
        throw new DownloadError(
          `${e.message}; gave up after ${tries} ${tries === 1 ? "try" : "tries"}. ` +
            (kept
              ? `The ${formatBytes(kept)} already downloaded are kept in ${relative(partial)}: ` +
                "running again resumes from there."
              : "Try again later."),
          e.reason,
          { cause: e },
        );
      }
      const wait = delayMs * (attempt + 1);
      reporter.note(
        `${e.message}; trying again${wait ? ` in ${(wait / 1000).toFixed(0)} s` : ""} ` +
          `(try ${attempt + 2} of ${retries + 1}).`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function fetchOnce(
  options: DownloadOptions,
  file: ExpectedFile,
  reporter: Reporter,
  attempt: number,
): Promise<void> {
  const path = `${options.dir}/${file.name}`;
  const partial = `${path}.partial`;
  const url = fileUrl(options.endpoint, options.repo, options.revision, file.name);
  const host = new URL(url).host;
  let offset = (await sizeOf(partial)) ?? 0;
  if (offset > file.size) {
    await Deno.remove(partial);
    offset = 0;
  }
  // the part already there is hashed before the rest is asked for (a stall timer runs then)
  let hash = createHash("sha256");
  if (offset) await hashInto(hash, partial);
  if (offset === file.size) return await verifyAndPlace(file, partial, path, hash, url);

  const stallMs = options.stallTimeoutMs ?? 30_000;
  const responseMs = options.responseTimeoutMs ?? 30_000;
  const controller = new AbortController();
  // one timer: first for the answer, then restarted by every chunk of the body
  let timedOut = false;
  const timeout = (ms: number) =>
    setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
  let timer = timeout(responseMs);
  const stallTimer = () => {
    clearTimeout(timer);
    timer = timeout(stallMs);
  };
  let done = offset;
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          "accept-encoding": "identity",
          ...(offset ? { range: `bytes=${offset}-` } : {}),
        },
        signal: controller.signal,
      });
    } catch (e) {
      if (timedOut) {
        throw new Retryable(
          `${host} did not answer within ${responseMs / 1000} s (${url})`,
          "timeout",
        );
      }
      // Deno says "fetch failed", and why in the cause
      const why = ((e as Error).cause instanceof Error ? (e as Error).cause as Error : e as Error)
        .message.replace(/^error sending request for url \([^)]*\): (client error \(\w+\): )?/, "");
      // before any answer: offline, a wrong address, a firewall — no use trying again
      if (attempt === 0) {
        throw new DownloadError(`Cannot reach ${host} (${why}).`, "unreachable", { cause: e });
      }
      throw new Retryable(`Cannot reach ${host} (${why})`, "unreachable", { cause: e });
    }
    stallTimer();
    const resumed = await checkResponse(response, file, url, offset, partial);
    if (offset && !resumed) {
      reporter.note(
        `The server does not resume downloads (it sent the whole file): starting ${file.name} ` +
          "again from the beginning.",
      );
      offset = done = 0;
      hash = createHash("sha256");
    } else if (offset) {
      reporter.note(
        `Resuming ${file.name} at ${formatBytes(offset)} of ${formatBytes(file.size)}.`,
      );
    }
    reporter.progress(file.name, done, file.size);
    const out = await Deno.open(partial, {
      write: true,
      create: true,
      append: resumed,
      truncate: !resumed,
    });
    let tooLong = false;
    try {
      for await (const chunk of response.body!) {
        stallTimer();
        if (done + chunk.length > file.size) {
          tooLong = true;
          break;
        }
        for (let at = 0; at < chunk.length;) at += await out.write(chunk.subarray(at));
        hash.update(chunk);
        done += chunk.length;
        reporter.progress(file.name, done, file.size);
      }
      if (done === file.size) await out.syncData();
    } catch (e) {
      const where = `at ${formatBytes(done)} of ${formatBytes(file.size)}`;
      if (timedOut) {
        throw new Retryable(
          `The download of ${file.name} stalled ${where}: no data for ${stallMs / 1000} s`,
          "timeout",
        );
      }
      throw new Retryable(
        `The download of ${file.name} was interrupted ${where} (${(e as Error).message})`,
        "interrupted",
        { cause: e },
      );
    } finally {
      out.close();
    }
    if (tooLong) {
      await Deno.remove(partial);
      throw new DownloadError(
        `The server sent more than the ${file.size} bytes of ${file.name} (${url}): it is not ` +
          "the expected file. Nothing was kept.",
        "size",
      );
    }
    if (done < file.size) {
      throw new Retryable(
        `The download of ${file.name} was cut short at ${formatBytes(done)} of ` +
          formatBytes(file.size),
        "interrupted",
      );
    }
  } finally {
    clearTimeout(timer);
  }
  reporter.finished(file.name);
  await verifyAndPlace(file, partial, path, hash, url);
}

/**
 * Reads a response's status: whether it continues the partial file (206), or sends the whole
 * file (200); anything else is an error.
 *
 * @returns true when the body continues the partial file from `offset`
 */
async function checkResponse(
  response: Response,
  file: ExpectedFile,
  url: string,
  offset: number,
  partial: string,
): Promise<boolean> {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const fail = async (message: string, reason: DownloadFailure): Promise<never> => {
    await response.body?.cancel();
    throw new DownloadError(message, reason);
  };
  if (response.status === 206 && offset) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (range && Number(range[1]) === offset && (range[2] === "*" || +range[2] === file.size)) {
      return true;
    }
    // the partial file may not be what the server has: start again from nothing
    await response.body?.cancel();
    await Deno.remove(partial);
    throw new Retryable(
      `The server resumed ${file.name} at the wrong place (Content-Range ` +
        `"${response.headers.get("content-range")}", asked from byte ${offset})`,
      "interrupted",
    );
  }
  if (response.status === 200) {
    const length = response.headers.get("content-length");
    const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
    if (length !== null && !encoded && Number(length) !== file.size) {
      await fail(
        `The server's ${file.name} has ${length} bytes, expected ${file.size} (${url}): it is ` +
          "not the expected file. Is the endpoint a faithful mirror of the hub?",
        "size",
      );
    }
    return false;
  }
  if (response.status === 416) {
    await response.body?.cancel();
    await Deno.remove(partial);
    throw new Retryable(`The server cannot resume ${file.name} (${status})`, "interrupted");
  }
  if (response.status === 404) await fail(`${url} was not found (${status}).`, "not-found");
  if (response.status === 401 || response.status === 403) {
    await fail(`${url} was refused (${status}).`, "denied");
  }
  await response.body?.cancel();
  const message = `${url} failed with ${status}`;
  if (response.status >= 500 || response.status === 429) throw new Retryable(message, "server");
  throw new DownloadError(`${message}.`, "http");
}

/** Checks the digest of a complete `.partial` and renames it into place, or removes it. */
async function verifyAndPlace(
  file: ExpectedFile,
  partial: string,
  path: string,
  hash: Hash,
  url: string,
): Promise<void> {
  const digest = hash.digest("hex");
  if (digest !== file.sha256) {
    await Deno.remove(partial);
    throw new DownloadError(
      `${file.name} is corrupt: SHA-256 ${digest}, expected ${file.sha256} (from ${url}). ` +
        "The bad download was deleted; run again to download it afresh. If this repeats, the " +
        "server (or a proxy in between) is sending another file.",
      "checksum",
    );
  }
  await Deno.rename(partial, path);
}
