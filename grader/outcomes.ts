/**
 * Reading probe outcomes inside checks: a value when the learner's code returned one,
 * otherwise a ready verdict ("to do" with the exercise's hint, or "fail" with what was thrown
 * and where) raised as {@linkcode VerdictError} so that a check can simply read values.
 *
 * @module
 */
import { relative } from "../lib/paths.ts";
import { formatShape } from "../lib/shape.ts";
import type { Outcomes, Verdict } from "./stage.ts";
import { isTensorData, type ProbeOutcome, type TensorData, type ThrownError } from "./wire.ts";

/** Carries a finished verdict out of a check. */
export class VerdictError extends Error {
  /** @param verdict the verdict to report */
  constructor(readonly verdict: Verdict) {
    super(verdict.message);
    this.name = "VerdictError";
  }
}

/**
 * Describes a learner's error in one line: class, message and location.
 *
 * @param e the error
 * @returns e.g. `RangeError: index 20000 is out of range ... (exercises/2_embedding.ts:31:12)`
 */
export function describeError(e: ThrownError): string {
  return `${e.name}: ${e.message}${e.at ? ` (at ${e.at})` : ""}`;
}

/**
 * Where a `todo()` was thrown: the learner's file and the stage it belongs to (stage files are
 * named `N_name.ts`), when the error says where.
 *
 * @param e what was thrown
 * @returns the stage number and the file, or undefined for another error or no location
 * @example
 * ```ts
 * import { todoOrigin } from "./outcomes.ts";
 * const e = { kind: "not-implemented", name: "NotImplementedError", message: "",
 *   at: "/kit/exercises/2_embedding.ts:40:5" } as const;
 * todoOrigin(e); // { stage: 2, file: "/kit/exercises/2_embedding.ts" }
 * ```
 */
export function todoOrigin(e: ThrownError): { stage: number; file: string } | undefined {
  const m = e.kind === "not-implemented"
    ? e.at?.match(/^((?:.*\/)?(\d+)_[^/]*\.ts):\d+:\d+$/)
    : null;
  return m ? { stage: Number(m[2]), file: m[1] } : undefined;
}

/**
 * "To do" for a probe that reached a `todo()` in an earlier stage's file than `stage`'s own,
 * naming that stage and its file: the learner must finish it first.
 *
 * @param o the probe's outcome
 * @param stage this stage's number
 * @param builds what this stage runs of the earlier ones, e.g. "GPT2 is built from your
 *   earlier stages' modules"
 * @returns the verdict, or undefined when no todo() of an earlier stage was reached
 */
export function earlierTodoVerdict(
  o: ProbeOutcome | undefined,
  stage: number,
  builds: string,
): Verdict | undefined {
  const origin = o && !o.ok ? todoOrigin(o.error) : undefined;
  if (!o || o.ok || !origin || origin.stage === stage) return undefined;
  return {
    status: "todo",
    message: `${builds}, and ${o.error.what} in ${relative(origin.file)} (stage ` +
      `${origin.stage}) is not written yet`,
    hint: `Finish stage ${origin.stage} first: \`deno task check ${origin.stage}\`.`,
  };
}

/**
 * The verdict for a probe whose learner code threw.
 *
 * @param e what was thrown
 * @param doing what the probe was doing, e.g. `"calling CausalSelfAttention.forward"`
 * @returns "to do" for `todo()`, else "fail"
 */
export function thrownVerdict(e: ThrownError, doing: string): Verdict {
  if (e.kind === "not-implemented") {
    return { status: "todo", message: `${e.what} is not written yet`, hint: e.hint };
  }
  return {
    status: "fail",
    message: `Your code threw while ${doing}: ${describeError(e)}`,
    ...(e.at ? { at: e.at } : {}),
  };
}

/**
 * The value a probe returned.
 *
 * @param outcomes the outcomes
 * @param id the probe call id
 * @param doing what the probe did, for the message when it failed
 * @param hintFor when the learner's code threw, a hint that explains this error (or undefined),
 *   e.g. for a matmul `RangeError` that betrays a transposed weight
 * @returns the value
 * @throws {VerdictError} when the learner's code threw or the probe did not run
 */
export function valueOf(
  outcomes: Outcomes,
  id: string,
  doing: string,
  hintFor?: (e: ThrownError) => string | undefined,
): unknown {
  const o = outcomes.get(id);
  if (!o) {
    throw new VerdictError({ status: "fail", message: `Did not get to ${doing} (see above)` });
  }
  if (!o.ok) {
    const v = thrownVerdict(o.error, doing);
    const hint = o.error.kind === "exception" ? hintFor?.(o.error) : undefined;
    throw new VerdictError(hint ? { ...v, hint } : v);
  }
  return o.value;
}

/**
 * The tensor a probe returned, checked to be a tensor.
 *
 * @param outcomes the outcomes
 * @param id the probe call id
 * @param doing what the probe did
 * @returns the tensor data
 * @throws {VerdictError} when the probe failed or returned something else
 */
export function tensorOf(outcomes: Outcomes, id: string, doing: string): TensorData {
  return requireTensor(valueOf(outcomes, id, doing), doing);
}

/**
 * Checks that a value the learner's code returned is a tensor.
 *
 * @param v the value
 * @param doing what produced it
 * @returns the tensor data
 * @throws {VerdictError} when it is something else
 */
export function requireTensor(v: unknown, doing: string): TensorData {
  if (!isTensorData(v)) {
    throw new VerdictError({
      status: "fail",
      message: `Expected a Tensor from ${doing}, found ${describeValue(v)}`,
    });
  }
  return v;
}

/**
 * The result of a probe that ran the learner's forward through `callWatching`: its output, and
 * whether it changed its input.
 *
 * @param o the outcomes
 * @param id the probe call's id
 * @param doing what the probe did, e.g. `"calling MLP.forward(x)"`
 * @returns the output tensor and the mutation flag
 * @throws {VerdictError} when the call failed or did not return a tensor
 */
export function watchedOf(
  o: Outcomes,
  id: string,
  doing: string,
): { out: TensorData; mutated: boolean } {
  const v = valueOf(o, id, doing) as { out: unknown; mutated: boolean };
  return { out: requireTensor(v.out, doing), mutated: v.mutated };
}

/**
 * Names a value's type for a message.
 *
 * @param v any wire value
 * @returns e.g. `a number (3)`, `an array of 4`, `undefined`
 */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (isTensorData(v)) return `a Tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  return `a ${typeof v} (${JSON.stringify(v)})`;
}
