import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  contiguousStrides,
  formatShape,
  normalizeDim,
  numelOf,
} from "./shape.ts";

Deno.test("`formatShape()` prints sizes in brackets, a scalar as []", () => {
  assertEquals(formatShape([2, 3]), "[2, 3]");
  assertEquals(formatShape([7]), "[7]");
  assertEquals(formatShape([]), "[]");
});

Deno.test("`numelOf()` is 1 for a scalar and 0 when any size is 0", () => {
  assertEquals(numelOf([]), 1);
  assertEquals(numelOf([2, 3, 4]), 24);
  assertEquals(numelOf([2, 0, 4]), 0);
});

Deno.test("`contiguousStrides()` makes the last dimension move fastest", () => {
  assertEquals(contiguousStrides([2, 3, 4]), [12, 4, 1]);
  assertEquals(contiguousStrides([5]), [1]);
  assertEquals(contiguousStrides([]), []);
  assertEquals(contiguousStrides([3, 0, 2]), [0, 2, 1]);
});

Deno.test("`normalizeDim()` counts negative dims from the end", () => {
  assertEquals(normalizeDim(-1, 3, "op"), 2);
  assertEquals(normalizeDim(-3, 3, "op"), 0);
  assertEquals(normalizeDim(2, 3, "op"), 2);
});

Deno.test("`normalizeDim()` names the op, the dim and the valid range when out of range", () => {
  assertThrows(() => normalizeDim(3, 3, "sum"), RangeError, "sum: dimension 3 is out of range");
  assertThrows(() => normalizeDim(-4, 3, "sum"), RangeError, "expected -3..2");
  assertThrows(() => normalizeDim(1.5, 3, "sum"), RangeError, "dimension 1.5");
  assertThrows(() => normalizeDim(0, 0, "softmax"), RangeError, "a 0-d tensor has no dimensions");
});

Deno.test("`checkShape()` returns a fresh copy and refuses negative or fractional sizes", () => {
  const shape = [2, 0, 3];
  const checked = checkShape(shape, "zeros");
  assertEquals(checked, shape);
  checked[0] = 9;
  assertEquals(shape[0], 2);
  assertThrows(() => checkShape([2, -1], "zeros"), TypeError, "zeros: invalid shape [2, -1]");
  assertThrows(() => checkShape([2.5], "zeros"), TypeError, "non-negative integers");
});

Deno.test("`broadcastShapes()` aligns from the right and stretches size-1 dims", () => {
  assertEquals(broadcastShapes([4, 1, 3], [5, 1], "add"), [4, 5, 3]);
  assertEquals(broadcastShapes([], [2, 3], "add"), [2, 3]);
  assertEquals(broadcastShapes([2, 3], [], "add"), [2, 3]);
  assertEquals(broadcastShapes([0, 3], [1, 3], "add"), [0, 3]);
  assertEquals(broadcastShapes([1], [0], "add"), [0]);
});

Deno.test("`broadcastShapes()` names both shapes, the op and the clashing dim", () => {
  const e = assertThrows(() => broadcastShapes([2, 3], [4], "mul"), RangeError);
  assertStringIncludes(e.message, "mul: shapes [2, 3] and [4] cannot be broadcast");
  assertStringIncludes(e.message, "dimension -1: 3 vs 4");
  // A size-0 dim stretches nothing but a size-1 dim.
  assertThrows(() => broadcastShapes([0], [2], "add"), RangeError, "[0] and [2]");
});

Deno.test("`broadcastStrides()` gives stretched and added dims stride 0", () => {
  assertEquals(broadcastStrides([3, 1], [1, 1], [2, 3, 4]), [0, 1, 0]);
  assertEquals(broadcastStrides([1, 4], [4, 1], [3, 4]), [0, 1]);
  // A size-1 dim that stays size 1 keeps its stride.
  assertEquals(broadcastStrides([1, 4], [4, 1], [1, 4]), [4, 1]);
  assertEquals(broadcastStrides([], [], [2, 2]), [0, 0]);
});
