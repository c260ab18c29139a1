import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { type NestedArray, Tensor, tensor, TensorError } from "./tensor.ts";
import { broadcastShapes, numelOf } from "./shape.ts";
import { kernels } from "./kernels/wasm.ts";
import { rand, Rng } from "./random.ts";
import { indices, reader } from "./test_helpers.ts";

// ---- helpers ----------------------------------------------------------------------------------

const rng = new Rng(2024);

/** Uniform random values in `[low, high)`. */
function random(shape: number[], low = -2, high = 2): Tensor {
  return rand(shape, { low, high, rng });
}

/** Asserts equal values with `Object.is` (NaN equals NaN, -0 differs from 0). */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ""): void {
  assertEquals(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert(
      Object.is(actual[i], expected[i]),
      `${label}: at ${i}: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

/** Asserts `|actual - expected| <= tol * (1 + |expected|)` elementwise (NaN matches NaN). */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-6,
  label = "",
): void {
  assertEquals(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Object.is(a, e)) continue;
    assert(
      Math.abs(a - e) <= tol * (1 + Math.abs(e)),
      `${label}: at ${i}: got ${a}, expected ${e} (tolerance ${tol})`,
    );
  }
}

/** The product of `a` and `b` (both at least 2-d) by the textbook loop, batch dims broadcast. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: Float64Array } {
  const [M, K] = a.shape.slice(-2), N = b.shape[b.ndim - 1];
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "reference");
  const ra = reader(a), rb = reader(b);
  const data = new Float64Array(numelOf(batch) * M * N);
  let o = 0;
  for (const bi of indices(batch)) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += ra([...bi, i, k]) * rb([...bi, k, j]);
        data[o++] = acc;
      }
    }
  }
  return { shape: [...batch, M, N], data };
}

/** A 3 x 4 tensor holding 0 .. 11. */
function grid(): Tensor {
  return Tensor.arange(12).reshape(3, 4);
}

// ---- creation and inspection ------------------------------------------------------------------

Deno.test("`tensor()` infers the shape from nesting, or takes a flat list and a shape", () => {
  assertEquals(tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
  assertEquals(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toNested(), [[1, 2], [3, 4], [5, 6]]);
  assertEquals(tensor(7).shape, []);
  assertEquals(tensor(7).toNested(), 7);
  assertEquals(tensor(7, []).item(), 7);
  assertEquals(tensor([]).shape, [0]);
  assertEquals(tensor([[], []]).shape, [2, 0]);
});

Deno.test("`tensor()` copies its input", () => {
  const src = new Float32Array([1, 2, 3]);
  const t = tensor(src);
  src[0] = 99;
  assertEquals(t.toNested(), [1, 2, 3]);
});

Deno.test("`tensor()` refuses ragged nesting and a shape that does not fit the values", () => {
  assertThrows(() => tensor([[1, 2], [3]]), RangeError, "ragged");
  assertThrows(() => tensor([[1, 2], 3] as NestedArray), RangeError, "ragged");
  assertThrows(() => tensor([1, 2, 3], [2, 2]), RangeError, "3 values cannot fill shape [2, 2]");
  assertThrows(() => tensor([1, 2], [-1, -2]), TypeError, "invalid shape [-1, -2]");
});

Deno.test("`new Tensor()` refuses a buffer too small for the shape", () => {
  assertThrows(
    () => new Tensor(new Float32Array(5), [2, 3]),
    RangeError,
    "shape [2, 3] (6 elements) from a buffer of 5 elements",
  );
});

Deno.test("`zeros()`, `ones()`, `full()` and `arange()` make what they say", () => {
  assertEquals(Tensor.zeros([2, 2]).toNested(), [[0, 0], [0, 0]]);
  assertEquals(Tensor.ones([3]).toNested(), [1, 1, 1]);
  assertEquals(Tensor.full([1, 2], -Infinity).toNested(), [[-Infinity, -Infinity]]);
  assertEquals(Tensor.zeros([0, 5]).numel, 0);
  assert(Object.is(Tensor.full([2], -0).data[1], -0)); // -0 is written, not skipped as 0
  assertEquals(Tensor.arange(4).toNested(), [0, 1, 2, 3]);
  assertEquals(Tensor.arange(2, 5).toNested(), [2, 3, 4]);
  assertEquals(Tensor.arange(0, 1, 0.25).toNested(), [0, 0.25, 0.5, 0.75]);
  assertEquals(Tensor.arange(5, 0, -2).toNested(), [5, 3, 1]);
  assertEquals(Tensor.arange(3, 3).shape, [0]);
  assertThrows(() => Tensor.arange(0, 3, 0), RangeError, "step must not be 0");
});

Deno.test("`size(dim)` is typed number and `size()` number[]: no casts needed", () => {
  const t = Tensor.zeros([2, 3]);
  const last: number = t.size(-1); // a type error here if the overloads went
  const all: number[] = t.size();
  assertEquals([last / 3, all], [1, [2, 3]]);
});

Deno.test("`size()`, `ndim` and `numel` describe the shape; `size(-1)` is the last", () => {
  const t = Tensor.zeros([2, 3, 4]);
  assertEquals([t.ndim, t.numel, t.size(-1), t.size(0)], [3, 24, 4, 2]);
  assertEquals(t.size(), [2, 3, 4]);
  assertThrows(() => t.size(3), RangeError, "size: dimension 3 is out of range");
  assertEquals([tensor(1).ndim, tensor(1).numel], [0, 1]);
});

// ---- broadcasting and elementwise ops ---------------------------------------------------------

Deno.test("binary ops broadcast like NumPy, checked index by index", () => {
  const pairs: [number[], number[]][] = [
    [[2, 1, 3], [4, 1]],
    [[3], [2, 3]],
    [[1], [5, 1, 2]],
    [[2, 3], []],
    [[], [2, 3]],
    [[4, 1, 2], [1, 3, 1]],
  ];
  for (const [sa, sb] of pairs) {
    const a = random(sa), b = random(sb);
    const out = a.sub(b);
    const shape = broadcastShapes(sa, sb, "test");
    assertEquals(out.shape, shape);
    const ra = reader(a), rb = reader(b);
    const expected = indices(shape).map((idx) => Math.fround(ra(idx) - rb(idx)));
    assertSame(out.data, expected, `[${sa}] - [${sb}]`);
  }
});

Deno.test("binary ops take plain numbers and 0-d tensors on either side", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assertEquals(x.mul(2).toNested(), [[2, 4], [6, 8]]);
  assertEquals(x.sub(tensor(1)).toNested(), [[0, 1], [2, 3]]);
  assertEquals(tensor(10).div(x).shape, [2, 2]);
  const scalar = tensor(3).add(tensor(4));
  assertEquals(scalar.shape, []);
  assertEquals(scalar.item(), 7);
  assertThrows(() => x.add("1" as unknown as number), TypeError, "Expected a Tensor or a number");
});

Deno.test("binary ops broadcast size-0 dims against size 1 and refuse other sizes", () => {
  assertEquals(Tensor.zeros([0, 3]).add(Tensor.ones([1, 3])).shape, [0, 3]);
  assertEquals(Tensor.zeros([2, 0]).mul(2).shape, [2, 0]);
  assertEquals(Tensor.zeros([0]).add(tensor(1)).toNested(), []);
  assertThrows(() => Tensor.zeros([0]).add(Tensor.ones([2])), RangeError, "[0] and [2]");
});

Deno.test("every binary op's shape error names the op and both shapes", () => {
  const a = Tensor.ones([2, 3]), b = Tensor.ones([4]);
  const ops: [string, () => Tensor][] = [
    ["add", () => a.add(b)],
    ["sub", () => a.sub(b)],
    ["mul", () => a.mul(b)],
    ["div", () => a.div(b)],
    ["pow", () => a.pow(b)],
    ["maximum", () => a.maximum(b)],
    ["minimum", () => a.minimum(b)],
    ["eq", () => a.eq(b)],
    ["lt", () => a.lt(b)],
    ["gt", () => a.gt(b)],
  ];
  for (const [name, f] of ops) {
    assertThrows(f, RangeError, `${name}: shapes [2, 3] and [4] cannot be broadcast`);
  }
});

Deno.test("tanh is within 7 float ulps of Math.tanh (exactly it without the kernels)", () => {
  const x = random([5, 7], -6, 6);
  const found = x.tanh().data;
  const bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
  x.data.forEach((v, i) => {
    const expected = Math.fround(Math.tanh(v));
    const d = Math.abs(bits(found[i]) - bits(expected));
    assert(d <= (kernels ? 7 : 0), `tanh(${v}): ${found[i]}, expected ${expected}`);
  });
});

Deno.test("every unary op equals its Math function on random data", () => {
  const x = random([5, 7], -4, 4), pos = random([5, 7], 0.01, 9);
  const cases: [string, Tensor, Tensor, (v: number) => number][] = [
    ["neg", x, x.neg(), (v) => -v],
    ["exp", x, x.exp(), Math.exp],
    ["log", pos, pos.log(), Math.log],
    ["sqrt", pos, pos.sqrt(), Math.sqrt],
    ["abs", x, x.abs(), Math.abs],
    ["reciprocal", x, x.reciprocal(), (v) => 1 / v],
  ];
  for (const [name, input, out, f] of cases) {
    assertEquals(out.shape, input.shape);
    assertSame(out.data, Array.from(input.data, (v) => Math.fround(f(v))), name);
  }
});

Deno.test("unary ops follow IEEE rules at the edges (log 0, sqrt of negatives, 1/0)", () => {
  const x = tensor([0, -1, Infinity, NaN]);
  assertSame(x.log().data, [-Infinity, NaN, Infinity, NaN]);
  assertSame(x.sqrt().data, [0, NaN, Infinity, NaN]);
  assertSame(x.reciprocal().data, [Infinity, -1, 0, NaN]);
  assertSame(x.exp().data, [1, Math.fround(Math.exp(-1)), Infinity, NaN]);
});

Deno.test("every binary op equals its JavaScript operator on random broadcast data", () => {
  const a = random([3, 1, 4], -3, 3), b = random([5, 1], -3, 3);
  const ra = reader(a), rb = reader(b);
  const cases: [string, Tensor, (x: number, y: number) => number][] = [
    ["add", a.add(b), (x, y) => x + y],
    ["sub", a.sub(b), (x, y) => x - y],
    ["mul", a.mul(b), (x, y) => x * y],
    ["div", a.div(b), (x, y) => x / y],
    ["pow", a.abs().pow(b), (x, y) => Math.abs(x) ** y],
    ["maximum", a.maximum(b), Math.max],
    ["minimum", a.minimum(b), Math.min],
    ["lt", a.lt(b), (x, y) => (x < y ? 1 : 0)],
    ["gt", a.gt(b), (x, y) => (x > y ? 1 : 0)],
  ];
  for (const [name, out, f] of cases) {
    assertEquals(out.shape, [3, 5, 4]);
    const expected = indices(out.shape).map((idx) => Math.fround(f(ra(idx), rb(idx))));
    assertSame(out.data, expected, name);
  }
});

Deno.test("`pow(2)` and `pow(3)` by products give Math.pow's float32 bits, specials and views too", () => {
  const specials = [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1,
    -1,
    1e-45,
    -1e-40,
    3e38,
    -3e38,
    1e13,
    -2e12,
  ];
  const values = Float32Array.from([...specials, ...random([2000], -100, 100).data]);
  // a transposed view: the products read strided inputs like every other op
  const t = new Tensor(values, [values.length / 3, 3]).transpose(0, 1);
  const read = reader(t);
  for (const e of [2, 3]) {
    for (
      const [name, x, at] of [[
        "flat",
        new Tensor(values, [values.length]),
        (i: number[]) => values[i[0]],
      ], ["transposed", t, read]] as const
    ) {
      const out = x.pow(e);
      const expected = indices(out.shape).map((idx) => Math.fround(Math.pow(at(idx), e)));
      assertSame(out.data, expected, `pow(${e}) ${name}`);
    }
  }
});

Deno.test("`eq()`/`lt()`/`gt()` agree with ===, < and > on small integers (many ties)", () => {
  const ints = (shape: number[]) => random(shape, 0, 3).data.map(Math.floor);
  const a = tensor(ints([4, 1, 6]), [4, 1, 6]), b = tensor(ints([3, 6]), [3, 6]);
  const ra = reader(a), rb = reader(b);
  const cases: [string, Tensor, (x: number, y: number) => boolean][] = [
    ["eq", a.eq(b), (x, y) => x === y],
    ["lt", a.lt(b), (x, y) => x < y],
    ["gt", a.gt(b), (x, y) => x > y],
  ];
  for (const [name, out, f] of cases) {
    assertSame(out.data, indices(out.shape).map((idx) => (f(ra(idx), rb(idx)) ? 1 : 0)), name);
  }
});

Deno.test("comparisons give 0/1 and NaN compares unequal to everything", () => {
  const x = tensor([1, 2, NaN]), y = tensor([1, 3, NaN]);
  assertEquals(x.eq(y).toNested(), [1, 0, 0]);
  assertEquals(x.lt(y).toNested(), [0, 1, 0]);
  assertEquals(x.gt(y).toNested(), [0, 0, 0]);
});

Deno.test("`maximum()`/`minimum()` propagate NaN from either side", () => {
  const a = tensor([NaN, 1, NaN, 2]), b = tensor([1, NaN, NaN, 3]);
  assertSame(a.maximum(b).data, [NaN, NaN, NaN, 3]);
  assertSame(b.maximum(a).data, [NaN, NaN, NaN, 3]);
  assertSame(a.minimum(b).data, [NaN, NaN, NaN, 2]);
  assertSame(b.minimum(a).data, [NaN, NaN, NaN, 2]);
  assertSame(tensor([-Infinity]).maximum(-Infinity).data, [-Infinity]);
});

Deno.test("`erf()` matches high-precision reference values to 1e-7", () => {
  // erf to 16 digits (published tables; math.erf agrees); the points cover the series
  // branch, both sides of its switch to the continued fraction at 2.5, and the tail.
  const reference: [number, number][] = [
    [0, 0],
    [0.0009765625, 0.0011019324300718147],
    [0.25, 0.2763263901682369],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.4375, 0.9994334567454198],
    [2.5, 0.999593047982555],
    [2.5625, 0.9997098311383266],
    [3, 0.9999779095030014],
    [3.75, 0.9999998862727434],
    [4, 0.9999999845827421],
    [5.5, 0.9999999999999927],
    [Infinity, 1],
  ];
  const xs = reference.flatMap(([x]) => [x, -x]);
  const got = tensor(xs).erf().data;
  reference.forEach(([x, erf], i) => {
    assertAlmostEquals(got[2 * i], erf, 1e-7, `erf(${x})`);
    assertAlmostEquals(got[2 * i + 1], -erf, 1e-7, `erf(${-x})`);
  });
  assertSame(tensor([NaN]).erf().data, [NaN]);
});

// ---- reductions -------------------------------------------------------------------------------

/** Reference reductions of one row of numbers. */
const rowReductions: Record<string, (row: number[]) => number> = {
  sum: (row) => row.reduce((a, b) => a + b, 0),
  mean: (row) => row.reduce((a, b) => a + b, 0) / row.length,
  max: (row) => row.reduce((a, b) => Math.max(a, b), -Infinity),
  argmax: (row) => row.indexOf(Math.max(...row)),
};

/** `t.<op>(dim, keepdim)` computed the slow way. */
function naiveReduce(t: Tensor, op: string, dim: number, keepdim: boolean) {
  const d = dim < 0 ? dim + t.ndim : dim;
  const kept = t.shape.filter((_, i) => i !== d);
  const read = reader(t);
  const data = indices(kept).map((idx) => {
    const row = Array.from(
      { length: t.shape[d] },
      (_, k) => read([...idx.slice(0, d), k, ...idx.slice(d)]),
    );
    return Math.fround(rowReductions[op](row));
  });
  return { shape: keepdim ? t.shape.map((s, i) => (i === d ? 1 : s)) : kept, data };
}

Deno.test("`sum`/`mean`/`max`/`argmax` reduce every dim, negative dims and keepdim included", () => {
  const base = random([3, 4, 5]);
  // The same values also through a non-contiguous view.
  for (const x of [base, base.permute(2, 0, 1)]) {
    for (const op of ["sum", "mean", "max", "argmax"] as const) {
      for (const dim of [0, 1, 2, -1, -2, -3]) {
        for (const keepdim of [false, true]) {
          const out = x[op](dim, keepdim);
          const expected = naiveReduce(x, op, dim, keepdim);
          const label = `${op}(${dim}, ${keepdim}) of [${x.shape}]`;
          assertEquals(out.shape, expected.shape, label);
          assertClose(out.data, expected.data, 1e-6, label);
        }
      }
    }
  }
});

Deno.test("reductions without a dim reduce all elements, to [] or to all-ones with keepdim", () => {
  const x = tensor([[1, 5, 2], [7, 3, 4]]).transpose(0, 1);
  assertEquals(x.sum().shape, []);
  assertEquals(x.sum().item(), 22);
  assertEquals(x.mean().item(), Math.fround(22 / 6));
  assertEquals(x.max().item(), 7);
  // argmax indexes the flattened (row-major) tensor: [[1, 7], [5, 3], [2, 4]].
  assertEquals(x.argmax().item(), 1);
  assertEquals(x.sum(undefined, true).shape, [1, 1]);
  assertEquals(tensor(3).sum().item(), 3);
});

Deno.test("`argmax()` returns the first index of tied maxima", () => {
  assertEquals(tensor([1, 3, 3, 0, 3]).argmax().item(), 1);
  assertEquals(tensor([[2, 2], [1, 5], [2, 5]]).argmax(0).toNested(), [0, 1]);
  assertEquals(tensor([[2, 2], [1, 5], [2, 5]]).argmax(-1).toNested(), [0, 1, 1]);
  assertEquals(tensor([-Infinity, -Infinity]).argmax().item(), 0);
});

Deno.test("`max()` and `argmax()` propagate NaN as PyTorch does", () => {
  assertSame(tensor([1, NaN, 3]).max().data, [NaN]);
  assertSame(tensor([NaN, 1, 3]).max().data, [NaN]);
  assertSame(tensor([1, 3, NaN]).max().data, [NaN]);
  assertSame(tensor([[1, NaN], [2, 0]]).max(1).data, [NaN, 2]);
  assertEquals(tensor([1, NaN, 9, NaN]).argmax().item(), 1);
});

Deno.test("reductions over a size-0 dim: sum is 0, mean NaN; over other dims, empty", () => {
  assertEquals(Tensor.zeros([0, 3]).sum(0).toNested(), [0, 0, 0]);
  assertSame(Tensor.zeros([2, 0]).mean(1).data, [NaN, NaN]);
  assertEquals(Tensor.zeros([0, 3]).sum(1).shape, [0]);
  assertEquals(Tensor.zeros([0, 3]).sum().item(), 0);
});

Deno.test("a reduction over a missing dim names the method and the valid range", () => {
  const x = Tensor.ones([2, 3]);
  assertThrows(() => x.sum(2), RangeError, "sum: dimension 2 is out of range (expected -2..1)");
  assertThrows(() => x.mean(-3), RangeError, "mean: dimension -3");
  assertThrows(() => x.max(5), RangeError, "max: dimension 5");
  assertThrows(() => x.argmax(2), RangeError, "argmax: dimension 2");
});

// ---- matmul -----------------------------------------------------------------------------------

Deno.test("`matmul()` of two 1-d tensors is their dot product, a 0-d tensor", () => {
  const out = tensor([1, 2, 3]).matmul(tensor([4, 5, 6]));
  assertEquals(out.shape, []);
  assertEquals(out.item(), 32);
});

Deno.test("`matmul()` promotes a 1-d operand and removes the added dim", () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  assertEquals(tensor([1, 1]).matmul(m).toNested(), [5, 7, 9]);
  assertEquals(m.matmul(tensor([1, 0, -1])).toNested(), [-2, -2]);
  const batch = random([4, 2, 3]);
  assertEquals(tensor([1, 1]).matmul(batch).shape, [4, 3]);
  assertEquals(batch.matmul(tensor([1, 0, -1])).shape, [4, 2]);
  assertClose(
    batch.matmul(tensor([1, 0, -1])).data,
    naiveMatmul(batch, tensor([[1], [0], [-1]])).data,
  );
});

Deno.test("`matmul()` equals a naive loop on 2-d shapes, sizes around the 4x4 tile", () => {
  for (const [M, K, N] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [5, 3, 7], [9, 17, 6], [16, 8, 13]]) {
    const a = random([M, K]), b = random([K, N]);
    const out = a.matmul(b);
    assertEquals(out.shape, [M, N]);
    assertClose(out.data, naiveMatmul(a, b).data, 1e-5, `${M}x${K}x${N}`);
  }
});

Deno.test("`matmul()` broadcasts batch dims", () => {
  const cases: [number[], number[]][] = [
    [[2, 1, 3, 4], [5, 4, 2]],
    [[3, 6, 4], [4, 5]], // one B shared by the whole batch (packed once)
    [[6, 4], [3, 4, 5]],
    [[1, 2, 3], [4, 3, 2]],
    [[2, 5, 3], [2, 3, 4]],
  ];
  for (const [sa, sb] of cases) {
    const a = random(sa), b = random(sb);
    const out = a.matmul(b), expected = naiveMatmul(a, b);
    assertEquals(out.shape, expected.shape, `[${sa}] @ [${sb}]`);
    assertClose(out.data, expected.data, 1e-5, `[${sa}] @ [${sb}]`);
  }
});

Deno.test("`matmul()` reads transposed, permuted and sliced operands without copying first", () => {
  const q = random([2, 3, 7, 4]), k = random([2, 3, 7, 4]);
  const pairs: [string, Tensor, Tensor][] = [
    ["q @ k^T", q, k.transpose(-2, -1)],
    ["permuted", q.permute(1, 0, 2, 3), k.permute(1, 0, 3, 2)],
    ["sliced", q.slice(2, 1, 6), k.slice(2, 0, 7, 2).transpose(-1, -2)],
    ["selected", q.select(1, -1), k.select(1, 0).transpose(1, 2)],
    ["strided columns", random([5, 12]).slice(1, 0, 12, 3), random([9, 4]).slice(0, 1, 9, 2)],
    ["expanded", random([1, 4, 1]).expand(3, 4, 6), random([6, 2])],
  ];
  for (const [label, a, b] of pairs) {
    const out = a.matmul(b), expected = naiveMatmul(a.contiguous(), b.contiguous());
    assertEquals(out.shape, expected.shape, label);
    assertClose(out.data, expected.data, 1e-5, label);
  }
});

Deno.test("`matmul()` handles empty operands: no rows, no columns, K = 0", () => {
  assertEquals(Tensor.zeros([0, 3]).matmul(Tensor.ones([3, 4])).shape, [0, 4]);
  assertEquals(Tensor.ones([2, 3]).matmul(Tensor.ones([3, 0])).shape, [2, 0]);
  assertEquals(Tensor.ones([2, 0]).matmul(Tensor.ones([0, 3])).toNested(), [[0, 0, 0], [0, 0, 0]]);
  assertEquals(Tensor.ones([0, 5, 2]).matmul(Tensor.ones([2, 3])).shape, [0, 5, 3]);
});

Deno.test("`matmul()` shape errors name both operands' shapes", () => {
  assertThrows(
    () => Tensor.ones([2, 3]).matmul(Tensor.ones([4, 2])),
    RangeError,
    "matmul: shapes [2, 3] and [4, 2] cannot be multiplied (3 columns vs 4 rows)",
  );
  assertThrows(
    () => Tensor.ones([2, 2, 3]).matmul(Tensor.ones([3, 3, 2])),
    RangeError,
    "matmul: shapes [2, 2, 3] and [3, 3, 2] cannot be multiplied (batch dimensions [2] and [3]",
  );
  assertThrows(() => tensor([1, 2]).matmul(tensor([1, 2, 3])), RangeError, "[2] and [3]");
  assertThrows(() => tensor(1).matmul(tensor([1])), RangeError, "at least one dimension");
});

// ---- views and storage ------------------------------------------------------------------------

Deno.test("views share storage: writing through `.data` of a contiguous view shows in the base", () => {
  const views: [string, (b: Tensor) => Tensor, number[]][] = [
    ["view", (b) => b.view(2, 6), [0, 0]],
    ["reshape", (b) => b.reshape(-1), [0, 0]],
    ["slice of rows", (b) => b.slice(0, 1, 3), [1, 0]],
    ["select", (b) => b.select(0, -1), [2, 0]],
    ["narrow", (b) => b.narrow(0, 1, 1), [1, 0]],
    ["unsqueeze", (b) => b.unsqueeze(0), [0, 0]],
    ["split piece", (b) => b.split(1, 0)[2], [2, 0]],
    ["contiguous", (b) => b.contiguous(), [0, 0]],
  ];
  for (const [label, make, [r, c]] of views) {
    const base = grid();
    const v = make(base);
    assert(v.isContiguous(), label);
    v.data[0] = -5;
    assertEquals((base.toNested() as number[][])[r][c], -5, label);
  }
});

Deno.test("non-contiguous views see writes to the base; their `.data` is a copy", () => {
  const base = grid();
  const t = base.transpose(0, 1), s = base.slice(1, 1, 4, 2), e = base.select(1, 0);
  const x = tensor([[1], [2]]).expand(2, 3);
  base.data[5] = 100; // [1, 1]
  assertEquals((t.toNested() as number[][])[1][1], 100);
  assertEquals((s.toNested() as number[][])[1][0], 100);
  assertEquals(e.toNested(), [0, 4, 8]);
  for (const v of [t, s, e, x]) assert(!v.isContiguous());
  t.data[0] = -1;
  assertEquals(base.data[0], 0);
  assertEquals(x.toNested(), [[1, 1, 1], [2, 2, 2]]);
});

Deno.test("`clone()` shares nothing; `contiguous()` of a contiguous tensor is itself", () => {
  const base = grid();
  const c = base.clone();
  c.data[0] = 42;
  assertEquals(base.data[0], 0);
  assertStrictEquals(base.contiguous(), base);
  assertEquals(base.transpose(0, 1).contiguous().toNested(), base.transpose(0, 1).toNested());
});

Deno.test("`view()` refuses a transposed tensor and names .contiguous() and .reshape()", () => {
  const t = Tensor.arange(6).reshape(2, 3).transpose(0, 1);
  const e = assertThrows(() => t.view(6), TensorError);
  assertInstanceOf(e, TensorError);
  assertStringIncludes(e.message, "view: cannot view a tensor of shape [3, 2] with strides [1, 3]");
  assertStringIncludes(e.message, ".contiguous()");
  assertStringIncludes(e.message, ".reshape()");
  assertEquals(t.reshape(6).toNested(), [0, 3, 1, 4, 2, 5]);
  assertEquals(t.contiguous().view(6).toNested(), [0, 3, 1, 4, 2, 5]);
});

Deno.test("`view()` works on a non-contiguous tensor when the strides allow it", () => {
  const base = Tensor.arange(24).reshape(2, 3, 4);
  const t = base.transpose(0, 1); // [3, 2, 4], strides [4, 12, 1]
  const split = t.view(3, 2, 2, 2); // splitting the contiguous last dim is fine
  assertEquals(split.toNested(), t.reshape(3, 2, 2, 2).toNested());
  assertThrows(() => t.view(3, 8), TensorError);
  const cols = base.select(0, 1).slice(1, 0, 2); // [3, 2], strides [4, 1]
  assertEquals(cols.view(3, 1, 2).toNested(), [[[12, 13]], [[16, 17]], [[20, 21]]]);
  assertThrows(() => cols.view(6), TensorError);
  base.data[12] = -1;
  assertEquals(cols.view(3, 1, 2).toNested(), [[[-1, 13]], [[16, 17]], [[20, 21]]]);
});

Deno.test("`reshape()` of any strided tensor gives its row-major elements; a view when it can", () => {
  const base = random([2, 3, 4]);
  const sources: [string, () => Tensor][] = [
    ["base", () => base],
    ["permute", () => base.permute(2, 0, 1)],
    ["transpose", () => base.transpose(0, 2)],
    ["step slice", () => base.slice(2, 0, 4, 2)],
    ["select", () => base.select(1, 1)],
    ["unsqueezed", () => base.transpose(1, 2).unsqueeze(1)],
    ["expanded", () => base.select(0, 0).select(0, 0).expand(3, 4)],
  ];
  const factorings = (n: number): number[][] => {
    const out: number[][] = [[n], [1, n, 1]];
    for (let a = 1; a <= n; a++) {
      if (n % a !== 0) continue;
      out.push([a, n / a]);
      for (let b = 1; b <= n / a; b++) if ((n / a) % b === 0) out.push([a, b, n / a / b]);
    }
    return out;
  };
  for (const [label, make] of sources) {
    const src = make();
    for (const target of factorings(src.numel)) {
      const expected = src.contiguous().data.slice();
      const r = src.reshape(...target);
      assertEquals(r.shape, target);
      assertSame(r.data, expected, `${label} reshape(${target})`);
      let v: Tensor;
      try {
        v = src.view(...target);
      } catch (e) {
        assertInstanceOf(e, TensorError, `${label} view(${target})`);
        assert(!src.isContiguous(), `${label} is contiguous, view(${target}) must work`);
        continue;
      }
      assertSame(v.data, expected, `${label} view(${target})`);
    }
  }
  // The views above still read the base's storage after it changes.
  const v = base.permute(2, 0, 1).view(4, 2, 3, 1);
  base.data.fill(3);
  assertEquals(v.sum().item(), 72);
});

Deno.test("`view()`/`reshape()` infer one -1 and name the shapes when the count is wrong", () => {
  const x = Tensor.zeros([2, 3, 4]);
  assertEquals(x.view(-1).shape, [24]);
  assertEquals(x.reshape(4, -1).shape, [4, 6]);
  assertEquals(x.view(2, -1, 3).shape, [2, 4, 3]);
  assertEquals(Tensor.zeros([0, 3]).reshape(-1, 3).shape, [0, 3]);
  assertThrows(() => x.view(-1, -1), RangeError, "view: only one dimension can be -1");
  assertThrows(
    () => x.reshape(5, -1),
    RangeError,
    "reshape: cannot reshape tensor of shape [2, 3, 4] to [5, -1]",
  );
  assertThrows(
    () => Tensor.zeros([2, 3]).view(4, 2),
    RangeError,
    "view: cannot reshape tensor of shape [2, 3] to [4, 2]: 6 elements vs 8",
  );
  assertThrows(() => x.reshape(-2, 12), TypeError, "invalid shape");
});

Deno.test("`isContiguous()` ignores size-1 dims and spots gaps and reorderings", () => {
  const x = Tensor.zeros([2, 3, 4]);
  assert(x.isContiguous());
  assert(!x.transpose(0, 1).isContiguous());
  assert(!x.slice(2, 0, 2).isContiguous());
  assert(x.slice(0, 1, 2).isContiguous());
  assert(x.select(0, 1).unsqueeze(1).isContiguous());
  assert(Tensor.zeros([3, 1]).transpose(0, 1).isContiguous());
});

// ---- movement ops -----------------------------------------------------------------------------

Deno.test("`transpose()`/`permute()` take negative dims and refuse non-permutations", () => {
  const x = random([2, 3, 4]);
  assertEquals(x.transpose(-1, 0).shape, [4, 3, 2]);
  assertEquals(x.permute(-1, 0, 1).shape, [4, 2, 3]);
  const read = reader(x), p = x.permute(2, 0, 1);
  assertSame(p.data, indices(p.shape).map(([k, i, j]) => read([i, j, k])));
  assertThrows(() => x.permute(0, 1), RangeError, "permute: [0, 1] is not a permutation");
  assertThrows(() => x.permute(0, 1, 1), RangeError, "of a tensor of shape [2, 3, 4]");
  assertThrows(() => x.transpose(0, 3), RangeError, "transpose: dimension 3 is out of range");
});

Deno.test("`slice()` clamps like Python, counts negative bounds from the end, and steps", () => {
  const x = Tensor.arange(10);
  const s = (...args: [number, number?, number?]) => x.slice(0, ...args).toNested();
  assertEquals(s(2, 5), [2, 3, 4]);
  assertEquals(s(-3), [7, 8, 9]);
  assertEquals(s(-3, -1), [7, 8]);
  assertEquals(s(0, 100), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assertEquals(s(-100, 2), [0, 1]);
  assertEquals(s(6, 3), []);
  assertEquals(s(1, 10, 3), [1, 4, 7]);
  assertEquals(s(0, 10, 4), [0, 4, 8]);
  assertEquals(grid().slice(-1, 1, 3).toNested(), [[1, 2], [5, 6], [9, 10]]);
  assertThrows(() => x.slice(0, 0, 5, 0), RangeError, "step must be a positive integer, got 0");
  assertThrows(() => x.slice(0, 0, 5, -1), RangeError, "got -1");
});

Deno.test("`narrow()` takes start (negative from the end) and length; out of range names the size", () => {
  assertEquals(grid().narrow(1, 1, 2).toNested(), [[1, 2], [5, 6], [9, 10]]);
  assertEquals(grid().narrow(-2, 2, 1).toNested(), [[8, 9, 10, 11]]);
  assertEquals(grid().narrow(0, 3, 0).shape, [0, 4]);
  assertThrows(
    () => grid().narrow(1, 3, 2),
    RangeError,
    "narrow: [3, 5) is outside dimension 1 of size 4",
  );
  assertEquals(grid().narrow(1, -3, 2).toNested(), [[1, 2], [5, 6], [9, 10]]);
  assertThrows(() => grid().narrow(1, -5, 1), RangeError, "narrow: [-5, -4) is outside dimension");
  assertThrows(() => grid().narrow(1, 1.5, 1), RangeError, "narrow");
  assertThrows(() => grid().narrow(1, 0, -1), RangeError, "narrow");
});

Deno.test("`select()` removes a dim, takes negative indices and names the size when out of range", () => {
  assertEquals(grid().select(0, 1).toNested(), [4, 5, 6, 7]);
  assertEquals(grid().select(-1, -1).toNested(), [3, 7, 11]);
  assertEquals(grid().select(1, 0).select(0, 2).shape, []);
  assertThrows(
    () => grid().select(0, 3),
    RangeError,
    "select: index 3 is out of range for dimension 0 of size 3",
  );
  assertThrows(() => grid().select(1, -5), RangeError, "index -5");
});

Deno.test("`split()` makes pieces of a size (the last smaller) or of listed sizes", () => {
  const x = Tensor.arange(10).reshape(2, 5);
  assertEquals(x.split(2, 1).map((t) => t.toNested()), [[[0, 1], [5, 6]], [[2, 3], [7, 8]], [[4], [
    9,
  ]]]);
  assertEquals(x.split([1, 4], -1).map((t) => t.shape), [[2, 1], [2, 4]]);
  assertEquals(x.split(5, 1).length, 1);
  assertEquals(x.split(7, 1)[0].shape, [2, 5]);
  assertEquals(x.split([0, 5], 1)[0].shape, [2, 0]);
  assertEquals(Tensor.zeros([0, 3]).split(2).map((t) => t.shape), [[0, 3]]);
  // GPT-2's c_attn output splits into q, k, v along the last dim.
  const [q, k, v] = random([1, 4, 6]).split(2, -1);
  assertEquals([q.shape, k.shape, v.shape], [[1, 4, 2], [1, 4, 2], [1, 4, 2]]);
});

Deno.test("`split()` refuses sizes that do not add up and non-positive piece sizes", () => {
  const x = Tensor.zeros([2, 5]);
  assertThrows(
    () => x.split([2, 2], 1),
    RangeError,
    "split: sizes [2, 2] do not add up to dimension 1 of size 5",
  );
  assertThrows(() => x.split([6, -1], 1), RangeError, "[6, -1]");
  assertThrows(() => x.split([2.5, 2.5], 1), RangeError, "[2.5, 2.5]");
  assertThrows(() => x.split(0, 1), RangeError, "split: size must be a positive integer, got 0");
  assertThrows(() => x.split(-2, 1), RangeError, "got -2");
});

Deno.test("`chunk()` splits into equal pieces as torch.chunk does", () => {
  const sizes = (n: number, chunks: number) =>
    Tensor.zeros([n]).chunk(chunks).map((t) => t.shape[0]);
  assertEquals(sizes(6, 3), [2, 2, 2]);
  assertEquals(sizes(5, 3), [2, 2, 1]);
  assertEquals(sizes(6, 4), [2, 2, 2]); // torch.chunk also returns 3 pieces here
  assertEquals(sizes(2, 5), [1, 1]);
  assertEquals(sizes(0, 3), [0]);
  assertEquals(grid().chunk(2, -1).map((t) => t.toNested()), [[[0, 1], [4, 5], [8, 9]], [[2, 3], [
    6,
    7,
  ], [10, 11]]]);
  assertThrows(
    () => grid().chunk(0),
    RangeError,
    "chunk: chunks must be a positive integer, got 0",
  );
});

Deno.test("`cat()` joins along any dim, negative included, from strided inputs", () => {
  const a = grid(), b = grid().add(100);
  assertEquals(Tensor.cat([a, b]).shape, [6, 4]);
  assertEquals(Tensor.cat([a, b], -1).shape, [3, 8]);
  const t = Tensor.cat([a.transpose(0, 1), b.slice(1, 0, 4, 2).transpose(0, 1)], 0);
  assertEquals(t.toNested(), [
    [0, 4, 8],
    [1, 5, 9],
    [2, 6, 10],
    [3, 7, 11],
    [100, 104, 108],
    [102, 106, 110],
  ]);
  assertEquals(Tensor.cat([a, b], -1).select(0, 1).toNested(), [4, 5, 6, 7, 104, 105, 106, 107]);
  assertEquals(Tensor.cat([a, Tensor.zeros([0, 4]), a], 0).shape, [6, 4]);
  // cat of the pieces of split is the original
  const x = random([2, 7, 3]);
  assertSame(Tensor.cat(x.split([3, 1, 3], 1), 1).data, x.data);
});

Deno.test("`cat()` names the shapes that do not match", () => {
  assertThrows(
    () => Tensor.cat([Tensor.ones([2, 3]), Tensor.ones([2, 4])], 0),
    RangeError,
    "cat: shapes [2, 3], [2, 4] do not match outside dimension 0",
  );
  assertThrows(
    () => Tensor.cat([Tensor.ones([2, 3]), Tensor.ones([3])]),
    RangeError,
    "[2, 3], [3]",
  );
  assertThrows(() => Tensor.cat([]), RangeError, "cat: expected at least one tensor");
});

Deno.test("`expand()` repeats size-1 dims as a view, keeps -1 sizes and adds leading dims", () => {
  const x = tensor([[1], [2]]);
  assertEquals(x.expand(2, 3).toNested(), [[1, 1, 1], [2, 2, 2]]);
  assertEquals(x.expand(-1, 2).toNested(), [[1, 1], [2, 2]]);
  assertEquals(x.expand(3, 2, 2).shape, [3, 2, 2]);
  assertEquals(x.expand(2, 0).shape, [2, 0]);
  assertEquals(x.expand(2, 3).strides, [1, 0]);
  assertThrows(() => x.expand(3, 3), RangeError, "expand: cannot expand shape [2, 1] to [3, 3]");
  assertThrows(() => x.expand(3), RangeError, "expand: cannot expand shape [2, 1] to [3]");
  assertThrows(() => x.expand(-1, 2, 2), RangeError, "[-1, 2, 2]");
});

Deno.test("`squeeze()`/`unsqueeze()` remove and insert size-1 dims, negative dims included", () => {
  const x = Tensor.zeros([1, 3, 1, 2]);
  assertEquals(x.squeeze().shape, [3, 2]);
  assertEquals(x.squeeze(0).shape, [3, 1, 2]);
  assertEquals(x.squeeze(-2).shape, [1, 3, 2]);
  assertEquals(x.squeeze(1).shape, [1, 3, 1, 2]); // size 3: unchanged, as in PyTorch
  assertEquals(Tensor.zeros([1]).squeeze().shape, []);
  assertEquals(x.unsqueeze(0).shape, [1, 1, 3, 1, 2]);
  assertEquals(x.unsqueeze(-1).shape, [1, 3, 1, 2, 1]);
  assertEquals(x.unsqueeze(4).shape, [1, 3, 1, 2, 1]);
  assertEquals(tensor(5).unsqueeze(0).shape, [1]);
  const t = grid().transpose(0, 1);
  assertEquals(t.unsqueeze(1).toNested(), t.reshape(4, 1, 3).toNested());
  assertThrows(() => x.unsqueeze(6), RangeError, "unsqueeze: dimension 6 is out of range");
});

// ---- indexing ---------------------------------------------------------------------------------

Deno.test("`indexSelect()` gathers rows with indices of any shape, and along other dims", () => {
  const w = grid();
  assertEquals(w.indexSelect(0, tensor([2, 0, 2])).toNested(), [[8, 9, 10, 11], [0, 1, 2, 3], [
    8,
    9,
    10,
    11,
  ]]);
  const ids = tensor([[1], [2]]);
  assertEquals(w.indexSelect(0, ids).shape, [2, 1, 4]);
  assertEquals(w.indexSelect(1, tensor([3, 0])).toNested(), [[3, 0], [7, 4], [11, 8]]);
  assertEquals(w.indexSelect(-1, tensor([1])).toNested(), [[1], [5], [9]]);
  assertEquals(w.transpose(0, 1).indexSelect(0, tensor([1])).toNested(), [[1, 5, 9]]);
  assertEquals(w.indexSelect(0, tensor([])).shape, [0, 4]);
});

Deno.test("`indexSelect()` out of range is a RangeError naming the index and the size", () => {
  // The lecture's question: what happens if you embed 20000 into a table of 128 rows?
  const table = Tensor.zeros([128, 8]);
  const e = assertThrows(() => table.indexSelect(0, tensor([3, 20000])), RangeError);
  assertStringIncludes(e.message, "index 20000 is out of range for dimension 0 of size 128");
  assertStringIncludes(e.message, "at position 1");
  assertThrows(
    () => table.indexSelect(0, tensor([[0, 1], [128, 2]])),
    RangeError,
    "of the indices of shape [2, 2]",
  );
  assertThrows(() => table.indexSelect(0, tensor([-1])), RangeError, "index -1");
  assertThrows(() => table.indexSelect(0, tensor([1.5])), RangeError, "index 1.5");
});

Deno.test("`topk()` returns the largest first, ties at the lower index first", () => {
  const { values, indices: idx } = tensor([1, 3, 3, 2, 3, -Infinity]).topk(4);
  assertEquals(values.toNested(), [3, 3, 3, 2]);
  assertEquals(idx.toNested(), [1, 2, 4, 3]);
  const all = tensor([-Infinity, 5, -Infinity]).topk(3);
  assertEquals(all.indices.toNested(), [1, 0, 2]);
  assertEquals(tensor([4, 1]).topk(0).values.shape, [0]);
});

Deno.test("`topk()` along a non-last dim matches sorting each column", () => {
  const x = random([5, 3, 2]);
  const { values, indices: idx } = x.topk(3, 0);
  assertEquals(values.shape, [3, 3, 2]);
  const read = reader(x), rv = reader(values), ri = reader(idx);
  for (const [j, k] of indices([3, 2])) {
    const col = Array.from({ length: 5 }, (_, i) => read([i, j, k]));
    const order = col.map((_, i) => i).sort((a, b) => col[b] - col[a]);
    for (let r = 0; r < 3; r++) {
      assertEquals(ri([r, j, k]), order[r]);
      assertEquals(rv([r, j, k]), col[order[r]]);
    }
  }
  assertEquals(x.topk(1, -2).values.shape, [5, 1, 2]);
  assertThrows(
    () => x.topk(6, 0),
    RangeError,
    "topk: k = 6 is out of range for dimension 0 of size 5",
  );
});

Deno.test("`tril()` keeps entries with col - row <= diagonal over the last two dims", () => {
  const ones = Tensor.ones([3, 4]);
  assertEquals(ones.tril().toNested(), [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]);
  assertEquals(ones.tril(1).toNested(), [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]);
  assertEquals(ones.tril(-1).toNested(), [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]]);
  assertEquals(ones.tril(-3).sum().item(), 0);
  assertEquals(ones.tril(3).sum().item(), 12);
  const batch = random([2, 3, 3]).tril();
  assertEquals(batch.shape, [2, 3, 3]);
  assertEquals([...batch.select(0, 1).select(0, 0).data.slice(1)], [0, 0]);
  assertEquals(grid().transpose(0, 1).tril().toNested(), [[0, 0, 0], [1, 5, 0], [2, 6, 10], [
    3,
    7,
    11,
  ]]);
  assertThrows(() => Tensor.ones([3]).tril(), RangeError, "tril: needs at least 2 dimensions");
});

Deno.test("`where()` picks by a broadcast condition; `maskedFill()` fills where the mask is set", () => {
  const cond = tensor([[1], [0]]);
  assertEquals(Tensor.where(cond, tensor([1, 2, 3]), -1).toNested(), [[1, 2, 3], [-1, -1, -1]]);
  assertEquals(Tensor.where(tensor([0.5, -2, 0]), 1, 0).toNested(), [1, 1, 0]);
  const scores = tensor([[1, 2], [3, 4]]);
  const masked = scores.maskedFill(Tensor.ones([2, 2]).tril().eq(0), -Infinity);
  assertEquals(masked.toNested(), [[1, -Infinity], [3, 4]]);
  assertEquals(scores.toNested(), [[1, 2], [3, 4]]);
  assertThrows(
    () => scores.maskedFill(Tensor.ones([3]), 0),
    RangeError,
    "maskedFill: shapes [2, 2] and [3]",
  );
  assertThrows(
    () => Tensor.where(Tensor.ones([2]), Tensor.ones([3]), 0),
    RangeError,
    "where: shapes [2] and [3]",
  );
});

// ---- reading values out -----------------------------------------------------------------------

Deno.test("`toNested()` and `item()` read values; `item()` refuses more than one element", () => {
  assertEquals(grid().transpose(0, 1).toNested(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assertEquals(Tensor.zeros([2, 0]).toNested(), [[], []]);
  assertEquals(tensor([[[4]]]).item(), 4);
  assertEquals(grid().select(0, 2).select(0, 1).item(), 9);
  assertThrows(
    () => grid().item(),
    RangeError,
    "item: only a one-element tensor has an item, this one has shape [3, 4]",
  );
  assertThrows(() => Tensor.zeros([0]).item(), RangeError, "[0]");
});

Deno.test("`toString()` prints values and shape, eliding the middle of long dims", () => {
  assertEquals(tensor([[1, 2], [3, 4]]).toString(), "tensor([[1, 2], [3, 4]], shape=[2, 2])");
  assertEquals(tensor(0.5).toString(), "tensor(0.5000, shape=[])");
  assertEquals(Tensor.arange(10).toString(), "tensor([0, 1, 2, ..., 7, 8, 9], shape=[10])");
  assertEquals(Tensor.zeros([2, 0]).toString(), "tensor([[], []], shape=[2, 0])");
  assertEquals(tensor([NaN, -Infinity]).toString(), "tensor([NaN, -Infinity], shape=[2])");
  assertEquals(Deno.inspect(tensor([1])), "tensor([1], shape=[1])");
});

// ---- purity -----------------------------------------------------------------------------------

Deno.test("ops never mutate their inputs", () => {
  const x = random([3, 4]), other = random([4]), square = random([4, 4]);
  const inputs = [x, other, square, x.transpose(0, 1)];
  const before = inputs.map((t) => t.data.slice());
  const mask = x.gt(0);
  const ops: (() => unknown)[] = [
    () => x.add(other).sub(1).mul(other).div(2).pow(2).maximum(other).minimum(0),
    () => x.neg().exp().log().sqrt().tanh().abs().reciprocal().erf(),
    () => [x.eq(other), x.lt(other), x.gt(other)],
    () => [x.sum(0), x.mean(-1, true), x.max(), x.argmax(1)],
    () => x.matmul(square).matmul(other),
    () => x.transpose(0, 1).matmul(x),
    () => [
      x.view(12),
      x.reshape(2, 6),
      x.transpose(0, 1).reshape(12),
      x.permute(1, 0).contiguous(),
    ],
    () => [x.slice(1, 1, 3), x.narrow(0, 0, 2), x.select(1, 2), x.expand(2, 3, 4)],
    () => [x.split(2, 1), x.chunk(3, 0), Tensor.cat([x, x], 1), x.unsqueeze(0).squeeze()],
    () => [square.indexSelect(0, tensor([3, 1])), x.topk(2), x.topk(2, 0), square.tril(-1)],
    () => [Tensor.where(mask, x, other), x.maskedFill(mask, -Infinity), x.clone()],
    () => [x.toNested(), x.toString(), x.transpose(0, 1).data, other.select(0, 0).item()],
  ];
  ops.forEach((op, i) => {
    op();
    inputs.forEach((t, j) => assertSame(t.data, before[j], `op ${i}, input ${j}`));
  });
});
