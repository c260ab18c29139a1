/**
 * The recorder behind the exporter: translates each tensor op of a traced forward pass into
 * ONNX nodes, names the model's parameters as initializers, folds what does not depend on the
 * inputs into constants, and turns sizes that depend on the inputs (the sequence length, the
 * cached length, their sum) into values computed from the inputs' shapes when the graph runs.
 *
 * @module
 */
import type { Module } from "../module.ts";
import { Tensor } from "../tensor.ts";
import type { OpAttrs, OpRecorder } from "../trace_hook.ts";
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

/**
 * A size that depends on the inputs: during the trace it has the (distinctive) value `value`;
 * in the graph it is read from an input's shape, or is the sum of two such sizes.
 */
export type SizeSymbol =
  | { value: number; input: string; axis: number }
  | { value: number; sum: [number, number] };

// Finds the first stack frame outside the library's modules: the line that called the op.
function callerLocation(): string | undefined {
  const lib = new URL("../", import.meta.url).href;
  const inLibrary = (l: string) => l.includes(lib) && !/_test\.ts:/.test(l);
  const frame = (new Error().stack ?? "").split("\n").slice(1)
    .find((l) => l.includes("file://") && !inLibrary(l));
  const m = frame?.match(/(file:\/\/[^\s)]*?):(\d+):(\d+)/);
  return m ? `${decodeURIComponent(new URL(m[1]).pathname)}:${m[2]}:${m[3]}` : undefined;
}

/** Records a forward pass as an ONNX graph; see the module doc. */
export class Tracer implements OpRecorder {
  /** The graph being built. */
  readonly graph = new OnnxGraph();
  #names = new Map<Tensor, string>();
  #params = new Map<Tensor, string>();
  #symbols: Map<number, SizeSymbol>;
  #symbolNames = new Map<number, string>();
  #scalars = new Map<number, string>();
  // tensors whose value depends on the inputs (the rest is folded into initializers)
  #dynamic = new Set<Tensor>();
  #usedSymbol = false;
  // a 2-d parameter's transpose -> the parameter (GPT-2's tied head reads wteᵀ)
  #transposeOf = new Map<Tensor, Tensor>();
  // outputs computed row by row from a dynamic input: how to compute them for some rows only
  #rowwise = new Map<string, (last: (v: string) => string, shape: number[]) => string>();

  /**
   * @param model the traced model: its parameters and buffers become named initializers
   * @param symbols the sizes that depend on the inputs; the first is the sequence length
   */
  constructor(model: Module, readonly symbols: SizeSymbol[]) {
    for (const [key, t] of model.namedParameters()) this.#params.set(t, key);
    // Equal buffers (GPT-2's causal masks, one per block) become one initializer, so that
    // onnxruntime can merge the identical work done on them in every block.
    const buffers: [string, Tensor][] = [];
    for (const [key, t] of model.namedBuffers()) {
      const same = buffers.find(([, b]) => sameValues(b, t));
      this.#params.set(t, same ? same[0] : key);
      if (!same) buffers.push([key, t]);
    }
    this.#symbols = new Map(symbols.map((s) => [s.value, s]));
  }

  /**
   * Makes `t` a graph input.
   *
   * @param t the tensor the traced code receives
   * @param name the input's name
   * @param type its element type (an INT64 input reaches the code as float32, via a Cast)
   */
  bindInput(t: Tensor, name: string, type: number): void {
    const value = type === DType.FLOAT
      ? name
      : this.graph.node("Cast", [name], { to: DType.FLOAT });
    this.#names.set(t, value);
    this.#dynamic.add(t);
  }

  /**
   * Makes `t` a graph output.
   *
   * @param t a tensor the traced code returned
   * @param name the output's name
   * @param what how the output is described in errors, e.g. `"forward(ids)"`
   * @param lastPosition keep only the last position (axis -2), as generation needs
   */
  bindOutput(t: unknown, name: string, what: string, lastPosition = false): void {
    if (!(t instanceof Tensor)) throw new ExportError(`${what} returned ${typeof t}, not a Tensor`);
    let value = this.#names.get(t);
    if (!value || !this.#dynamic.has(t)) {
      throw new ExportError(
        `${what} returned a tensor that was not computed from its inputs by tensor ops`,
      );
    }
    if (lastPosition) value = this.#lastPosition(value, t.shape);
    this.graph.node("Identity", [value], {}, name);
  }

  // Only the last position of `value` [B, T, N]. When it is a MatMul by a constant matrix (the
  // LM head), the rows are sliced before the product, which then computes one row, not T.
  #lastPosition(value: string, shape: readonly number[]): string {
    const g = this.graph;
    const last = (v: string) =>
      g.node("Slice", [v, g.int64([-1]), g.int64([Number.MAX_SAFE_INTEGER]), g.int64([-2])]);
    const rowwise = this.#rowwise.get(value);
    if (rowwise) return rowwise(last, [...shape.slice(0, -2), 1, shape[shape.length - 1]]);
    const p = g.producerOf(value);
    if (p?.opType === "MatMul" && g.isInitializer(p.inputs[1])) {
      return g.node("MatMul", [last(p.inputs[0]), p.inputs[1]]);
    }
    return last(value);
  }

  // `a · Pᵀ` for a 2-d parameter P, as Gemm(transB) on P itself: no transposed copy of P (for
  // GPT-2's tied head, 154 MB) is made, and the product can be recomputed for the last row.
  #byTransposedParam(a: Tensor, param: Tensor, output: Tensor, out: string): void {
    const g = this.graph;
    const k = a.shape[a.ndim - 1];
    const weight = this.#nameOf(param);
    const product = (rows: string, shape: readonly number[], name?: string) => {
      const flat = g.node("Reshape", [rows, g.int64([-1, k])]);
      const y = g.node("Gemm", [flat, weight], { transB: 1 });
      return g.node("Reshape", [y, this.#shape(shape, false)], {}, name);
    };
    product(this.#nameOf(a), output.shape, out);
    this.#rowwise.set(out, (last, shape) => product(last(this.#nameOf(a)), shape));
  }

  /** @inheritdoc */
  rawRead(_t: Tensor, how: string): void {
    const at = callerLocation();
    throw new ExportError(
      `Cannot export the model to ONNX: it reads a tensor's numbers with ${how}` +
        `${at ? ` at ${at}` : ""}. Arithmetic on plain numbers never reaches the graph; use ` +
        "tensor ops (add, mul, matmul, ...) instead.",
      at,
    );
  }

  /** @inheritdoc */
  record(op: string, inputs: readonly Tensor[], attrs: OpAttrs, output: Tensor): void {
    const g = this.graph;
    const out = `t${output.id}`;
    this.#usedSymbol = false;
    const transposed = op === "MatMul" ? this.#transposeOf.get(inputs[1]) : undefined;
    if (transposed && this.#dynamic.has(inputs[0])) {
      this.#byTransposedParam(inputs[0], transposed, output, out);
      this.#dynamic.add(output);
      this.#names.set(output, out);
      return;
    }
    const x = inputs.map((t) => this.#nameOf(t));
    if (op === "Identity" && this.#dynamic.has(inputs[0])) {
      // a copy (`contiguous()`) changes no value: the output is the input's graph value
      this.#dynamic.add(output);
      this.#names.set(output, x[0]);
      return;
    }
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
      case "Identity": // of a constant: folded
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
        emit("Reshape", [x[0], this.#shape(attrs.shape as number[], true, inputs[0].shape)]);
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
    if (inputs.some((t) => this.#dynamic.has(t)) || this.#usedSymbol) {
      this.#dynamic.add(output);
      this.#names.set(output, out);
    } else {
      // constant folding: the value does not depend on the inputs, so it is exported as
      // computed, when something dynamic uses it (#nameOf); the node just emitted is pruned
      if (op === "Transpose" && output.ndim === 2 && this.#params.has(inputs[0])) {
        this.#transposeOf.set(output, inputs[0]);
      }
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

  // The int64 [1] graph value of a size symbol, or undefined when `v` is not one.
  #symbol(v: number): string | undefined {
    const s = this.#symbols.get(v);
    if (!s) return undefined;
    this.#usedSymbol = true;
    let name = this.#symbolNames.get(v);
    if (!name) {
      name = "input" in s
        ? this.graph.node("Shape", [s.input], { start: s.axis, end: s.axis + 1 }, `size_${v}`)
        : this.graph.node(
          "Add",
          [this.#symbol(s.sum[0])!, this.#symbol(s.sum[1])!],
          {},
          `size_${v}`,
        );
      this.#symbolNames.set(v, name);
    }
    return name;
  }

  // A float scalar: a constant, or a size symbol's value as float.
  #scalar(v: number): string {
    const sym = this.#symbol(v);
    if (!sym) return this.graph.float(new Float32Array([v]), []);
    let name = this.#scalars.get(v);
    if (!name) {
      const f = this.graph.node("Cast", [sym], { to: DType.FLOAT });
      name = this.graph.node("Reshape", [f, this.graph.int64([], [0])]);
      this.#scalars.set(v, name);
    }
    return name;
  }

  // A slice bound: negative (from the end) or omitted as written; a size symbol as computed.
  #bound(written: number | undefined, resolved: number): string {
    if (written === undefined) return this.graph.int64([Number.MAX_SAFE_INTEGER]);
    if (written < 0) return this.graph.int64([written]);
    return this.#symbol(resolved) ?? this.graph.int64([resolved]);
  }

  // A shape as an int64 tensor: size symbols computed, and (when `infer`) one multiple of the
  // sequence length as -1; `from` is the shape of a reshape's input.
  #shape(dims: readonly number[], infer: boolean, from?: readonly number[]): string {
    const T = this.symbols[0].value;
    // a reshape keeps a size it copies from its input as 0 (ONNX: "copy that dimension"), so
    // the shape stays a constant instead of being computed from the inputs' shapes
    const kept = (d: number, i: number) => from?.[i] === d && this.#symbols.has(d);
    const parts: (number | string)[] = dims.map((d, i) => kept(d, i) ? 0 : this.#symbol(d) ?? d);
    if (infer) {
      const multiples = dims.map((
        d,
        i,
      ) => (typeof parts[i] === "number" && d > T && d % T === 0 ? i : -1))
        .filter((i) => i >= 0);
      if (multiples.length > 1) {
        throw new ExportError(`Cannot export a reshape to [${dims.join(", ")}]`);
      }
      if (multiples.length === 1) parts[multiples[0]] = -1;
    }
    if (parts.every((p) => typeof p === "number")) return this.graph.int64(parts as number[]);
    const pieces = parts.map((p) => (typeof p === "string" ? p : this.graph.int64([p])));
    return this.graph.node("Concat", pieces, { axis: 0 });
  }
}

// Whether two tensors have the same shape and values.
function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = Tensor.rowMajor(a), y = Tensor.rowMajor(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
