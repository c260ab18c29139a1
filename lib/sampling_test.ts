import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { Rng } from "./random.ts";
import { argmax, sampleNext, topProbabilities } from "./sampling.ts";

const logits = new Float32Array([1, 3, 2, 3, -1]);

Deno.test("greedy picks the first largest logit", () => {
  assertEquals(argmax(logits), 1);
  assertEquals(sampleNext(logits, {}), 1);
  assertEquals(sampleNext(logits, { temperature: 0, rng: new Rng(1) }), 1);
});

Deno.test("sampling with a seed is reproducible and follows the probabilities", () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 200 }, () => sampleNext(logits, { temperature: 1, rng }));
  };
  assertEquals(draw(7), draw(7));
  const counts = new Array(5).fill(0);
  for (const id of draw(11).concat(draw(12), draw(13))) counts[id]++;
  // p = softmax([1, 3, 2, 3, -1]) ≈ [0.05, 0.39, 0.14, 0.39, 0.007]
  assert(counts[1] > 150 && counts[3] > 150, `counts ${counts}`);
  assert(counts[2] > 40 && counts[2] < 140, `counts ${counts}`);
  assert(counts[4] < 15, `counts ${counts}`);
});

Deno.test("top-k keeps only the k most likely tokens", () => {
  const rng = new Rng(3);
  const seen = new Set(
    Array.from({ length: 300 }, () => sampleNext(logits, { temperature: 2, topK: 2, rng })),
  );
  assertEquals([...seen].sort(), [1, 3]);
});

Deno.test("top-p keeps the smallest set reaching the probability mass", () => {
  const rng = new Rng(4);
  // the two 3s hold ~0.78 of the mass: top-p 0.7 keeps just them
  const seen = new Set(
    Array.from({ length: 300 }, () => sampleNext(logits, { temperature: 1, topP: 0.7, rng })),
  );
  assertEquals([...seen].sort(), [1, 3]);
});

Deno.test("sampleNext() rejects bad options with a RangeError", () => {
  assertThrows(() => sampleNext(logits, { temperature: -1 }), RangeError, "temperature");
  assertThrows(() => sampleNext(logits, { temperature: 1, topK: 1.5 }), RangeError, "top-k");
  assertThrows(() => sampleNext(logits, { temperature: 1, topP: 0 }), RangeError, "top-p");
  assertThrows(() => sampleNext(logits, { temperature: 1 }), RangeError, "rng");
});

Deno.test("topProbabilities() gives the k most likely tokens, most likely first, as softmax probabilities", () => {
  const logits = new Float32Array([1, 4, 2, 4, 0]);
  const top = topProbabilities(logits, 3);
  assertEquals(top.map((t) => t.id), [1, 3, 2]);
  const total = [...logits].reduce((a, x) => a + Math.exp(x), 0);
  top.forEach((t) => assertAlmostEquals(t.p, Math.exp(logits[t.id]) / total, 1e-6));
  assertEquals(topProbabilities(logits, 10).length, 5);
});
