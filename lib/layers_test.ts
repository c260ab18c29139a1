import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Conv1D, Dropout, Embedding, GELU, LayerNorm, Linear } from "./layers.ts";
import { LoadStateDictError } from "./module.ts";
import { Tensor, tensor } from "./tensor.ts";
import { manualSeed, randn, Rng } from "./random.ts";
import { gelu, layerNorm } from "./functional.ts";

const rng = new Rng(5);

Deno.test("`Linear` holds weight [out, in] and bias [out] and computes x Wᵀ + b", () => {
  const lin = new Linear(3, 2);
  assertEquals(Object.keys(lin.stateDict()), ["weight", "bias"]);
  assertEquals(lin.weight.shape, [2, 3]);
  assertEquals(lin.bias!.shape, [2]);
  lin.loadStateDict({ weight: tensor([[1, 0, -1], [2, 2, 2]]), bias: tensor([10, 20]) });
  assertEquals(lin.forward(tensor([[1, 2, 3]])).toNested(), [[8, 32]]);
  assertEquals(lin.forward(Tensor.ones([4, 5, 3])).shape, [4, 5, 2]);
});

Deno.test("`Linear` without bias has only a weight", () => {
  const lin = new Linear(3, 2, false);
  assertEquals(Object.keys(lin.stateDict()), ["weight"]);
  lin.loadStateDict({ weight: tensor([[1, 1, 1], [0, 0, 1]]) });
  assertEquals(lin.forward(tensor([1, 2, 3])).toNested(), [6, 3]);
});

Deno.test("`Conv1D` holds weight [in, out] and computes x W + b", () => {
  const conv = new Conv1D(3, 2);
  assertEquals(conv.weight.shape, [3, 2]);
  assertEquals(conv.bias.shape, [2]);
  conv.loadStateDict({ weight: tensor([[1, 2], [0, 2], [-1, 2]]), bias: tensor([10, 20]) });
  assertEquals(conv.forward(tensor([[1, 2, 3]])).toNested(), [[8, 32]]);
  assertEquals(conv.forward(Tensor.ones([2, 7, 3])).shape, [2, 7, 2]);
});

Deno.test("`Conv1D` given a Linear-shaped weight reports it as transposed", () => {
  const conv = new Conv1D(768, 2304);
  const e = assertThrows(
    () => conv.loadStateDict({ weight: Tensor.zeros([2304, 768]), bias: Tensor.zeros([2304]) }),
    LoadStateDictError,
  );
  assertEquals(
    e.message,
    "Error(s) in loading state_dict for Conv1D:\n\tsize mismatch for weight: copying a param " +
      "with shape [2304, 768] from checkpoint, the shape in current model is [768, 2304] " +
      "(transposed?).",
  );
});

Deno.test("`Embedding` looks up rows of weight [num, dim] for ids of any shape", () => {
  const emb = new Embedding(5, 3);
  assertEquals(emb.weight.shape, [5, 3]);
  emb.loadStateDict({ weight: Tensor.arange(15).reshape(5, 3) });
  assertEquals(emb.forward(tensor([4, 0])).toNested(), [[12, 13, 14], [0, 1, 2]]);
  assertEquals(emb.forward(tensor([[1, 2, 3]])).shape, [1, 3, 3]);
});

Deno.test("`Embedding` of an id past the table is a RangeError naming the id and the size", () => {
  const emb = new Embedding(128, 4);
  assertThrows(
    () => emb.forward(tensor([1, 20000])),
    RangeError,
    "index 20000 is out of range for dimension 0 of size 128",
  );
  assertThrows(() => emb.forward(tensor([-1])), RangeError, "index -1");
});

Deno.test("`LayerNorm` starts at weight 1, bias 0, eps 1e-5, and normalises the last dim", () => {
  const ln = new LayerNorm(6);
  assertEquals(ln.weight.toNested(), [1, 1, 1, 1, 1, 1]);
  assertEquals(ln.bias.toNested(), [0, 0, 0, 0, 0, 0]);
  assertEquals(ln.eps, 1e-5);
  assertEquals(Object.keys(ln.stateDict()), ["weight", "bias"]);
  const x = randn([2, 3, 6], { rng });
  const w = randn([6], { rng }), b = randn([6], { rng });
  ln.loadStateDict({ weight: w, bias: b });
  assertEquals(ln.forward(x).data, layerNorm(x, w, b, 1e-5).data);
  const loose = new LayerNorm(6, 1e-1);
  assertEquals(loose.forward(x).data, layerNorm(x, loose.weight, loose.bias, 1e-1).data);
});

Deno.test("`GELU` is exact by default, tanh on request, and has no parameters", () => {
  const x = Tensor.arange(-3, 3, 0.5);
  assertEquals(new GELU().forward(x).data, gelu(x, "none").data);
  assertEquals(new GELU("tanh").forward(x).data, gelu(x, "tanh").data);
  assertEquals(new GELU().stateDict(), {});
});

Deno.test("`Dropout` is the identity in eval mode (the default)", () => {
  const drop = new Dropout(0.5);
  assert(!drop.training);
  const x = randn([4, 4], { rng });
  assertStrictEquals(drop.forward(x), x);
  assertStrictEquals(drop.train().eval().forward(x), x);
  assertStrictEquals(new Dropout(0).train().forward(x), x);
});

Deno.test("`Dropout` in training zeroes about p of the elements and rescales the rest", () => {
  for (const p of [0.1, 0.5]) {
    const drop = new Dropout(p, 42).train();
    const x = Tensor.full([100, 100], 2);
    const y = drop.forward(x).data;
    const zeros = y.filter((v) => v === 0).length;
    // 1e4 draws: the count's standard deviation is at most 50; allow about 5 of them.
    assertAlmostEquals(zeros / y.length, p, 0.025, `p = ${p}`);
    for (const v of y) assert(v === 0 || Math.abs(v - 2 / (1 - p)) < 1e-6, `${v}`);
    // the expectation is kept
    assertAlmostEquals(drop.forward(x).mean().item(), 2, 0.1);
  }
});

Deno.test("`Dropout` masks are reproducible from the seed", () => {
  const x = Tensor.ones([50]);
  const a = new Dropout(0.3, 7).train().forward(x).data;
  const b = new Dropout(0.3, 7).train().forward(x).data;
  const c = new Dropout(0.3, 8).train().forward(x).data;
  assertEquals(a, b);
  assert(a.some((v, i) => v !== c[i]));
});

Deno.test("weights start as normal(0, 0.02) from the seeded global generator", () => {
  manualSeed(1);
  const a = new Linear(256, 512);
  manualSeed(1);
  const b = new Linear(256, 512);
  assertEquals(a.weight.data, b.weight.data);
  const w = a.weight.data;
  let sq = 0;
  for (const v of w) sq += v * v;
  assertAlmostEquals(Math.sqrt(sq / w.length), 0.02, 5e-4);
  assertEquals(a.bias!.sum().item(), 0);
  assertEquals(new Embedding(3, 2).weight.shape, [3, 2]);
});
