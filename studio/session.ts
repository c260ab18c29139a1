/**
 * The studio's state: which learner files and which model it shows, every stage's latest
 * grading (regraded when the files change), and the sandbox in which the learner's code runs
 * for the panels. The server's process never imports the learner's code: every call to it goes
 * through the grader's sandboxed child (`runProbes`), at most two at a time. Grading and the
 * reference model run in a worker (`worker.ts`), so that the server keeps answering.
 *
 * @module
 */
import { type GPT2Config, loadConfig } from "../lib/config.ts";
import { frameLimits } from "../grader/child_output.ts";
import type { ModelFiles } from "../grader/context.ts";
import { type ChildRun, DEFAULT_LIMITS, type RunOptions, runProbes } from "../grader/run_stage.ts";
import type { ProbeCall, Stage, StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import type { Learner, StatusView } from "./api.ts";
import type { ReferenceAttention } from "./worker.ts";
import { WorkerClient } from "./worker_client.ts";

/** What the studio shows. */
export interface SessionOptions {
  /** The directory of the learner's stage files. */
  learnerDir: string;
  /** The model's files (references optional: without them the Stages panel says so). */
  files: ModelFiles;
  /** Time and memory limits of one sandboxed run (default: `deno task check`'s). */
  limits?: { timeLimitMs: number; memoryLimitMb: number };
}

/** The longest prompt the attention panel takes, in tokens (64 × 64 cells a head). */
export const MAX_ATTENTION_TOKENS = 64;

/** Most sandboxed children running at once (the machine's other core stays free). */
const MAX_CHILDREN = 2;

/** The learner's files, the model, the grading and the sandbox behind the studio's panels. */
export class StudioSession {
  /** The model's sizes. */
  readonly config: GPT2Config;
  /** Why the stages cannot be graded, when they cannot. */
  readonly problem?: string;
  readonly #results = new Map<number, StageResult>();
  readonly #pending = new Set<number>();
  #files = 0;
  #changes = 0;
  #grading: Promise<void> = Promise.resolve();
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #worker?: WorkerClient;

  /** @param options what to show */
  constructor(readonly options: SessionOptions) {
    this.config = loadConfig(options.files.configPath);
    if (!options.files.refsPath) {
      this.problem = "Grading needs reference activations for these weights: make them with " +
        "`deno task refs --weights FILE --config FILE --out REFS`, then start the studio with " +
        "--refs REFS.";
    }
  }

  /** The stages of the course. */
  get stages(): readonly Stage[] {
    return STAGES;
  }

  /**
   * A stage by number.
   *
   * @param n the number
   * @returns the stage
   */
  stage(n: number): Stage {
    return STAGES.find((s) => s.number === n)!;
  }

  /**
   * The counters the page polls.
   *
   * @returns them
   */
  status(): StatusView {
    return { files: this.#files, results: this.#changes, grading: this.#pending.size };
  }

  /**
   * The latest result of a stage.
   *
   * @param n the stage
   * @returns its result, or undefined while it is first graded
   */
  result(n: number): StageResult | undefined {
    return this.#results.get(n);
  }

  /**
   * Whether a stage is waiting to be (re)graded.
   *
   * @param n the stage
   * @returns true while it waits or runs
   */
  grading(n: number): boolean {
    return this.#pending.has(n);
  }

  /**
   * Tells the studio that the learner's files changed: every stage is graded again.
   *
   * @returns when the grading has finished
   */
  filesChanged(): Promise<void> {
    this.#files++;
    return this.regrade();
  }

  /**
   * Grades stages again, one after the other (a grading already running finishes first).
   *
   * @param stages which (default: every stage)
   * @returns when it has finished
   */
  regrade(stages: readonly Stage[] = STAGES): Promise<void> {
    if (this.problem) return Promise.resolve();
    for (const s of stages) this.#pending.add(s.number);
    const version = this.#files;
    this.#grading = this.#grading.then(async () => {
      for (const stage of stages) {
        if (version !== this.#files) return; // a newer change regrades everything again
        const result = await this.#limited(() => this.#work().grade(stage.number)).catch((e) =>
          couldNotGrade(stage, (e as Error).message)
        );
        if (version !== this.#files) return;
        this.#results.set(stage.number, result);
        this.#pending.delete(stage.number);
        this.#changes++;
      }
    });
    return this.#grading;
  }

  /**
   * Runs probe calls of a stage on the learner's code, in the sandbox.
   *
   * @param stage the stage
   * @param calls the calls
   * @param files another model than the studio's (the bundled English one, to generate)
   * @returns what came back
   */
  probe(stage: Stage, calls: ProbeCall[], files?: ModelFiles): Promise<ChildRun> {
    // the largest answer, the attention weights of the longest prompt, is far below this
    const limits = frameLimits(MAX_ATTENTION_TOKENS, this.config.vocab_size);
    return this.#limited(() => runProbes(stage, calls, this.#runOptions(files), limits));
  }

  /**
   * The reference model's attention for a prompt (computed in the worker).
   *
   * @param ids the prompt's ids
   * @returns every layer's and head's weights, and block 0's attention input
   */
  reference(ids: number[]): Promise<ReferenceAttention> {
    return this.#work().reference(ids);
  }

  /** Stops the worker (the studio is stopping). */
  close(): void {
    this.#worker?.close();
    this.#worker = undefined;
  }

  /** Stops the worker at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #work(): WorkerClient {
    if (!this.#worker || this.#worker.dead) {
      this.#worker = new WorkerClient({ files: this.options.files, run: this.#runOptions() });
    }
    return this.#worker;
  }

  #runOptions(files = this.options.files): Omit<RunOptions, "points"> {
    const { learnerDir, limits } = this.options;
    return {
      learnerDir,
      configPath: files.configPath,
      weightsPath: files.weightsPath,
      tokenizerDir: files.tokenizerDir,
      ...(limits ?? DEFAULT_LIMITS),
    };
  }

  async #limited<T>(run: () => Promise<T>): Promise<T> {
    while (this.#running >= MAX_CHILDREN) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      return await run();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

// A stage the studio failed to grade (its worker stopped): said as that stage's result.
function couldNotGrade(stage: Stage, why: string): StageResult {
  return {
    stage: stage.number,
    name: stage.name,
    file: stage.file,
    status: "error",
    message: `The studio could not grade this stage: ${why}`,
    checks: [],
    ms: 0,
  };
}

/**
 * What one probe call of a sandboxed run says for a panel: the value, "not started" with the
 * stage's first hint, or the error in the grader's words.
 *
 * @param run the sandboxed run
 * @param id the call's id
 * @param stage the stage whose file ran
 * @param read turns the value into what the panel shows; a `TypeError` it throws is the
 *   learner's (their code returned something else)
 * @returns the panel's learner side
 */
export function learnerOutcome<T>(
  run: ChildRun,
  id: string,
  stage: Stage,
  read: (value: unknown) => T,
): Learner<T> {
  const notStarted = { state: "not-started" as const, stage: stage.number, hint: stage.hints[0] };
  const error = (message: string) => ({ state: "error" as const, stage: stage.number, message });
  const e = run.importError;
  if (e) {
    return e.kind === "not-implemented"
      ? notStarted
      : error(`Could not load ${stage.file}: ${e.name}: ${e.message}${where(e.at)}`);
  }
  const outcome = run.outcomes.get(id);
  if (!outcome) return error(run.stopped ?? "Your code gave no answer");
  if (!outcome.ok) {
    const e = outcome.error;
    return e.kind === "not-implemented"
      ? notStarted
      : error(`${e.name}: ${e.message}${where(e.at)}`);
  }
  try {
    return { state: "ready", value: read(outcome.value) };
  } catch (e) {
    if (e instanceof TypeError) return error(e.message);
    throw e;
  }
}

function where(at: string | undefined): string {
  return at ? ` (at ${at})` : "";
}
