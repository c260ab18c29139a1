import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { elementwise, reduce, type StridedView } from "./strided.ts";
import { indices } from "../test_helpers.ts";

/** A deterministic buffer 0.5, 1.5, 2.5, ... of length `n`. */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i + 0.5);
}

/** The element of `v` at multi-index `idx`, read the slow way. */
function at(v: StridedView, idx: readonly number[]): number {
  return v.data[idx.reduce((p, i, d) => p + i * v.strides[d], v.offset)];
}

/** Row-major strides of `shape`. */
function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, step = 1; i >= 0; step *= shape[i--]) s[i] = step;
  return s;
}

const sum = reduce({ init: "let acc = 0", step: "acc += x", result: "acc" });
const argmax = reduce({
  init: "let best = -Infinity, at = 0",
  step: "if (x > best) { best = x; at = k; }",
  result: "at",
});

Deno.test("`elementwise()` handles a 0-d shape", () => {
  const out = new Float32Array(1);
  elementwise(1, "x0 * 3")(out, [], [{ data: new Float32Array([0, 7]), offset: 1, strides: [] }]);
  assertEquals(out[0], 21);
});

Deno.test("`elementwise()` reads transposed, offset and broadcast (stride 0) views", () => {
  const data = ramp(30);
  // [3, 4] read column-major from offset 5, plus a row vector broadcast down the rows.
  const a: StridedView = { data, offset: 5, strides: [1, 3] };
  const b: StridedView = { data, offset: 20, strides: [0, 2] };
  const shape = [3, 4];
  const out = new Float32Array(12);
  elementwise(2, "x0 - 2 * x1")(out, shape, [a, b]);
  indices(shape).forEach((idx, i) =>
    assertEquals(out[i], Math.fround(at(a, idx) - 2 * at(b, idx)))
  );
});

Deno.test("`elementwise()` walks 1-d to 5-d shapes in row-major order", () => {
  for (const shape of [[7], [2, 3], [2, 1, 3], [3, 2, 2, 2], [2, 1, 2, 3, 2]]) {
    const n = shape.reduce((p, s) => p * s, 1);
    // Reversed dimension order: the input is the transpose of a contiguous buffer.
    const strides = rowMajor([...shape].reverse()).reverse();
    const v: StridedView = { data: ramp(n), offset: 0, strides };
    const out = new Float32Array(n);
    elementwise(1, "x0")(out, shape, [v]);
    indices(shape).forEach((idx, i) =>
      assertEquals(out[i], at(v, idx), `shape [${shape}] at ${i}`)
    );
  }
});

Deno.test("`elementwise()` writes nothing for a shape with a size-0 dim", () => {
  for (const shape of [[0, 4], [4, 0], [2, 0, 3]]) {
    const v: StridedView = { data: ramp(4), offset: 0, strides: rowMajor(shape) };
    const out = new Float32Array(0);
    elementwise(1, "x0")(out, shape, [v]);
    assertEquals(out.length, 0);
  }
});

Deno.test("`elementwise()` takes three inputs and a prelude of helpers", () => {
  const d = ramp(6);
  const v: StridedView = { data: d, offset: 0, strides: [1] };
  const out = new Float32Array(6);
  const kernel = elementwise(
    3,
    "clamp(x0, x1 - 1, x2 - 3)",
    "function clamp(x, lo, hi) {\n" +
      "  return Math.min(Math.max(x, lo), hi);\n}",
  );
  kernel(out, [6], [v, v, v]);
  assertEquals([...out], [...d].map((x) => Math.min(Math.max(x, x - 1), x - 3)));
});

Deno.test("`elementwise()` compiles each expression once", () => {
  assertStrictEquals(elementwise(2, "x0 + x1"), elementwise(2, "x0 + x1"));
  assert(elementwise(2, "x0 + x1") !== elementwise(2, "x0 - x1"));
});

Deno.test("`reduce()` sums each dimension of a strided 3-d view like a naive loop", () => {
  const shape = [3, 4, 5];
  const data = ramp(80);
  // Permuted strides and an offset: dimension 0 is the fastest in memory.
  const v: StridedView = { data, offset: 7, strides: [1, 15, 3] };
  for (let dim = 0; dim < 3; dim++) {
    const kept = shape.filter((_, i) => i !== dim);
    const out = new Float32Array(kept.reduce((p, s) => p * s, 1));
    sum(out, shape, v, dim);
    indices(kept).forEach((idx, i) => {
      let expected = 0;
      for (let k = 0; k < shape[dim]; k++) {
        expected += at(v, [...idx.slice(0, dim), k, ...idx.slice(dim)]);
      }
      assertEquals(out[i], Math.fround(expected), `dim ${dim} at ${i}`);
    });
  }
});

Deno.test("`reduce()` of a 1-d view gives one value; over a size-0 dim gives the init", () => {
  const out = new Float32Array(1);
  sum(out, [5], { data: ramp(5), offset: 0, strides: [1] }, 0);
  assertEquals(out[0], 12.5);
  const empty = new Float32Array(3).fill(9);
  sum(empty, [3, 0], { data: new Float32Array(0), offset: 0, strides: [0, 1] }, 1);
  assertEquals([...empty], [0, 0, 0]);
});

Deno.test("`reduce()` passes the position `k` along the reduced dim to the step", () => {
  const data = new Float32Array([1, 9, 3, 7, 9, 2]);
  const out = new Float32Array(2);
  argmax(out, [2, 3], { data, offset: 0, strides: [3, 1] }, 1);
  assertEquals([...out], [1, 1]);
  argmax(out, [3, 2], { data, offset: 0, strides: [1, 3] }, 0);
  assertEquals([...out], [1, 1]);
});
