/**
 * Noticing that the learner saved a file, for the tools that react to it (`deno task watch`,
 * `deno task studio`): file-system events (`Deno.watchFs`), debounced, or the files'
 * modification times every second where events are not available or never arrive.
 *
 * @module
 */

/** A file-system watcher: `Deno.watchFs` or a stand-in. */
export type FsWatch = (dir: string) => AsyncIterable<Deno.FsEvent> & { close(): void };

/** What {@linkcode watchChanges} watches, and how. */
export interface ChangeOptions {
  /** The directory of the learner's files. */
  dir: string;
  /** Stops watching. */
  signal: AbortSignal;
  /** Look at modification times instead of file-system events. */
  poll?: boolean;
  /** How long to wait after the last event before reacting, in ms (default 200). */
  debounceMs?: number;
  /** How often to look at modification times, in ms (default 1000). */
  pollMs?: number;
  /** The file-system watcher (default `Deno.watchFs`). */
  watchFs?: FsWatch;
  /** Told why changes are detected by modification times from now on. */
  onPolling: (reason: string) => void;
}

/** A learner's source file, not an editor's swap file or a backup. */
function isSourceFile(path: string): boolean {
  return path.endsWith(".ts");
}

/** Modification time and size of every source file directly in `dir`. */
async function snapshot(dir: string): Promise<string> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !isSourceFile(entry.name)) continue;
      const info = await Deno.stat(`${dir}/${entry.name}`).catch(() => undefined);
      if (info) files.push(`${entry.name}:${info.mtime?.getTime()}:${info.size}`);
    }
  } catch {
    // a directory that vanished has no files
  }
  return files.sort().join("\n");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * Calls `onChange` after saves in `o.dir` until `o.signal` aborts: on file-system events
 * (debounced), or on changed modification times. While events are used, the modification
 * times are still compared on every tick as a watchdog: a change that no event announced by
 * the next tick means events do not arrive here, and it switches to polling.
 *
 * Resolves once watching has begun (so that no save after it is missed), with a promise that
 * resolves when watching has stopped.
 *
 * @param o what to watch and how
 * @param onChange called after each save
 * @returns when watching has begun, with the promise of its end
 */
export async function watchChanges(
  o: ChangeOptions,
  onChange: () => void,
): Promise<{ stopped: Promise<void> }> {
  const debounceMs = o.debounceMs ?? 200, pollMs = o.pollMs ?? 1000;
  const poll = (reason: string) => {
    watcher?.close();
    watcher = undefined;
    o.onPolling(reason);
  };
  let watcher: ReturnType<FsWatch> | undefined;
  if (o.poll) poll("--poll was given");
  else {
    try {
      watcher = (o.watchFs ?? Deno.watchFs)(o.dir);
    } catch (e) {
      poll(`file-system events are not available here (${(e as Error).message})`);
    }
  }
  let seen = await snapshot(o.dir);
  let pending: ReturnType<typeof setTimeout> | undefined;
  let eventPending = false;
  let firing = Promise.resolve();
  const fire = async () => {
    seen = await snapshot(o.dir);
    eventPending = false;
    if (!o.signal.aborted) onChange();
  };
  const events = (async (w) => {
    if (!w) return;
    try {
      for await (const event of w) {
        if (!event.paths.some(isSourceFile)) continue;
        eventPending = true;
        clearTimeout(pending);
        pending = setTimeout(() => firing = fire(), debounceMs);
      }
    } catch (e) {
      if (watcher) poll(`file-system events stopped (${(e as Error).message})`);
    }
  })(watcher);
  const stopped = (async () => {
    let unannounced = false;
    while (!o.signal.aborted) {
      await sleep(pollMs, o.signal);
      if (o.signal.aborted) break;
      const now = await snapshot(o.dir);
      if (now === seen || eventPending) {
        unannounced = false;
        continue;
      }
      if (watcher && !unannounced) {
        unannounced = true; // give the event one more tick to arrive
        continue;
      }
      if (watcher) poll("file-system events did not arrive for a saved file");
      unannounced = false;
      await sleep(debounceMs, o.signal);
      await fire();
    }
    clearTimeout(pending);
    watcher?.close();
    await events;
    await firing;
  })();
  return { stopped };
}
