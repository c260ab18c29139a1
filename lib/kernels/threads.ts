/**
 * Threads for the WebAssembly kernels: helper threads (`thread_worker.ts`) that share the
 * kernels' memory and take a part of each large product, split by columns of C.
 *
 * The caller's thread runs the first part itself and then waits, in `Atomics.wait`, for the
 * others: products stay synchronous, as `Tensor.matmul` is. The helpers start at the first
 * product large enough to share, block between jobs, and never keep the process alive.
 * One thread (the default) starts nothing.
 *
 * @module
 */
import type { KernelExports, Kernels } from "./wasm.ts";

/** The most threads the kernels use. */
export const MAX_THREADS = 16;

/**
 * A job's row of integers: which kernel, then its arguments in `wasm.ts`'s order (`matmul_nn`'s
 * 11; `matmul_nt` takes the first 10).
 */
export const JOB = { size: 12, nn: 1, nt: 2 } as const;

/** The control block's layout, in 32-bit slots: counters, then one job row per thread. */
export const CONTROL = {
  /** Bumped for each job, waking the helpers. */
  generation: 0,
  /** Helpers still working on the current job. */
  pending: 1,
  /** Set by a helper whose part threw. */
  failed: 2,
  /** Helpers that have started. */
  ready: 3,
  /** Where the job rows start. */
  jobs: 4,
  /** Slots in all. */
  size: 4 + JOB.size * MAX_THREADS,
} as const;

/** How long to wait for a helper thread to start before doing without it. */
const START_TIMEOUT_MS = 20_000;

type WorkerThreads = typeof import("node:worker_threads");

let wanted = 1;
let workerThreads: WorkerThreads | undefined;
let pool: { ctl: Int32Array; helpers: number } | null | undefined;

/**
 * Sets how many threads share the kernels' large products (1, the default: only the caller's).
 * The helper threads start at the first product worth sharing.
 *
 * @param n the threads, caller's included (at most {@linkcode MAX_THREADS})
 * @returns the threads that will be used (1 where threads are unavailable)
 */
export async function setKernelThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Threads must be a whole number >= 1, got ${n}`);
  }
  wanted = Math.min(n, MAX_THREADS);
  if (wanted > 1 && !workerThreads) {
    try {
      workerThreads = await import("node:worker_threads");
    } catch {
      wanted = 1; // no threads in this runtime
    }
  }
  return wanted;
}

/** The threads the kernels' large products are shared by. */
export function kernelThreads(): number {
  return pool === null ? 1 : wanted;
}

// Starts the helpers, blocking until they run; null when they cannot start.
function startPool(k: Kernels): typeof pool {
  const helpers = wanted - 1;
  const at = k.heap.alloc(4 * CONTROL.size);
  if (at === 0 || !workerThreads) return null;
  const ctl = new Int32Array(k.heap.buffer(), at, CONTROL.size).fill(0);
  const url = new URL("./thread_worker.ts", import.meta.url);
  try {
    for (let index = 1; index <= helpers; index++) {
      const workerData = { module: k.module, memory: k.heap.memory, control: at, index };
      new workerThreads.Worker(url, { workerData }).unref();
    }
  } catch {
    return null;
  }
  for (let ready; (ready = Atomics.load(ctl, CONTROL.ready)) < helpers;) {
    if (Atomics.wait(ctl, CONTROL.ready, ready, START_TIMEOUT_MS) === "timed-out") return null;
  }
  return { ctl, helpers };
}

/**
 * Runs `jobs[0]` on this thread and the others on the helper threads, and returns when all
 * are done.
 *
 * @param k the kernels
 * @param jobs one row per thread (at most {@linkcode kernelThreads}): kernel, then arguments
 * @throws {Error} when a helper's part failed
 */
export function runJobs(k: Kernels, jobs: readonly (readonly number[])[]): void {
  if (jobs.length > 1 && pool === undefined) pool = startPool(k);
  if (jobs.length > 1 && pool) {
    const { ctl } = pool;
    for (let i = 1; i < jobs.length; i++) ctl.set(jobs[i], CONTROL.jobs + i * JOB.size);
    for (let i = jobs.length; i <= pool.helpers; i++) ctl[CONTROL.jobs + i * JOB.size] = 0;
    Atomics.store(ctl, CONTROL.pending, pool.helpers);
    Atomics.add(ctl, CONTROL.generation, 1);
    Atomics.notify(ctl, CONTROL.generation);
    runJob(k.exports, jobs[0]);
    for (let left; (left = Atomics.load(ctl, CONTROL.pending)) !== 0;) {
      Atomics.wait(ctl, CONTROL.pending, left);
    }
    if (Atomics.exchange(ctl, CONTROL.failed, 0)) {
      throw new Error("A thread of the WebAssembly kernels failed on its part of a product");
    }
    return;
  }
  for (const job of jobs) runJob(k.exports, job);
}

/**
 * Runs one job row (see {@linkcode JOB}) on an instance of the kernels.
 *
 * @param kernels the instance's exports
 * @param job the row: which kernel, then its arguments
 */
export function runJob(kernels: KernelExports, job: readonly number[] | Int32Array): void {
  const [kernel, a, lda, b, ldb, c, ldc, M, K, j0, j1, pack] = job;
  if (kernel === JOB.nn) kernels.matmul_nn(a, lda, b, ldb, c, ldc, M, K, j0, j1, pack);
  else if (kernel === JOB.nt) kernels.matmul_nt(a, lda, b, ldb, c, ldc, M, K, j0, j1);
}
