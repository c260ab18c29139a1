/**
 * The single point where tensor ops announce themselves, so that a tracer (the ONNX exporter)
 * can record a forward pass as a graph while it runs eagerly.
 *
 * Every primitive op of {@linkcode Tensor} calls {@linkcode emit} after computing its result;
 * composite ops (softmax, layer norm, GELU in `functional.ts`) run their body inside
 * {@linkcode composite}, which records one node for the whole and hides the primitives inside.
 * Reading raw numbers out of a tensor calls {@linkcode rawRead}: a tracer refuses it, because
 * arithmetic done on plain arrays never reaches the graph.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";

/** Attributes of a recorded op (sizes, axes, constants). */
export type OpAttrs = Record<string, unknown>;

/** What a tracer implements. */
export interface OpRecorder {
  /**
   * Called after an op computed `output` from `inputs`.
   *
   * @param op the op's name (ONNX-like: "Add", "MatMul", "Reshape", ...)
   * @param inputs the tensors the op read
   * @param attrs the op's non-tensor arguments
   * @param output the tensor it produced
   */
  record(op: string, inputs: readonly Tensor[], attrs: OpAttrs, output: Tensor): void;
  /**
   * Called when code reads a tensor's numbers as plain JavaScript values.
   *
   * @param tensor the tensor read
   * @param how the accessor used (`data`, `item()`, `toNested()`)
   */
  rawRead(tensor: Tensor, how: string): void;
}

let active: OpRecorder | null = null;
let hidden = 0;

/**
 * Installs `recorder` while `fn` runs (tracers do not nest).
 *
 * @param recorder the recorder to install
 * @param fn the code to trace
 * @returns what `fn` returned
 */
export function withRecorder<T>(recorder: OpRecorder, fn: () => T): T {
  if (active) throw new Error("A trace is already running: traces cannot nest");
  active = recorder;
  try {
    return fn();
  } finally {
    active = null;
  }
}

/**
 * Tells the active recorder, if any, that an op ran.
 *
 * @param op the op's name
 * @param inputs the tensors it read
 * @param attrs its non-tensor arguments
 * @param output its result
 * @returns `output`, for chaining
 */
export function emit(
  op: string,
  inputs: readonly Tensor[],
  attrs: OpAttrs,
  output: Tensor,
): Tensor {
  if (active && hidden === 0) active.record(op, inputs, attrs, output);
  return output;
}

/**
 * Runs `body` (built from primitives) and records it as the single op `op`.
 *
 * @param op the composite op's name ("Softmax", "LayerNormalization", "Gelu")
 * @param inputs the tensors it reads
 * @param attrs its non-tensor arguments
 * @param body computes the result eagerly
 * @returns the result
 */
export function composite(
  op: string,
  inputs: readonly Tensor[],
  attrs: OpAttrs,
  body: () => Tensor,
): Tensor {
  if (!active) return body();
  hidden++;
  let out: Tensor;
  try {
    out = body();
  } finally {
    hidden--;
  }
  return emit(op, inputs, attrs, out);
}

/**
 * Tells the active recorder, if any, that a tensor's numbers were read as plain values.
 *
 * @param tensor the tensor read
 * @param how the accessor used
 */
export function rawRead(tensor: Tensor, how: string): void {
  if (active && hidden === 0) active.rawRead(tensor, how);
}
