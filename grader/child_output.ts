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
import { decodeValue, type ProbeOutcome, type ThrownError, WireError } from "./wire.ts";

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

/** The caps on what the child's frames may hold, in bytes. */
export interface FrameLimits {
  /** One frame (one answer). */
  frame: number;
  /** All the frames of a stage together. */
  total: number;
}

/**
 * The caps of a stage's frames, from the longest sequence its references hold (prompt and
 * continuation, `T` tokens): the largest answer the kit's probes send is the logits of that
 * sequence, `[1, T, vocab]` floats, about `T × vocab × 5.3` bytes in base64. An answer may be
 * twice that, a stage's answers together eight times (20.5 MiB and 82 MiB with the bundled
 * references: T = 40).
 *
 * @param longest the longest reference sequence, in tokens
 * @param vocab the vocabulary's size
 * @returns the caps
 * @example
 * ```ts
 * import { frameLimits } from "./child_output.ts";
 * frameLimits(40, 50257).frame; // 21508524
 * ```
 */
export function frameLimits(longest: number, vocab: number): FrameLimits {
  const logits = Math.ceil((longest * vocab * 4 * 4) / 3);
  // and 64 KiB for the rest of a frame (the message around the value)
  return { frame: 2 * logits + 65536, total: 8 * logits };
}

/**
 * Splits the child's standard output into frames and printed text, chunk by chunk.
 *
 * Only the line being read is buffered, and only while it may still be a frame: a frame is
 * held up to its cap, printed text goes straight to a {@linkcode BoundedText}. The blank line
 * the child writes before each frame (so that a frame starts a line whatever was printed before
 * it) is not printed text. A frame over its cap, frames over the stage's cap, or a frame the
 * output ends in the middle of is a *violation*: reported once, never an answer.
 *
 * @example
 * ```ts
 * import { BoundedText, FrameReader } from "./child_output.ts";
 * const frames: string[] = [];
 * const printed = new BoundedText(1024);
 * const reader = new FrameReader("#n1:", (json) => frames.push(json), printed, {
 *   frame: 1024,
 *   total: 4096,
 * });
 * reader.push(new TextEncoder().encode("hello\n\n#n1:{\"done\":true}\n#n2:{}\n"));
 * reader.end();
 * frames; // ['{"done":true}']
 * printed.text(); // "hello\n#n2:{}\n"
 * ```
 */
export class FrameReader {
  readonly #prefix: Uint8Array;
  #mode: "start" | "frame" | "text" | "discard" = "start";
  #line: Uint8Array[] = [];
  #lineLength = 0;
  #blankPending = false;
  #total = 0;
  /** Why the frames could not be read, once they could not. */
  violation?: string;

  /**
   * @param prefix what starts a frame line (marker and nonce)
   * @param onFrame receives each frame's text after the prefix
   * @param printed receives everything else
   * @param limits the caps on frames
   * @param onViolation told once when the frames break a rule (the reader ignores frames after)
   */
  constructor(
    prefix: string,
    readonly onFrame: (text: string) => void,
    readonly printed: BoundedText,
    readonly limits: FrameLimits,
    readonly onViolation: (why: string) => void = () => {},
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

  /** Ends the output: a last line without a newline is text, or a frame cut short. */
  end(): void {
    if (this.#mode === "frame" || this.#mode === "discard") {
      this.#violate("its output ended in the middle of an answer");
    } else if (this.#mode === "start" && this.#lineLength > 0) this.#becomeText();
    if (this.#blankPending) this.printed.write(new Uint8Array([NEWLINE]));
    this.#blankPending = false;
  }

  #violate(why: string): void {
    if (this.violation) return;
    this.violation = why;
    this.onViolation(why);
  }

  #take(part: Uint8Array): void {
    if (part.length === 0 || this.#mode === "discard") return;
    if (this.#mode === "text") return this.printed.write(part);
    if (this.#mode === "frame" && this.#lineLength + part.length > this.limits.frame) {
      this.#line = [];
      this.#lineLength = 0;
      this.#mode = "discard";
      return this.#violate(`an answer was larger than ${mib(this.limits.frame)}`);
    }
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
      this.#total += this.#lineLength;
      if (this.#total > this.limits.total) {
        this.#violate(`its answers came to more than ${mib(this.limits.total)}`);
      } else if (!this.violation) {
        const all = this.#joined(this.#lineLength);
        this.onFrame(new TextDecoder().decode(all.subarray(this.#prefix.length)));
      }
    } else if (this.#mode !== "discard") {
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

function mib(bytes: number): string {
  return bytes < 1 << 20 ? `${bytes} bytes` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * What the child's frames said, message by message: outcomes only for the calls the grader
 * asked for, the first one for each; the file's error only before any outcome. Every frame is
 * checked against the messages the child's own encoder writes; the first one that is not such a
 * message — or holds a value {@linkcode decodeValue} refuses — sets {@linkcode violation}, and
 * nothing after it counts.
 *
 * @example
 * ```ts
 * import { ChildMessages } from "./child_output.ts";
 * const m = new ChildMessages(new Set(["a"]));
 * m.accept('{"id":"a","outcome":{"ok":true,"value":1}}');
 * m.accept('{"id":"b","outcome":{"ok":true,"value":2}}'); // not asked for
 * [...m.outcomes.keys()]; // ["a"]
 * m.violation; // 'a frame answers "b", a call the grader did not make'
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
  /** Why a frame could not be read, once one could not. */
  violation?: string;

  /** @param callIds the ids of the calls the grader asked for */
  constructor(readonly callIds: ReadonlySet<string>) {}

  /**
   * Reads one frame.
   *
   * @param text the frame's JSON
   */
  accept(text: string): void {
    if (this.violation) return;
    try {
      this.#read(text);
    } catch (e) {
      this.violation = e instanceof WireError ? e.message : `a frame that is not JSON`;
    }
  }

  #read(text: string): void {
    if (this.done) throw new WireError("a frame after the last one");
    const msg = JSON.parse(text) as Record<string, unknown>;
    if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
      throw new WireError("a frame that is not a message");
    }
    const keys = Object.keys(msg).sort().join(",");
    if (keys === "running" && typeof msg.running === "string") {
      this.#known(msg.running);
      this.running = msg.running;
    } else if (keys === "import" && this.outcomes.size === 0 && !this.importError) {
      this.importError = thrownError(msg.import);
    } else if (keys === "done" && msg.done === true) {
      this.done = true;
    } else if (keys === "id,outcome" && typeof msg.id === "string") {
      this.#known(msg.id);
      if (this.outcomes.has(msg.id)) throw new WireError(`a second answer to "${msg.id}"`);
      this.outcomes.set(msg.id, outcomeOf(msg.outcome));
    } else {
      throw new WireError("a frame that is not one of the child's messages");
    }
  }

  #known(id: string): void {
    if (!this.callIds.has(id)) {
      throw new WireError(
        `a frame answers ${JSON.stringify(id.slice(0, 40))}, a call the grader did not make`,
      );
    }
  }
}

const ERROR_KINDS = ["not-implemented", "exception"];

function thrownError(e: unknown): ThrownError {
  const x = (e ?? {}) as Record<string, unknown>;
  const strings = ["name", "message", "what", "hint", "at"];
  const ok = typeof e === "object" && !Array.isArray(e) &&
    ERROR_KINDS.includes(x.kind as string) && typeof x.name === "string" &&
    typeof x.message === "string" &&
    Object.keys(x).every((k) => k === "kind" || (strings.includes(k) && typeof x[k] === "string"));
  if (!ok) throw new WireError("an error that is not one the child describes");
  return x as unknown as ThrownError;
}

function outcomeOf(o: unknown): ProbeOutcome {
  const x = (o ?? {}) as Record<string, unknown>;
  const keys = typeof o === "object" && !Array.isArray(o) ? Object.keys(x).sort().join(",") : "";
  if (keys === "ok,value" && x.ok === true) return { ok: true, value: decodeValue(x.value) };
  if (keys === "error,ok" && x.ok === false) return { ok: false, error: thrownError(x.error) };
  throw new WireError("an answer that is neither a value nor an error");
}
