import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { manualSeed, rand, randn, Rng, withoutInit } from "./random.ts";

const N = 100_000;

/** Mean and (population) standard deviation. */
function moments(xs: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0, sq = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  const mean = sum / xs.length;
  for (let i = 0; i < xs.length; i++) sq += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / xs.length) };
}

/** `n` draws of `f`. */
function draws(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

Deno.test("`Rng` with the same seed gives the same sequence", () => {
  const a = new Rng(42), b = new Rng(42);
  assertEquals(draws(50, () => a.nextUint32()), draws(50, () => b.nextUint32()));
  assertEquals(draws(50, () => a.normal()), draws(50, () => b.normal()));
});

Deno.test("`Rng` with different seeds gives different sequences", () => {
  const seqs = [0, 1, 2, -1, 2 ** 31, 123456789].map((seed) => {
    const r = new Rng(seed);
    return draws(8, () => r.nextUint32()).join(",");
  });
  assertEquals(new Set(seqs).size, seqs.length);
});

Deno.test("`nextUint32()` gives unsigned 32-bit integers", () => {
  const r = new Rng(5);
  for (const x of draws(1000, () => r.nextUint32())) {
    assert(Number.isInteger(x) && x >= 0 && x < 2 ** 32, `${x}`);
  }
});

Deno.test("`uniform()` lies in [0, 1) with mean about 1/2 and variance about 1/12", () => {
  const r = new Rng(1);
  const xs = draws(N, () => r.uniform());
  assert(xs.every((x) => x >= 0 && x < 1));
  const { mean, std } = moments(xs);
  // Standard error of the mean: sqrt(1/12 / 1e5) ~ 9e-4; allow about 5 of them.
  assertAlmostEquals(mean, 0.5, 0.005);
  assertAlmostEquals(std, Math.sqrt(1 / 12), 0.005);
  // Each tenth of the interval gets about a tenth of the draws (expected 1e4, sd ~95).
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  for (const count of bins) assertAlmostEquals(count, N / 10, 600);
});

Deno.test("`normal()` has mean about 0 and standard deviation about 1 over 1e5 samples", () => {
  const r = new Rng(2);
  const xs = draws(N, () => r.normal());
  const { mean, std } = moments(xs);
  // Standard errors: ~3e-3 for the mean, ~2.2e-3 for the std; allow about 5 of them.
  assertAlmostEquals(mean, 0, 0.016);
  assertAlmostEquals(std, 1, 0.012);
  // About 68.27% within one standard deviation, 95.45% within two.
  assertAlmostEquals(xs.filter((x) => Math.abs(x) < 1).length / N, 0.6827, 0.008);
  assertAlmostEquals(xs.filter((x) => Math.abs(x) < 2).length / N, 0.9545, 0.005);
  assert(xs.every(Number.isFinite));
});

Deno.test("`randn()` is reproducible from a generator and scales by `std`", () => {
  const a = randn([1000], { rng: new Rng(9) }), b = randn([1000], { rng: new Rng(9) });
  assertEquals(a.data, b.data);
  const w = randn([200, 500], { std: 0.02, rng: new Rng(3) });
  assertEquals(w.shape, [200, 500]);
  const { mean, std } = moments(w.data);
  assertAlmostEquals(mean, 0, 0.02 * 0.016);
  assertAlmostEquals(std, 0.02, 0.02 * 0.012);
  // A std-0.02 tensor is the std-1 tensor of the same generator, scaled.
  const unit = randn([10], { rng: new Rng(4) }),
    scaled = randn([10], { std: 0.02, rng: new Rng(4) });
  // (equal up to float32 rounding of the two products)
  unit.data.forEach((x, i) => assertAlmostEquals(scaled.data[i], x * 0.02, 1e-8));
});

Deno.test("`rand()` lies in [low, high)", () => {
  const t = rand([N], { low: -3, high: 5, rng: new Rng(8) });
  assert(t.data.every((x) => x >= -3 && x <= 5));
  assertAlmostEquals(moments(t.data).mean, 1, 0.05);
  assertEquals(rand([2, 0]).shape, [2, 0]);
  assertThrows(() => rand([-1]), TypeError, "rand: invalid shape [-1]");
});

Deno.test("`manualSeed()` makes the global generator reproducible", () => {
  manualSeed(11);
  const a = randn([20]);
  manualSeed(11);
  const b = randn([20]);
  assertEquals(a.data, b.data);
  manualSeed(12);
  assertNotEquals(randn([20]).data, a.data);
});

Deno.test("withoutInit: the global generator's draws are zeros inside it and resume unchanged after", () => {
  manualSeed(7);
  const expected = randn([3]).data;
  manualSeed(7);
  const skipped = withoutInit(() => ({
    n: randn([4]),
    u: rand([4]),
    seeded: randn([2], { rng: new Rng(1) }),
  }));
  assertEquals([...skipped.n.data], [0, 0, 0, 0]);
  assertEquals([...skipped.u.data], [0, 0, 0, 0]);
  assertEquals([...skipped.seeded.data], [...randn([2], { rng: new Rng(1) }).data]);
  assertEquals([...randn([3]).data], [...expected]);
});

Deno.test("withoutInit draws again after its build throws", () => {
  assertThrows(
    () =>
      withoutInit(() => {
        throw new Error("a broken constructor");
      }),
    Error,
    "a broken constructor",
  );
  assertNotEquals([...randn([4]).data], [0, 0, 0, 0]);
});
