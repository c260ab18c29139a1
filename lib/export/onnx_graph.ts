/**
 * A small builder for ONNX graphs: nodes, float32/int64 initializers, inputs and outputs, and
 * the encoding of the whole as a `ModelProto` (opset 20, IR version 9) with `onnx-proto`.
 *
 * @module
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** ONNX element types used here. */
export const DType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

/** An attribute value: an int, `{ float }`, a string, an int list, or a float tensor. */
export type AttrValue = number | { float: number } | string | number[] | { tensor: Float32Array };

/** The opset the kit exports: `LayerNormalization` (17) and `Gelu` (20) need it. */
export const OPSET = 20;

/** A graph input or output: name, element type, dims (a string for a named dynamic dim). */
export interface ValueInfo {
  /** The value's name. */
  name: string;
  /** Element type, see {@linkcode DType}. */
  type: number;
  /** Sizes, or names of dynamic axes. */
  dims: (number | string)[];
}

/**
 * Collects nodes and initializers under unique names.
 *
 * @example
 * ```ts
 * import { DType, OnnxGraph } from "./onnx_graph.ts";
 * const g = new OnnxGraph();
 * const y = g.node("Relu", ["x"]);
 * const bytes = g.encode([{ name: "x", type: DType.FLOAT, dims: [3] }], [
 *   { name: y, type: DType.FLOAT, dims: [3] },
 * ]);
 * ```
 */
export class OnnxGraph {
  #nodes: onnxProto.onnx.INodeProto[] = [];
  #initializers: onnxProto.onnx.ITensorProto[] = [];
  #counter = 0;

  /**
   * A fresh value name.
   *
   * @param hint a readable prefix
   * @returns the name
   */
  fresh(hint = "v"): string {
    return `${hint}_${this.#counter++}`;
  }

  /**
   * Adds a node.
   *
   * @param opType the ONNX operator, e.g. `"MatMul"`
   * @param inputs the input value names (`""` for an omitted optional input)
   * @param attrs attributes
   * @param output the output name (default: fresh)
   * @returns the output name
   */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    output = this.fresh(opType.toLowerCase()),
  ): string {
    this.#nodes.push({
      opType,
      input: inputs,
      output: [output],
      name: output,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return output;
  }

  /**
   * The node that computes a value, if a node does (not for inputs and initializers).
   *
   * @param name the value's name
   * @returns its op type and input names
   */
  producerOf(name: string): { opType: string; inputs: string[] } | undefined {
    const n = this.#nodes.find((n) => n.output![0] === name);
    return n ? { opType: n.opType!, inputs: n.input! } : undefined;
  }

  /**
   * Whether a value is an initializer (a constant of the graph).
   *
   * @param name the value's name
   * @returns true for an initializer
   */
  isInitializer(name: string): boolean {
    return this.#initializers.some((t) => t.name === name);
  }

  /**
   * Adds a float32 initializer, sharing `data`'s memory until {@linkcode OnnxGraph.encode}.
   *
   * @param data the values, row-major
   * @param dims the shape
   * @param name its name (default: fresh)
   * @returns the name
   */
  float(data: Float32Array, dims: readonly number[], name = this.fresh("const")): string {
    // a view, not a copy: a model's weights are hundreds of MB (they must not change until
    // the graph is encoded)
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.#initializers.push({ name, dims: [...dims], dataType: DType.FLOAT, rawData: bytes });
    return name;
  }

  /**
   * Adds an int64 initializer.
   *
   * @param values the integers
   * @param dims the shape (default: 1-d)
   * @returns the name
   */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    const name = this.fresh("i64");
    this.#initializers.push({
      name,
      dims: [...dims],
      dataType: DType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /**
   * Removes nodes whose outputs nothing needs (and initializers nothing reads).
   *
   * @param outputs the graph's outputs
   */
  prune(outputs: string[]): void {
    const needed = new Set(outputs);
    const kept: onnxProto.onnx.INodeProto[] = [];
    for (let i = this.#nodes.length - 1; i >= 0; i--) {
      const n = this.#nodes[i];
      if (!n.output!.some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const input of n.input!) needed.add(input);
    }
    this.#nodes = kept.reverse();
    this.#initializers = this.#initializers.filter((t) => needed.has(t.name!));
  }

  /** Number of nodes. */
  get size(): number {
    return this.#nodes.length;
  }

  /**
   * Encodes the graph as an ONNX model, with every initializer in the model itself.
   *
   * @param inputs the graph inputs
   * @param outputs the graph outputs
   * @param name the graph's name
   * @returns the `.onnx` bytes
   */
  encode(inputs: ValueInfo[], outputs: ValueInfo[], name = "gpt2-kit"): Uint8Array {
    return this.#encode(inputs, outputs, name, this.#initializers);
  }

  /**
   * Encodes the graph with its large initializers as external data: a small model and, per
   * initializer, a file (a view of the tensor's memory, not a copy) that onnxruntime reads
   * directly into the session. A runtime then holds one copy of the weights instead of two.
   *
   * @param inputs the graph inputs
   * @param outputs the graph outputs
   * @param name the graph's name
   * @returns the `.onnx` bytes and the external files (`{ path, data }`, for onnxruntime's
   *   `externalData` session option, with the initializer's `name`)
   */
  encodeWithExternalData(
    inputs: ValueInfo[],
    outputs: ValueInfo[],
    name = "gpt2-kit",
  ): { model: Uint8Array; files: ExternalFile[] } {
    const files: ExternalFile[] = [];
    const initializers = this.#initializers.map((t) => {
      const data = t.rawData as Uint8Array;
      if (data.byteLength < EXTERNAL_MIN_BYTES) return t;
      const path = `w${files.length}.bin`;
      files.push({ path, data, name: t.name! });
      const { rawData: _, ...rest } = t;
      return {
        ...rest,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: "location", value: path },
          { key: "offset", value: "0" },
          { key: "length", value: String(data.byteLength) },
        ],
      };
    });
    return { model: this.#encode(inputs, outputs, name, initializers), files };
  }

  #encode(
    inputs: ValueInfo[],
    outputs: ValueInfo[],
    name: string,
    initializers: onnxProto.onnx.ITensorProto[],
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 9,
      opsetImport: [{ domain: "", version: OPSET }],
      producerName: "gpt2-kit",
      graph: {
        name,
        node: this.#nodes,
        initializer: initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** An initializer kept out of the `.onnx` bytes, as onnxruntime's `externalData` takes it. */
export interface ExternalFile {
  /** The file name the graph refers to. */
  path: string;
  /** Its bytes (a view of the tensor's memory). */
  data: Uint8Array;
  /** The initializer's name: the model's parameter key for a weight. */
  name: string;
}

/** Initializers at least this large go to external data (smaller ones stay inline). */
const EXTERNAL_MIN_BYTES = 4096;

function valueInfo(v: ValueInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type,
        shape: {
          dim: v.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === "string") return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === "number") return { name, type: T.INT, i: v };
  if ("float" in v) return { name, type: T.FLOAT, f: v.float };
  const raw = new Uint8Array(v.tensor.slice().buffer);
  return {
    name,
    type: T.TENSOR,
    t: { dims: [v.tensor.length], dataType: DType.FLOAT, rawData: raw },
  };
}
