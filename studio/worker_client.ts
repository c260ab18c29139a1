/**
 * The server's side of the studio's worker (`worker.ts`): its requests as promises.
 *
 * @module
 */
import type { StageResult } from "../grader/stage.ts";
import type { Answer, ReferenceAttention, WorkerRequest, WorkerSetup } from "./worker.ts";

// Deno's own Worker, held before anything replaces it: once onnxruntime-web has started Deno's
// Node compatibility layer in this process (a test that runs a graph does), the global `Worker`
// is another class, whose workers never answer.
const DenoWorker = Worker;

/** The server's side of the worker: requests as promises. */
export class WorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #next = 0;
  #dead = false;

  /** @param setup what the worker needs */
  constructor(setup: WorkerSetup) {
    this.#worker = new DenoWorker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<Answer>) => {
      const p = this.#pending.get(e.data.id);
      this.#pending.delete(e.data.id);
      if ("error" in e.data) p?.reject(new Error(e.data.error));
      else p?.resolve(e.data.value);
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#fail(`the studio's worker stopped: ${e.message}`);
    };
    this.#worker.postMessage(setup);
  }

  /** Whether the worker stopped (after an error it could not answer): make another. */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Grades a stage in the worker.
   *
   * @param stage its number
   * @returns the result
   */
  grade(stage: number): Promise<StageResult> {
    return this.#ask({ kind: "grade", stage }) as Promise<StageResult>;
  }

  /**
   * The reference model's attention for some ids.
   *
   * @param ids the prompt's ids
   * @returns the weights and block 0's attention input
   */
  reference(ids: number[]): Promise<ReferenceAttention> {
    return this.#ask({ kind: "reference", ids }) as Promise<ReferenceAttention>;
  }

  /** Stops the worker. */
  close(): void {
    this.#fail("the studio is stopping");
  }

  #fail(why: string): void {
    this.#dead = true;
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(new Error(why));
    this.#pending.clear();
  }

  #ask(request: WorkerRequest): Promise<unknown> {
    if (this.#dead) return Promise.reject(new Error("the studio's worker has stopped"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, request });
    });
  }
}
