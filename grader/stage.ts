/**
 * What a stage of the grader is made of, and what grading it produces.
 *
 * A stage is graded in two processes. The learner's code runs in a sandboxed child, where the
 * stage's *probes* call it on inputs the grader chose and return plain data (tensors, ids,
 * errors). The grader's own process then runs the stage's *checks* on that data against the
 * references, which the child never sees: learner code cannot change a verdict.
 *
 * Checks come in layers — it runs at all, state-dict keys, shapes, properties, numbers,
 * tokens — and grading stops at the first layer with a failure: a wrong shape makes every
 * number wrong, so only the shape is worth reporting. Keys come before shapes because a module
 * whose keys do not match the checkpoint cannot be loaded, so its outputs cannot be shaped. A
 * check may also name checks it `requires` (in any layer): it is skipped until they pass. A
 * check of an independent part names the only checks it `buildsOn` instead, and is graded as
 * soon as they pass.
 *
 * @module
 */
import type { GpuProbe } from "../lib/backend_choice.ts";
import type { GPT2Config } from "../lib/config.ts";
import type { StateDict } from "../lib/module.ts";
import type { Tolerance } from "./compare.ts";
import type { ProbeOutcome, TensorData, ThrownError } from "./wire.ts";
import type { References } from "./references.ts";

/** The layers of checks, in the order they are graded. */
export const LAYERS = ["runs", "keys", "shapes", "properties", "numbers", "tokens"] as const;

/** A layer of checks. */
export type Layer = typeof LAYERS[number];

/**
 * The status of one check: `skipped` waits for an earlier failure to be fixed; `n/a` does not
 * apply to this model (a check that needs the real GPT-2's weights, graded on another model).
 */
export type CheckStatus = "pass" | "fail" | "todo" | "skipped" | "n/a";

/** The status of a stage. */
export type StageStatus = "pass" | "fail" | "not-started" | "error";

/** What the child gives probes besides their arguments. */
export interface ProbeEnv {
  /** The model's sizes. */
  config: GPT2Config;
  /**
   * The model's weights, read on first use: those whose key starts with one of `under`, or all
   * of them (a part read alone spares a stage that needs one layer reading all 548 MB of GPT-2).
   * It may hold more than was asked for.
   *
   * @param under key prefixes, e.g. `["h.0.attn."]` (default: everything)
   */
  weights(under?: readonly string[]): StateDict;
  /** The tokenizer files' directory. */
  tokenizerDir: string;
  /**
   * Another of the learner's stage files, imported (stage 6 builds on stage 5's model).
   *
   * @param file e.g. `"5_gpt2.ts"`
   * @returns its exports
   */
  learnerModule(file: string): Promise<Record<string, unknown>>;
  /**
   * What `navigator.gpu` offers, as the grader found it once for stages that generate: the
   * child does not ask again (each adapter request costs a stage a few hundred milliseconds).
   */
  gpu?: GpuProbe;
  /**
   * Starts kit code on a new thread: `node:worker_threads`' `Worker`, held from before learner
   * code loaded (it cannot reach it). Stage 5 runs onnxruntime on one while its other probes go
   * on. Absent where there are no threads (the studio in a browser).
   */
  thread?: typeof import("node:worker_threads").Worker;
}

/**
 * A probe: runs in the sandbox, calls the learner's exports, returns plain data (tensors are
 * sent as data). Anything it throws is reported as the learner's error.
 */
export type Probe = (
  learner: Record<string, unknown>,
  args: Record<string, unknown>,
  env: ProbeEnv,
) => unknown;

/** One probe to run, with its arguments (tensors allowed). */
export interface ProbeCall {
  /** Name under which the outcome is filed (unique within the stage). */
  id: string;
  /** Which probe of the stage to run. */
  probe: string;
  /** Its arguments. */
  args?: Record<string, unknown>;
}

/** Everything the grader knows while checking a stage. */
export interface GradeContext {
  /** The model's sizes. */
  config: GPT2Config;
  /** `tiny`, `gpt2` or `custom`. */
  model: string;
  /** The reference activations. */
  refs: References;
  /**
   * The model weights (grader side, for checks that need them), read on first use: those whose
   * key starts with one of `under`, or all of them; it may hold more than was asked for.
   *
   * @param under key prefixes, e.g. `["h.0.attn."]` (default: everything)
   */
  weights(under?: readonly string[]): StateDict;
  /** The shapes of the checkpoint's entries, from the file's header. */
  checkpointShapes(): Record<string, number[]>;
}

/** The verdict of one check. */
export interface Verdict {
  /** Pass, fail, or to do (the learner's code is not written yet). */
  status: "pass" | "fail" | "todo";
  /** One-line summary (what was expected, what was found). */
  message: string;
  /** Further lines: numbers, tolerance, where. */
  details?: string[];
  /** What to try, phrased to teach. */
  hint?: string;
  /** Where in the learner's files the problem was thrown (`file.ts:12:5`), when known. */
  at?: string;
  /** A pass worth seeing: the report prints its message even without `--verbose`. */
  highlight?: boolean;
  /**
   * For a numeric check that failed: the tensors it compared, for a picture of the error (the
   * studio draws it); the text reports leave it out.
   */
  compared?: Compared;
}

/** The tensors a numeric check compared. */
export interface Compared {
  /** The learner's tensor. */
  found: TensorData;
  /** What it should be (the reference). */
  expected: TensorData;
  /** The tolerance it was compared with. */
  tolerance: Tolerance;
}

/** A check: looks at probe outcomes and decides. */
export interface Check {
  /** Short name, shown in every report. */
  name: string;
  /** Its layer. */
  layer: Layer;
  /** Points it is worth by default (classroom scoring; `grader/points.json` overrides it). */
  points?: number;
  /**
   * The export of the learner's file the check is about (e.g. `"CausalSelfAttention"`), where
   * a report points when no error located the problem; by default the first word of the name
   * when the file exports it.
   */
  subject?: string;
  /** Names of checks that must pass first (e.g. the function a module is built on). */
  requires?: string[];
  /**
   * For a check of a part that does not build on the rest of the stage (stage 1's byte table
   * beside its BPE): the checks it does build on. It is graded once they pass, whatever failed
   * in earlier layers, instead of waiting for every earlier layer to pass.
   */
  buildsOn?: string[];
  /**
   * The check compares with facts about the real GPT-2 (known ids, weights, similarities), not
   * with the reference file: it runs only when grading on the real weights, and is `n/a`
   * elsewhere.
   */
  needsRealModel?: boolean;
  /**
   * The check grades on the reference file's prompts (its messages may show their text and the
   * tokens expected): with an instructor's hidden references, platforms that can show a test
   * later (Gradescope) show it only after the due date. A test proves the flag matches what
   * each check reads.
   */
  usesReferences?: boolean;
  /**
   * Decides from the probes' outcomes.
   *
   * @param outcomes probe outcomes by call id
   * @param ctx the grading context
   * @returns the verdict
   */
  run(outcomes: Outcomes, ctx: GradeContext): Verdict;
}

/** Probe outcomes by call id, with helpers that turn a learner error into a verdict. */
export type Outcomes = ReadonlyMap<string, ProbeOutcome>;

/** A stage of the course. */
export interface Stage {
  /** 1-based number, as in `deno task check 3`. */
  number: number;
  /** Short name, e.g. "Attention". */
  name: string;
  /** The exercise file, e.g. `3_attention.ts`. */
  file: string;
  /**
   * Other stages' files its probes load with `env.learnerModule` (stage 6 runs stage 5's
   * model); the files they import are found by following the imports.
   */
  uses?: string[];
  /**
   * The library's reference versions of what this stage asks learners to write, by the name
   * learners would call them, with the learner's own in this stage's file: `{ "nn.Conv1D":
   * "Conv1D" }`. They are withheld while this stage and later ones are graded (see
   * `withheldReasons` in `stages/mod.ts`).
   */
  references?: Record<string, string>;
  /**
   * References of earlier stages that this stage's exercise itself uses, left available while
   * it is graded (stage 3's attention is built on the library's `nn.Conv1D`, so stages 5 and 6,
   * which run it, keep `nn.Conv1D`).
   */
  keeps?: string[];
  /**
   * Hints, revealed one at a time by `deno task hint N`: questions that lead the learner
   * towards the answer, from gentle to specific, never the code itself.
   */
  hints: string[];
  /** The probes the child can run. */
  probes: Record<string, Probe>;
  /**
   * The probe calls to make, given the references (grader side).
   *
   * @param ctx the grading context
   * @returns the calls
   */
  plan(ctx: GradeContext): ProbeCall[] | Promise<ProbeCall[]>;
  /** The checks, in layer order. */
  checks: Check[];
  /**
   * Whether its probes run the model on onnxruntime (stages 5 and 6): the grader then looks for
   * a GPU once and tells the child ({@linkcode ProbeEnv.gpu}).
   */
  generates?: boolean;
}

/** A graded check. */
export interface CheckResult extends Omit<Verdict, "status"> {
  /** The check's name. */
  name: string;
  /**
   * Its place among its stage's checks as the stage defines them (1-based): reports list checks
   * in layer order, and platforms that number tests use this.
   */
  number: number;
  /** Its layer. */
  layer: Layer;
  /** Its outcome. */
  status: CheckStatus;
  /** Points earned. */
  points: number;
  /** Points it is worth. */
  maxPoints: number;
  /** The export the check is about, when the check names one (see {@linkcode Check}). */
  subject?: string;
  /** Set when the check grades on the reference file's prompts (see {@linkcode Check}). */
  usesReferences?: boolean;
}

/** A graded stage. */
export interface StageResult {
  /** The stage number. */
  stage: number;
  /** The stage name. */
  name: string;
  /** The learner's file (relative path). */
  file: string;
  /** Overall status. */
  status: StageStatus;
  /** One-line summary. */
  message: string;
  /**
   * For a stage not started because it builds on an earlier stage that is not written yet:
   * that stage's number (its `todo()` was reached, not this stage's own).
   */
  waitsFor?: { stage: number; file: string };
  /** The checks, graded or skipped. */
  checks: CheckResult[];
  /** Set when the stage could not be graded (crash, timeout, import error). */
  error?: ThrownError;
  /** What the learner's code printed (the first 64 KB). */
  output?: string;
  /** Bytes of printed output left out of `output`. */
  outputDropped?: number;
  /** Wall time of the stage, in milliseconds. */
  ms: number;
  /** The largest resident memory of the learner's process, in MiB, when it could be measured. */
  peakMb?: number;
}
