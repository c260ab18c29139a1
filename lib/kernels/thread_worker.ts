/**
 * One helper thread of the WebAssembly kernels (started by `threads.ts`): it instantiates the
 * kernels on the shared memory, then waits for a job, runs its share, reports, and waits again.
 *
 * A job is a row of integers in the control block (see `threads.ts`): which kernel, then its
 * arguments. The thread blocks in `Atomics.wait` between jobs and is `unref`'d by its owner, so
 * it never keeps a process alive.
 *
 * @module
 */
import { workerData } from "node:worker_threads";
import type { KernelExports } from "./wasm.ts";
import { CONTROL, JOB, runJob } from "./threads.ts";

const { module, memory, control, index } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
};
const kernels = new WebAssembly.Instance(module, { env: { memory } })
  .exports as unknown as KernelExports;
const ctl = new Int32Array(memory.buffer, control, CONTROL.size);
const job = CONTROL.jobs + index * JOB.size;
Atomics.add(ctl, CONTROL.ready, 1);
Atomics.notify(ctl, CONTROL.ready);

let seen = 0;
for (;;) {
  Atomics.wait(ctl, CONTROL.generation, seen);
  seen = Atomics.load(ctl, CONTROL.generation);
  // the memory may have grown since the last job: reading its buffer makes this thread's
  // instance see the new size
  void memory.buffer;
  try {
    runJob(kernels, ctl.subarray(job, job + JOB.size));
  } catch {
    Atomics.store(ctl, CONTROL.failed, 1);
  }
  if (Atomics.sub(ctl, CONTROL.pending, 1) === 1) Atomics.notify(ctl, CONTROL.pending);
}
