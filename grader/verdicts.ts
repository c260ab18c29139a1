/**
 * Verdict builders the stages share (grader side): state-dict keys in PyTorch's words,
 * numbers against a reference with the tolerance stated.
 *
 * @module
 */
import { extract, LoadStateDictError } from "../lib/module.ts";
import { formatShape } from "../lib/shape.ts";
import { Tensor } from "../lib/tensor.ts";
import { type Closeness, compareTensors, describeMismatch, type Tolerance } from "./compare.ts";
import { VerdictError } from "./outcomes.ts";
import type { Verdict } from "./stage.ts";
import type { TensorData } from "./wire.ts";

/** The shapes of the checkpoint's entries, read from the weights file's header. */
export type ShapeMap = Record<string, number[]>;

/**
 * Compares the learner module's state-dict shapes with the checkpoint's entries under
 * `prefix`, reporting like PyTorch's `load_state_dict`.
 *
 * @param found the learner module's key -> shape
 * @param checkpoint the checkpoint's key -> shape (full keys)
 * @param prefix e.g. `"h.0.mlp."`
 * @param className the learner's class, named in the report
 * @returns the verdict
 */
export function keysVerdict(
  found: ShapeMap,
  checkpoint: ShapeMap,
  prefix: string,
  className: string,
): Verdict {
  const expected = extract(checkpoint, prefix);
  // PyTorch's words: "missing" keys are the module's that the checkpoint lacks, "unexpected"
  // keys are the checkpoint's that the module lacks
  const missing = Object.keys(found).filter((k) => !(k in expected));
  const unexpected = Object.keys(expected).filter((k) => !(k in found));
  const mismatches = Object.keys(expected).filter((k) =>
    k in found && formatShape(found[k]) !== formatShape(expected[k])
  ).map((key) => ({ key, checkpoint: expected[key], model: found[key] }));
  if (!missing.length && !unexpected.length && !mismatches.length) {
    return {
      status: "pass",
      message: `All keys matched successfully (${Object.keys(expected).length} under "${prefix}")`,
    };
  }
  const report = new LoadStateDictError(className, missing, unexpected, mismatches).message;
  const hints: string[] = [];
  if (mismatches.some((m) => formatShape([...m.model].reverse()) === formatShape(m.checkpoint))) {
    hints.push("GPT-2's Conv1D stores its weight as [in, out], the transpose of nn.Linear's.");
  }
  if (missing.length && unexpected.length) {
    hints.push(
      "Name your fields exactly as the checkpoint does (c_attn, c_proj, ln_1, ...): the field " +
        "path is the key.",
    );
  }
  return {
    status: "fail",
    message: `The state dict of your ${className} does not match the checkpoint's "${prefix}*"`,
    details: report.split("\n").slice(1).map((l) => l.trim()),
    hint: hints.join(" ") || undefined,
  };
}

/**
 * A shapes verdict: the learner's tensor has the expected shape.
 *
 * @param found the learner's tensor
 * @param expected the expected shape
 * @param what what the tensor is, e.g. `"the output of forward(x)"`
 * @param hint what to look at when it differs
 * @returns the verdict
 */
export function shapeVerdict(
  found: TensorData,
  expected: readonly number[],
  what: string,
  hint?: string,
): Verdict {
  if (formatShape(found.shape) === formatShape(expected)) {
    return { status: "pass", message: `${what} has shape ${formatShape(expected)}` };
  }
  return {
    status: "fail",
    message: `${what}: expected shape ${formatShape(expected)}, found ${formatShape(found.shape)}`,
    hint,
  };
}

/**
 * A numbers verdict: the learner's tensor against a reference, within `tol`.
 *
 * @param found the learner's tensor
 * @param expected the reference
 * @param tol the tolerance
 * @param what what is compared, e.g. `attention output for "Hello world"`
 * @param hint what to check when it differs
 * @returns the verdict
 */
export function closeVerdict(
  found: TensorData,
  expected: TensorData,
  tol: Tolerance,
  what: string,
  hint?: string,
): Verdict {
  return closenessVerdict(compareTensors(found, expected, tol), tol, what, hint, {
    found,
    expected,
  });
}

/**
 * {@linkcode closeVerdict} of a comparison already made (when its numbers are needed too).
 *
 * @param c the comparison, from `compareTensors`
 * @param tol the tolerance it used
 * @param what what is compared
 * @param hint what to check when it differs
 * @param tensors the tensors compared, kept in a failed verdict (for a picture of the error)
 * @returns the verdict
 */
export function closenessVerdict(
  c: Closeness,
  tol: Tolerance,
  what: string,
  hint?: string,
  tensors?: { found: TensorData; expected: TensorData },
): Verdict {
  if (c.ok) {
    return {
      status: "pass",
      message: `${what} matches (max abs error ${c.maxAbs.toExponential(1)})`,
    };
  }
  const [first, ...rest] = describeMismatch(what, c, tol);
  const compared = tensors && !c.shapeMismatch ? { compared: { ...tensors, tolerance: tol } } : {};
  return { status: "fail", message: first, details: rest, hint, ...compared };
}

/** A classic mistake, recognised by the output it produces. */
export interface KnownMistake {
  /** What the learner's code does, said to them, e.g. "Your positions start at 1". */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The output the mistake would produce (computed by the grader), or undefined if none. */
  output(): TensorData | undefined;
}

/**
 * Like {@linkcode closeVerdict}, but when the learner's tensor misses the reference and
 * instead matches what a known mistake produces (within the same tolerance), the verdict names
 * that mistake, keeping the numbers in its details.
 *
 * @param found the learner's tensor
 * @param expected the reference
 * @param tol the tolerance
 * @param what what is compared
 * @param hint what to check when it differs and no known mistake explains it
 * @param mistakes the mistakes to recognise, tried in order
 * @returns the verdict
 */
export function diagnosedCloseVerdict(
  found: TensorData,
  expected: TensorData,
  tol: Tolerance,
  what: string,
  hint: string,
  mistakes: readonly KnownMistake[],
): Verdict {
  const v = closeVerdict(found, expected, tol, what, hint);
  if (v.status === "pass") return v;
  for (const m of mistakes) {
    const output = m.output();
    if (output && compareTensors(found, output, tol).ok) {
      return {
        status: "fail",
        message: m.message,
        details: [v.message, ...v.details!],
        hint: m.hint,
        compared: v.compared,
      };
    }
  }
  return v;
}

/**
 * A keys verdict for a layer the probe built with explicit sizes (not loaded from the
 * checkpoint): its state dict must hold exactly `expected`.
 *
 * @param found the learner layer's key -> shape
 * @param expected the key -> shape it must have
 * @param what the layer as built, e.g. `"Conv1D(7, 3)"`
 * @returns the verdict, with PyTorch's report and hints when it fails
 */
export function layerKeysVerdict(found: ShapeMap, expected: ShapeMap, what: string): Verdict {
  const v = keysVerdict(found, expected, "", what);
  const want = Object.entries(expected).map(([k, s]) => `${k} ${formatShape(s)}`).join(", ");
  return {
    ...v,
    message: v.status === "pass" ? `${what} owns ${want}` : `${what} should own exactly ${want}`,
  };
}

/**
 * Runs a sequence of sub-verdicts and returns the first that does not pass, or a pass that
 * summarises them.
 *
 * @param summary the pass message
 * @param parts verdict producers, run in order
 * @returns the verdict
 */
export function allOf(summary: string, parts: (() => Verdict)[]): Verdict {
  for (const part of parts) {
    let v: Verdict;
    try {
      v = part();
    } catch (e) {
      if (e instanceof VerdictError) return e.verdict;
      throw e;
    }
    if (v.status !== "pass") return v;
  }
  return { status: "pass", message: summary };
}

/**
 * The "does not modify its input" verdict: every watched forward call left its input as it was.
 *
 * @param calls one per prompt: the watched call's result (see `watchedOf`)
 * @returns the verdict
 */
export function inputUnchangedVerdict(calls: (() => { mutated: boolean })[]): Verdict {
  return allOf(
    "forward(x) leaves x unchanged",
    calls.map((call) => (): Verdict =>
      call().mutated
        ? {
          status: "fail",
          message: "forward(x) changed x",
          hint: "Tensor ops return new tensors; writing into x.data changes the caller's x.",
        }
        : { status: "pass", message: "" }
    ),
  );
}

/**
 * A reference tensor with a leading batch dimension of 1 added.
 *
 * @param t `[T, C]`
 * @returns `[1, T, C]`
 */
export function batched(t: TensorData): TensorData {
  return { shape: [1, ...t.shape], data: t.data };
}

/**
 * A tensor (for probe arguments) from reference data.
 *
 * @param t the data
 * @returns the tensor
 */
export function asTensor(t: TensorData): Tensor {
  return new Tensor(t.data, t.shape);
}

/**
 * Plain data (to compare with a learner's output) from a tensor the grader computed.
 *
 * @param t the tensor
 * @returns its shape and row-major elements
 */
export function dataOf(t: Tensor): TensorData {
  return { shape: [...t.shape], data: t.data };
}

/**
 * A causality verdict: after the inputs from position `keep` on were changed, the learner's
 * outputs at positions `0 .. keep - 1` must not have changed.
 *
 * @param changed the output `[1, T, N]` for the changed inputs
 * @param base the output `[1, T, N]` for the original inputs
 * @param keep how many leading positions were left unchanged
 * @param tol the tolerance (tiny: the same computation, other later inputs)
 * @param what the outputs, e.g. `"logits"`
 * @param hint what lets later positions leak into earlier ones
 * @returns the verdict
 */
export function causalVerdict(
  changed: TensorData,
  base: TensorData,
  keep: number,
  tol: Tolerance,
  what: string,
  hint: string,
): Verdict {
  const n = base.shape[base.shape.length - 1], t = base.shape[base.shape.length - 2];
  const head = (d: TensorData) => ({ shape: [keep, n], data: d.data.subarray(0, keep * n) });
  const v = closeVerdict(
    head(changed),
    head(base),
    tol,
    `${what} at positions 0..${keep - 1} after changing positions ${keep}..${t - 1}`,
    hint,
  );
  return v.status === "pass"
    ? { status: "pass", message: `changing later positions never changes earlier ${what}` }
    : { ...v, message: `Later positions leak into earlier ${what}: ${v.message}` };
}
