/**
 * The resident memory of a stage's child, sampled every 100 ms for the memory cap.
 *
 * Deno lets only a process run with `--allow-all` read another process's `/proc/PID/status`, and
 * the grader does not run so. On Linux one `bash` per child reads the file every 100 ms with its
 * builtins (no program started per sample) and prints what it finds; elsewhere `ps` is asked at
 * each sample, which costs about 25 ms of CPU each time (a quarter of a core at 10 samples a
 * second, on the machines measured).
 *
 * @module
 */

/** Milliseconds between two samples. */
export const SAMPLE_MS = 100;

// $1 is the pid. Builtins only: `read -t` waits (on a stdin the grader never writes to) instead
// of starting `sleep`; the loop ends when the process is gone or when the grader closes stdin.
const WATCH_SCRIPT = `
while :; do
  rss=0
  while read -r key value _; do
    if [ "$key" = "VmRSS:" ]; then rss=$value; break; fi
  done < "/proc/$1/status" || exit 0
  echo "$rss"
  read -r -t ${SAMPLE_MS / 1000}
  [ $? -gt 128 ] || exit 0
done`;

/** A running watch: {@linkcode MemoryWatch.stop} ends it. */
export interface MemoryWatch {
  /** Stops sampling; resolves once no sample can arrive any more. */
  stop(): Promise<void>;
}

/**
 * Calls `onSample` with a process's resident memory, in MiB, about every
 * {@linkcode SAMPLE_MS} ms until stopped or the process is gone. Nothing is sampled where
 * neither `/proc` nor `ps` can tell (Windows).
 *
 * @param pid the process
 * @param onSample called with each sample
 * @returns the watch
 * @example
 * ```ts ignore
 * const watch = watchMemory(child.pid, (mb) => (peak = Math.max(peak, mb)));
 * await child.status;
 * await watch.stop();
 * ```
 */
export function watchMemory(pid: number, onSample: (mb: number) => void): MemoryWatch {
  return Deno.build.os === "linux" ? watchProc(pid, onSample) : pollPs(pid, onSample);
}

function watchProc(pid: number, onSample: (mb: number) => void): MemoryWatch {
  let watcher: Deno.ChildProcess;
  try {
    watcher = new Deno.Command("bash", {
      args: ["-c", WATCH_SCRIPT, "memory-watch", String(pid)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return pollPs(pid, onSample); // no bash
  }
  const reading = (async () => {
    let rest = "";
    for await (const text of watcher.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split("\n");
      rest = lines.pop()!;
      for (const line of lines) onSample(Math.round(Number(line) / 1024) || 0);
    }
  })();
  return {
    async stop() {
      await watcher.stdin.close().catch(() => {});
      await Promise.all([reading, watcher.status]);
    },
  };
}

function pollPs(pid: number, onSample: (mb: number) => void): MemoryWatch {
  let pending = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pending = psResidentMb(pid).then((mb) => {
      busy = false;
      if (mb) onSample(mb);
    });
  }, SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}

async function psResidentMb(pid: number): Promise<number> {
  try {
    const ps = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
    return Math.round((Number(new TextDecoder().decode(ps.stdout).trim()) || 0) / 1024);
  } catch {
    return 0; // no ps: no cap
  }
}
