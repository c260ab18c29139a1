/**
 * Reading what the sandboxed child writes, as it comes and in bounded memory: its result frames
 * (lines that start with the frame marker and the run's nonce) apart from what the learner's
 * code printed, of which only the first bytes are kept, with a count of the rest.
 *
 * A learner who prints gigabytes costs the grader a few kilobytes; a line that only looks like
 * a frame (a wrong or missing nonce) is printed text like any other.
 *
 * @module
 */
import type { ChildMessage } from "./child.ts";
import { fromWire, type ProbeOutcome, type ThrownError } from "./wire.ts";

/**
 * Text kept up to a byte limit; what comes after is counted, not kept.
 *
 * @example
 * ```ts
 * import { BoundedText } from "./child_output.ts";
 * const t = new BoundedText(4);
 * t.write(new TextEncoder().encode("abcdef"));
 * t.dropped; // 2
 * t.text(); // "abcd"
 * ```
 */
export class BoundedText {
  #chunks: Uint8Array[] = [];
  #kept = 0;
  /** Bytes written past the limit. */
  dropped = 0;

  /** @param limit most bytes kept */
  constructor(readonly limit: number) {}

  /**
   * Keeps what fits, counts the rest.
   *
   * @param bytes the next bytes
   */
  write(bytes: Uint8Array): void {
    const room = this.limit - this.#kept;
    if (room > 0) {
      const kept = bytes.subarray(0, room);
      this.#chunks.push(kept.slice());
      this.#kept += kept.length;
    }
    this.dropped += Math.max(0, bytes.length - Math.max(room, 0));
  }

  /**
   * The kept bytes as text (a character cut at the limit becomes U+FFFD).
   *
   * @returns the text
   */
  text(): string {
    const all = new Uint8Array(this.#kept);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }
}

const NEWLINE = 10;

/**
 * Splits the child's standard output into frames and printed text, chunk by chunk.
 *
 * Only the line being read is buffered, and only while it may still be a frame: a frame is
 * held whole (the child built it in memory under its own cap), printed text goes straight to a
 * {@linkcode BoundedText}. The blank line the child writes before each frame (so that a frame
 * starts a line whatever was printed before it) is not printed text.
 *
 * @example
 * ```ts
 * import { BoundedText, FrameReader } from "./child_output.ts";
 * const frames: string[] = [];
 * const printed = new BoundedText(1024);
 * const reader = new FrameReader("#n1:", (json) => frames.push(json), printed);
 * reader.push(new TextEncoder().encode("hello\n\n#n1:{\"done\":true}\n#n2:{}\n"));
 * reader.end();
 * frames; // ['{"done":true}']
 * printed.text(); // "hello\n#n2:{}\n"
 * ```
 */
export class FrameReader {
  readonly #prefix: Uint8Array;
  #mode: "start" | "frame" | "text" = "start";
  #line: Uint8Array[] = [];
  #lineLength = 0;
  #blankPending = false;

  /**
   * @param prefix what starts a frame line (marker and nonce)
   * @param onFrame receives each frame's text after the prefix
   * @param printed receives everything else
   */
  constructor(
    prefix: string,
    readonly onFrame: (text: string) => void,
    readonly printed: BoundedText,
  ) {
    this.#prefix = new TextEncoder().encode(prefix);
  }

  /**
   * Reads the next chunk of output.
   *
   * @param chunk bytes as they came
   */
  push(chunk: Uint8Array): void {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      const to = nl === -1 ? chunk.length : nl;
      this.#take(chunk.subarray(from, to));
      if (nl === -1) break;
      this.#endLine();
      from = nl + 1;
    }
  }

  /** Ends the output: a last line without a newline is read as it is. */
  end(): void {
    if (this.#mode === "frame") this.#endLine();
    else if (this.#mode === "start" && this.#lineLength > 0) this.#becomeText();
    if (this.#blankPending) this.printed.write(new Uint8Array([NEWLINE]));
    this.#blankPending = false;
  }

  #take(part: Uint8Array): void {
    if (part.length === 0) return;
    if (this.#mode === "text") return this.printed.write(part);
    this.#line.push(part.slice());
    this.#lineLength += part.length;
    if (this.#mode === "frame") return;
    const head = this.#joined(Math.min(this.#lineLength, this.#prefix.length));
    const matches = head.every((b, i) => b === this.#prefix[i]);
    if (!matches) this.#becomeText();
    else if (head.length === this.#prefix.length) {
      this.#mode = "frame";
      this.#blankPending = false;
    }
  }

  #endLine(): void {
    if (this.#mode === "frame") {
      const all = this.#joined(this.#lineLength);
      this.onFrame(new TextDecoder().decode(all.subarray(this.#prefix.length)));
    } else {
      if (this.#mode === "start" && this.#lineLength === 0) {
        // maybe the child's separator before a frame: decided by the next line
        if (this.#blankPending) this.printed.write(new Uint8Array([NEWLINE]));
        this.#blankPending = true;
      } else {
        if (this.#mode === "start") this.#becomeText();
        this.printed.write(new Uint8Array([NEWLINE]));
      }
    }
    this.#mode = "start";
    this.#line = [];
    this.#lineLength = 0;
  }

  #becomeText(): void {
    if (this.#blankPending) this.printed.write(new Uint8Array([NEWLINE]));
    this.#blankPending = false;
    for (const part of this.#line) this.printed.write(part);
    this.#line = [];
    this.#lineLength = 0;
    this.#mode = "text";
  }

  #joined(n: number): Uint8Array {
    const all = new Uint8Array(n);
    let at = 0;
    for (const part of this.#line) {
      if (at >= n) break;
      const take = part.subarray(0, n - at);
      all.set(take, at);
      at += take.length;
    }
    return all;
  }
}

/**
 * What the child's frames said, message by message: outcomes only for the calls the grader
 * asked for, the first one for each; the file's error only before any outcome; anything else
 * (a frame cut short, an unknown call id, a second outcome) ignored.
 *
 * @example
 * ```ts
 * import { ChildMessages } from "./child_output.ts";
 * const m = new ChildMessages(new Set(["a"]));
 * m.accept('{"id":"a","outcome":{"ok":true,"value":1}}');
 * m.accept('{"id":"b","outcome":{"ok":true,"value":2}}'); // not asked for: ignored
 * [...m.outcomes.keys()]; // ["a"]
 * ```
 */
export class ChildMessages {
  /** Outcomes by call id. */
  readonly outcomes: Map<string, ProbeOutcome> = new Map();
  /** Why the learner's file could not be loaded, when it could not. */
  importError?: ThrownError;
  /** The call that started last. */
  running?: string;
  /** Whether the child said it finished. */
  done = false;

  /** @param callIds the ids of the calls the grader asked for */
  constructor(readonly callIds: ReadonlySet<string>) {}

  /**
   * Reads one frame.
   *
   * @param text the frame's JSON
   */
  accept(text: string): void {
    let msg: Partial<Record<string, unknown>>;
    try {
      msg = JSON.parse(text) ?? {};
    } catch {
      return; // a frame cut by the learner's own writes: its outcome stays missing
    }
    const m = msg as Partial<ChildMessage & Record<string, unknown>>;
    const id = typeof msg.id === "string" ? msg.id : undefined;
    if (typeof msg.running === "string" && this.callIds.has(msg.running)) {
      this.running = msg.running;
    } else if ("import" in m && m.import && this.outcomes.size === 0) {
      this.importError = m.import as ThrownError;
    } else if (msg.done === true) {
      this.done = true;
    } else if (id && this.callIds.has(id) && !this.outcomes.has(id) && isOutcome(msg.outcome)) {
      this.outcomes.set(id, fromWire(msg.outcome) as ProbeOutcome);
    }
  }
}

function isOutcome(o: unknown): boolean {
  if (o === null || typeof o !== "object") return false;
  const x = o as Record<string, unknown>;
  return x.ok === true ? "value" in x : x.ok === false && typeof x.error === "object";
}
