import { assertEquals } from "@std/assert";
import type { TensorData } from "../grader/wire.ts";
import { errorMap, MAX_COLUMNS } from "./divergence.ts";

const TOL = { atol: 1e-4, rtol: 0 };

function tensor(shape: number[], f: (i: number) => number): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, (_, i) => f(i)) };
}

Deno.test("errorMap() lays the error out as positions × channels and marks the positions off", () => {
  const expected = tensor([1, 4, 3], (i) => i);
  // only the last two positions are off
  const found = tensor([1, 4, 3], (i) => (i >= 6 ? i + 0.5 : i));
  const m = errorMap({ found, expected, tolerance: TOL });
  assertEquals(m.rowLabels, ["0", "1", "2", "3"]);
  assertEquals([m.columns, m.perColumn], [3, 1]);
  assertEquals(m.errors, [0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assertEquals(m.badRows, [2, 3]);
  assertEquals(m.factor, undefined);
});

Deno.test("errorMap() names rows by their leading indices, leaving out dimensions of size 1", () => {
  const t = tensor([1, 2, 3, 4], () => 1);
  assertEquals(errorMap({ found: t, expected: t, tolerance: TOL }).rowLabels, [
    "0, 0",
    "0, 1",
    "0, 2",
    "1, 0",
    "1, 1",
    "1, 2",
  ]);
});

Deno.test("errorMap() puts several channels of a wide tensor in a cell, keeping the largest error", () => {
  const width = MAX_COLUMNS * 4 + 1;
  const expected = tensor([2, width], () => 0);
  const found = tensor([2, width], (i) => (i === width + 5 ? 3 : 0));
  const m = errorMap({ found, expected, tolerance: TOL });
  assertEquals(m.perColumn, 5);
  assertEquals(m.columns, Math.ceil(width / 5));
  assertEquals(m.errors[m.columns + 1], 3);
  assertEquals(m.errors.filter((e) => e !== 0).length, 1);
  assertEquals(m.badRows, [1]);
});

Deno.test("errorMap() says when every value is the reference's times one factor", () => {
  const expected = tensor([3, 2], (i) => i - 2.5);
  const found = tensor([3, 2], (i) => (i - 2.5) * 0.125);
  assertEquals(errorMap({ found, expected, tolerance: TOL }).factor, 0.125);
  const noisy = tensor([3, 2], (i) => (i - 2.5) * 0.125 + (i === 0 ? 0.1 : 0));
  assertEquals(errorMap({ found: noisy, expected, tolerance: TOL }).factor, undefined);
});

Deno.test("errorMap() counts NaN as off and draws it as an infinite error", () => {
  const expected = tensor([2, 2], () => 1);
  const found = tensor([2, 2], (i) => (i === 3 ? NaN : 1));
  const m = errorMap({ found, expected, tolerance: TOL });
  assertEquals(m.badRows, [1]);
  assertEquals(m.errors[3], Infinity);
});
