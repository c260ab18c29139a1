/**
 * Export by tracing: runs a model's `forward` once on a dummy sequence while every tensor op
 * it performs is recorded (see `trace_hook.ts`), and turns the record into an ONNX graph whose
 * weights are the model's parameters and whose sequence length is dynamic.
 *
 * How one graph serves every length: the trace runs at a length `T` chosen so that no size of
 * the model is a multiple of it. Any size the forward pass computes that equals `T` (a
 * reshape's `T`, `arange(T)`, the mask's `[:T, :T]`) is then known to be the sequence length
 * and is exported as `Shape(input_ids)[1]`, computed when the graph runs; a reshape size that
 * is a multiple of `T` becomes `-1`. Bounds written negative (`x[:, -1]`) stay relative to the
 * end.
 *
 * What cannot be traced — code that reads a tensor's numbers (`.data`, `.item()`,
 * `.toNested()`) and computes with plain JavaScript — fails with {@linkcode ExportError}
 * naming the op and the caller's line.
 *
 * @module
 */
import type { GPT2Config } from "../config.ts";
import type { Module } from "../module.ts";
import { Tensor } from "../tensor.ts";
import { type OpAttrs, type OpRecorder, withRecorder } from "../trace_hook.ts";
import { DType, OnnxGraph } from "./onnx_graph.ts";

/** Raised when a model cannot be exported; the message names the op and the line. */
export class ExportError extends Error {
  /**
   * @param message what could not be exported and why
   * @param at the caller's location (`file.ts:12:5`), when known
   */
  constructor(message: string, readonly at?: string) {
    super(message);
    this.name = "ExportError";
  }
}

/** A model the exporter can trace: ids `[B, T]` in, logits `[B, T, V]` out. */
export type Forwardable = Module & { forward(ids: Tensor): Tensor };

/** The result of {@linkcode exportModel}. */
export interface ExportedModel {
  /** The `.onnx` bytes. */
  bytes: Uint8Array;
  /** The length the trace ran at. */
  traceLength: number;
  /** Number of ONNX nodes after pruning. */
  nodes: number;
}

/** The graph's input: token ids, int64 `[1, sequence]`. */
export const INPUT_IDS = "input_ids";
/** The graph's output: logits, float32 `[1, sequence, vocab]`. */
export const LOGITS = "logits";

/**
 * A trace length no size of the model is a multiple of (a prime from 5 up).
 *
 * @param config the model's sizes
 * @returns the length
 */
export function chooseTraceLength(config: GPT2Config): number {
  const sizes = [
    config.n_embd,
    config.n_head,
    config.n_embd / config.n_head,
    3 * config.n_embd,
    4 * config.n_embd,
    config.vocab_size,
    config.n_positions,
  ];
  for (let p = 5; p <= config.n_positions; p++) {
    const prime = [...Array(p - 2).keys()].every((i) => p % (i + 2) !== 0);
    if (prime && sizes.every((s) => s % p !== 0)) return p;
  }
  throw new ExportError(`No trace length fits n_positions ${config.n_positions}`);
}

/**
 * Exports a model to ONNX by tracing its forward pass.
 *
 * @param model the model (weights loaded)
 * @param config its sizes
 * @returns the ONNX bytes and facts about the trace
 * @throws {ExportError} when the forward pass does something a graph cannot express
 * @example
 * ```ts ignore
 * const { bytes } = exportModel(model, config);
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export function exportModel(model: Forwardable, config: GPT2Config): ExportedModel {
  const T = chooseTraceLength(config);
  const ids = Tensor.zeros([1, T]);
  const tracer = new Tracer(T, model);
  tracer.bindInput(ids);
  const out = withRecorder(tracer, () => model.forward(ids));
  const logits = tracer.output(out);
  const g = tracer.graph;
  return {
    bytes: g.encode(
      [{ name: INPUT_IDS, type: DType.INT64, dims: [1, "sequence"] }],
      [{ name: logits, type: DType.FLOAT, dims: [1, "sequence", config.vocab_size] }],
    ),
    traceLength: T,
    nodes: g.size,
  };
}

// Finds the first stack frame outside the library's modules: the line that called the op.
function callerLocation(): string | undefined {
  const lib = new URL("../", import.meta.url).href;
  const inLibrary = (l: string) => l.includes(lib) && !/_test\.ts:/.test(l);
  const frame = (new Error().stack ?? "").split("\n").slice(1)
    .find((l) => l.includes("file://") && !inLibrary(l));
  const m = frame?.match(/(file:\/\/[^\s)]*?):(\d+):(\d+)/);
  return m ? `${decodeURIComponent(new URL(m[1]).pathname)}:${m[2]}:${m[3]}` : undefined;
}

class Tracer implements OpRecorder {
  readonly graph = new OnnxGraph();
  #names = new Map<Tensor, string>();
  #params = new Map<Tensor, string>();
  #seq1d?: string;
  #seqScalar?: string;
  // tensors whose value depends on the input (the rest is folded into initializers)
  #dynamic = new Set<Tensor>();
  #usedSeq = false;

  constructor(readonly T: number, model: Module) {
    const all = [...model.namedParameters(), ...model.namedBuffers()];
    for (const [key, t] of all) this.#params.set(t, key);
  }

  bindInput(ids: Tensor): void {
    this.#names.set(ids, this.graph.node("Cast", [INPUT_IDS], { to: DType.FLOAT }, "ids_float"));
    this.#dynamic.add(ids);
  }

  output(out: unknown): string {
    if (!(out instanceof Tensor)) {
      throw new ExportError(`forward(ids) returned ${typeof out}, not a Tensor`);
    }
    const name = this.#names.get(out);
    if (!name) {
      throw new ExportError(
        "forward(ids) returned a tensor that was not computed from ids by tensor ops",
      );
    }
    const logits = this.graph.node("Identity", [name], {}, LOGITS);
    this.graph.prune([logits]);
    return logits;
  }

  rawRead(_t: Tensor, how: string): void {
    const at = callerLocation();
    throw new ExportError(
      `Cannot export the model to ONNX: it reads a tensor's numbers with ${how}` +
        `${at ? ` at ${at}` : ""}. Arithmetic on plain numbers never reaches the graph; use ` +
        "tensor ops (add, mul, matmul, ...) instead.",
      at,
    );
  }

  record(op: string, inputs: readonly Tensor[], attrs: OpAttrs, output: Tensor): void {
    const g = this.graph;
    const x = inputs.map((t) => this.#nameOf(t));
    this.#usedSeq = false;
    const out = `t${output.id}`;
    const emit = (opType: string, ins: string[], a = {}) => g.node(opType, ins, a, out);
    switch (op) {
      case "Neg":
      case "Exp":
      case "Log":
      case "Sqrt":
      case "Tanh":
      case "Abs":
      case "Reciprocal":
      case "Erf":
      case "Identity":
      case "Add":
      case "Sub":
      case "Mul":
      case "Div":
      case "Pow":
      case "Max":
      case "Min":
      case "MatMul":
        emit(op, x);
        break;
      case "Equal":
      case "Less":
      case "Greater":
        emit("Cast", [g.node(op, x)], { to: DType.FLOAT });
        break;
      case "Where":
        emit("Where", [g.node("Cast", [x[0]], { to: DType.BOOL }), x[1], x[2]]);
        break;
      case "ReduceSum":
      case "ReduceMean":
      case "ReduceMax": {
        const axes = attrs.axis === null ? [] : [g.int64([attrs.axis as number])];
        emit(op, [x[0], ...axes], { keepdims: attrs.keepdims ? 1 : 0 });
        break;
      }
      case "ArgMax": {
        const all = attrs.axis === null;
        const src = all ? g.node("Reshape", [x[0], g.int64([-1])]) : x[0];
        const idx = g.node("ArgMax", [src], {
          axis: all ? 0 : attrs.axis as number,
          keepdims: attrs.keepdims ? 1 : 0,
        });
        const asFloat = g.node("Cast", [idx], { to: DType.FLOAT });
        emit("Reshape", [asFloat, this.#shape(output.shape, false)]);
        break;
      }
      case "Reshape":
        emit("Reshape", [x[0], this.#shape(attrs.shape as number[], true)]);
        break;
      case "Transpose":
        emit("Transpose", x, { perm: attrs.perm as number[] });
        break;
      case "Expand":
        emit("Expand", [x[0], this.#shape(attrs.shape as number[], false)]);
        break;
      case "Slice":
        emit("Slice", [
          x[0],
          this.#bound(attrs.from as number, attrs.start as number),
          this.#bound(attrs.to as number | undefined, attrs.end as number),
          g.int64([attrs.dim as number]),
          g.int64([attrs.step as number]),
        ]);
        break;
      case "Concat":
        emit("Concat", x, { axis: attrs.axis as number });
        break;
      case "Gather":
        emit("Gather", [x[0], g.node("Cast", [x[1]], { to: DType.INT64 })], {
          axis: attrs.axis as number,
        });
        break;
      case "Full":
        emit("ConstantOfShape", [this.#shape(attrs.shape as number[], false)], {
          value: { tensor: new Float32Array([attrs.value as number]) },
        });
        break;
      case "Range":
        emit("Range", [
          this.#scalar(attrs.start as number),
          this.#scalar(attrs.end as number),
          this.#scalar(attrs.step as number),
        ]);
        break;
      case "Constant":
        break;
      case "Trilu":
        emit("Trilu", [x[0], g.int64([attrs.k as number], [])], { upper: 0 });
        break;
      case "Softmax":
        emit("Softmax", x, { axis: attrs.axis as number });
        break;
      case "LayerNormalization":
        emit("LayerNormalization", x, {
          axis: attrs.axis as number,
          epsilon: { float: attrs.epsilon as number },
        });
        break;
      case "Gelu":
        emit("Gelu", x, { approximate: attrs.approximate as string });
        break;
      default: {
        const at = callerLocation();
        throw new ExportError(
          `Cannot export the op "${op}" to ONNX${at ? ` (called at ${at})` : ""}`,
          at,
        );
      }
    }
    if (inputs.some((t) => this.#dynamic.has(t)) || this.#usedSeq) {
      this.#dynamic.add(output);
      this.#names.set(output, out);
    } else {
      // constant folding: the value does not depend on the input, so export it as computed
      // (the node just emitted is pruned as unused)
      this.#names.set(output, this.#constant(output));
    }
  }

  #nameOf(t: Tensor): string {
    let name = this.#names.get(t);
    if (name) return name;
    name = this.#constant(t, this.#params.get(t));
    this.#names.set(t, name);
    return name;
  }

  #constant(t: Tensor, name?: string): string {
    return this.graph.float(Tensor.rowMajor(t), t.shape, name);
  }

  // The sequence length as int64 [1], computed from the input's shape when the graph runs.
  #seq(): string {
    this.#usedSeq = true;
    return (this.#seq1d ??= this.graph.node("Shape", [INPUT_IDS], { start: 1, end: 2 }, "seq_len"));
  }

  // A float scalar, the sequence length when it equals T.
  #scalar(v: number): string {
    if (v !== this.T) return this.graph.float(new Float32Array([v]), []);
    const seq = this.#seq();
    if (!this.#seqScalar) {
      const f = this.graph.node("Cast", [seq], { to: DType.FLOAT });
      this.#seqScalar = this.graph.node("Reshape", [f, this.graph.int64([], [0])], {}, "seq_len_f");
    }
    return this.#seqScalar;
  }

  // A slice bound: negative (from the end) or omitted as written, T as the sequence length.
  #bound(written: number | undefined, resolved: number): string {
    if (written === undefined) return this.graph.int64([Number.MAX_SAFE_INTEGER]);
    if (written < 0) return this.graph.int64([written]);
    return resolved === this.T ? this.#seq() : this.graph.int64([resolved]);
  }

  // A shape as an int64 tensor, with T as the sequence length (and, when `infer`, one
  // multiple of T as -1).
  #shape(dims: readonly number[], infer: boolean): string {
    const parts: (number | "T")[] = dims.map((d) => (d === this.T ? "T" : d));
    if (infer) {
      const multiples = dims.map((d, i) => (d > this.T && d % this.T === 0 ? i : -1))
        .filter((i) => i >= 0);
      if (multiples.length > 1) {
        throw new ExportError(`Cannot export a reshape to [${dims.join(", ")}]`);
      }
      if (multiples.length === 1) parts[multiples[0]] = -1;
    }
    if (!parts.includes("T")) return this.graph.int64(parts as number[]);
    const pieces = parts.map((p) => (p === "T" ? this.#seq() : this.graph.int64([p])));
    return this.graph.node("Concat", pieces, { axis: 0 });
  }
}
