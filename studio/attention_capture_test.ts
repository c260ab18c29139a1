import { assertAlmostEquals, assertEquals } from "@std/assert";
import { softmax } from "../lib/functional.ts";
import { randn, Rng } from "../lib/random.ts";
import { Tensor } from "../lib/tensor.ts";
import { captureAttention } from "./attention_capture.ts";

const T = 5, H = 3, D = 4;
const rng = new Rng(1);
const q = randn([1, H, T, D], { rng }), k = randn([1, H, T, D], { rng });
const v = randn([1, H, T, D], { rng });
const causal = Tensor.ones([T, T]).tril();

function expected(): Tensor {
  const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(D)).maskedFill(
    causal.eq(0),
    -Infinity,
  );
  return softmax(scores, -1);
}

function assertClose(a: Tensor, b: Tensor): void {
  assertEquals(a.shape, b.shape);
  const x = a.contiguous().data, y = b.contiguous().data;
  x.forEach((xi, i) => assertAlmostEquals(xi, y[i], 1e-6));
}

Deno.test("captureAttention() finds weights made with F.softmax", () => {
  const captured = captureAttention(() => expected().matmul(v), { T, matrices: H, constants: [] });
  if (!("weights" in captured)) throw new Error(`found ${captured.found}`);
  assertClose(captured.weights, expected().view(H, T, T));
});

Deno.test("captureAttention() finds weights of a softmax written by hand (exp, sum, div)", () => {
  const captured = captureAttention(
    () => {
      const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(D));
      const e = scores.sub(scores.max(-1, true)).exp().mul(causal);
      return e.div(e.sum(-1, true)).matmul(v);
    },
    { T, matrices: H, constants: [] },
  );
  if (!("weights" in captured)) throw new Error(`found ${captured.found}`);
  assertClose(captured.weights, expected().view(H, T, T));
});

Deno.test("captureAttention() finds the heads of a loop over heads, in order", () => {
  const captured = captureAttention(
    () => {
      const outs = [];
      for (let h = 0; h < H; h++) {
        const qh = q.select(1, h).squeeze(0), kh = k.select(1, h).squeeze(0);
        const s = qh.matmul(kh.transpose(0, 1)).div(Math.sqrt(D)).maskedFill(
          causal.eq(0),
          -Infinity,
        );
        outs.push(softmax(s, -1).matmul(v.select(1, h).squeeze(0)));
      }
      return outs;
    },
    { T, matrices: H, constants: [] },
  );
  if (!("weights" in captured)) throw new Error(`found ${captured.found}`);
  assertClose(captured.weights, expected().view(H, T, T));
});

Deno.test("captureAttention() does not take a T × T product of another kind for weights", () => {
  // x xᵀ is T × T, but nothing multiplies values by what comes of it
  const x = randn([T, T], { rng });
  const options = { T, matrices: 1, constants: [] };
  assertEquals(captureAttention(() => x.matmul(x.transpose(0, 1)).add(1), options), { found: 0 });
  // a layer of width T: x W is T × T, and so is the next layer's input
  const w1 = randn([T, T], { rng }), w2 = randn([T, T], { rng });
  const layers = () => x.matmul(w1).add(1).matmul(w2);
  assertEquals(captureAttention(layers, { ...options, constants: [w1, w2] }), { found: 0 });
});
