import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  composite,
  emit,
  type OpAttrs,
  type OpRecorder,
  rawRead,
  withRecorder,
} from "./trace_hook.ts";
import { Tensor, tensor } from "./tensor.ts";
import { gelu, layerNorm, scaledDotProductAttention, softmax } from "./functional.ts";

/** One recorded op. */
interface Op {
  op: string;
  inputs: readonly Tensor[];
  attrs: OpAttrs;
  output: Tensor;
}

/** A recorder that keeps everything it is told. */
class Recording implements OpRecorder {
  ops: Op[] = [];
  reads: [Tensor, string][] = [];
  record(op: string, inputs: readonly Tensor[], attrs: OpAttrs, output: Tensor): void {
    this.ops.push({ op, inputs, attrs, output });
  }
  rawRead(tensor: Tensor, how: string): void {
    this.reads.push([tensor, how]);
  }
  get names(): string[] {
    return this.ops.map((o) => o.op);
  }
}

/** Runs `fn` under a fresh recorder and returns the recording. */
function trace(fn: () => unknown): Recording {
  const rec = new Recording();
  withRecorder(rec, fn);
  return rec;
}

Deno.test("a small forward records its primitives in order, wired output to input", () => {
  const x = tensor([[1, 2], [3, 4]]), w = Tensor.ones([2, 3]);
  let y!: Tensor;
  const rec = trace(() => {
    y = x.matmul(w).add(1).transpose(0, 1).sum(-1);
  });
  assertEquals(rec.names, ["MatMul", "Constant", "Add", "Transpose", "ReduceSum"]);
  const [mm, one, add, tr, sum] = rec.ops;
  assertEquals(mm.inputs, [x, w]);
  assertStrictEquals(add.inputs[0], mm.output);
  assertStrictEquals(add.inputs[1], one.output);
  assertStrictEquals(tr.inputs[0], add.output);
  assertEquals(tr.attrs, { perm: [1, 0] });
  assertEquals(sum.attrs, { axis: 1, keepdims: false });
  assertStrictEquals(sum.output, y);
});

Deno.test("tensors made inside a trace are recorded as their creation ops", () => {
  const rec = trace(() => {
    Tensor.zeros([2]);
    Tensor.arange(3);
    tensor([1, 2]);
    Tensor.cat([Tensor.ones([1]), Tensor.ones([1])]);
  });
  assertEquals(rec.names, ["Full", "Range", "Constant", "Full", "Full", "Concat"]);
  assertEquals(rec.ops[0].attrs, { shape: [2], value: 0 });
});

Deno.test("movement ops record one node each", () => {
  const x = Tensor.ones([2, 3, 4]);
  const rec = trace(() => {
    x.view(6, 4);
    x.permute(2, 0, 1);
    x.slice(-1, 1, 3);
    x.expand(5, 2, 3, 4);
    x.indexSelect(0, tensor([1]));
    x.tril();
    x.topk(2);
  });
  assertEquals(rec.names, [
    "Reshape",
    "Transpose",
    "Slice",
    "Expand",
    "Constant",
    "Gather",
    "Trilu",
    "TopK",
    "TopK",
  ]);
  const { dim, start, end, step } = rec.ops[2].attrs;
  assertEquals({ dim, start, end, step }, { dim: 2, start: 1, end: 3, step: 1 });
});

Deno.test("`composite()` hides the inner primitives: softmax records exactly one Softmax", () => {
  const x = tensor([[1, 2, 3], [0, 0, 0]]);
  let y!: Tensor;
  const rec = trace(() => {
    y = softmax(x, -1);
  });
  assertEquals(rec.names, ["Softmax"]);
  assertEquals(rec.ops[0].inputs, [x]);
  assertEquals(rec.ops[0].attrs, { axis: 1 });
  assertStrictEquals(rec.ops[0].output, y);
});

Deno.test("layer norm and GELU record one node each, with their attributes", () => {
  const x = tensor([[1, 2, 4]]), w = Tensor.ones([3]), b = Tensor.zeros([3]);
  const rec = trace(() => {
    layerNorm(x, w, b);
    gelu(x, "tanh");
    gelu(x);
  });
  assertEquals(rec.names, ["LayerNormalization", "Gelu", "Gelu"]);
  assertEquals(rec.ops[0].inputs, [x, w, b]);
  assertEquals(rec.ops[0].attrs, { axis: -1, epsilon: 1e-5 });
  assertEquals(rec.ops[1].attrs, { approximate: "tanh" });
  assertEquals(rec.ops[2].attrs, { approximate: "none" });
});

Deno.test("the reference attention records q·kᵀ, scale, Softmax and ·v", () => {
  const q = Tensor.ones([1, 2, 3, 4]);
  const rec = trace(() => scaledDotProductAttention(q, q, q));
  assertEquals(rec.names, ["Transpose", "MatMul", "Constant", "Mul", "Softmax", "MatMul"]);
  assertEquals(rec.ops[2].output.item(), 0.5);
});

Deno.test("`composite()` without a recorder just runs the body", () => {
  const out = tensor([1]);
  assertStrictEquals(composite("X", [], {}, () => out), out);
});

Deno.test("recording resumes after a composite's body throws", () => {
  const rec = trace(() => {
    assertThrows(() => composite("Bad", [], {}, () => Tensor.ones([2]).view(3)), RangeError);
    Tensor.ones([1]).neg();
  });
  assertEquals(rec.names, ["Full", "Neg"]);
});

Deno.test("`rawRead` is reported for `.data`, `.item()` and `.toNested()`", () => {
  const x = tensor([[1, 2]]), s = tensor(3);
  const rec = trace(() => {
    x.data;
    s.item();
    x.toNested();
    x.toString(); // printing is not a read that feeds the graph
  });
  assertEquals(rec.reads.map(([t, how]) => [t.id, how]), [
    [x.id, "data"],
    [s.id, "item()"],
    [x.id, "toNested()"],
  ]);
  assertEquals(rec.ops, []);
});

Deno.test("raw reads inside a composite are hidden with its primitives", () => {
  const x = tensor([1, 2]);
  const rec = trace(() => composite("Shift", [x], {}, () => x.add(x.data[0] + x.max().item())));
  assertEquals(rec.names, ["Shift"]);
  assertEquals(rec.reads, []);
});

Deno.test("`emit()` and `rawRead()` do nothing without a recorder", () => {
  const x = tensor([1]);
  assertStrictEquals(emit("Neg", [x], {}, x), x);
  rawRead(x, "data");
});

Deno.test("nested `withRecorder()` throws; the recorder is removed even when `fn` throws", () => {
  const outer = new Recording();
  withRecorder(outer, () => {
    assertThrows(() => withRecorder(new Recording(), () => 0), Error, "traces cannot nest");
  });
  assertThrows(
    () =>
      withRecorder(outer, () => {
        throw new TypeError("boom");
      }),
    TypeError,
    "boom",
  );
  const rec = trace(() => Tensor.ones([1]));
  assertEquals(rec.names, ["Full"]);
  assertEquals(withRecorder(new Recording(), () => 42), 42);
});
