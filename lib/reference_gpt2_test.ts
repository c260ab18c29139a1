// The library's reference layers, composed into GPT-2 here, reproduce the PyTorch reference
// logits of the bundled tiny model: the end-to-end proof that the ops are right.
import { assertEquals, assertLess } from "@std/assert";
import { F, nn, Tensor } from "../mod.ts";
import { loadStateDict } from "./checkpoint.ts";
import { loadConfig } from "./config.ts";
import { kitPath } from "./paths.ts";

const config = loadConfig(kitPath("data", "tiny", "config.json"));
const sd = loadStateDict(kitPath("data", "tiny", "model.safetensors"));
const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));

class Attention extends nn.Module {
  c_attn = new nn.Conv1D(config.n_embd, 3 * config.n_embd);
  c_proj = new nn.Conv1D(config.n_embd, config.n_embd);
  constructor() {
    super();
    const n = config.n_positions;
    this.registerBuffer("bias", Tensor.ones([n, n]).tril().view(1, 1, n, n));
  }
  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape, nh = config.n_head;
    const [q, k, v] = this.c_attn.forward(x).split(C, 2)
      .map((t) => t.view(B, T, nh, C / nh).transpose(1, 2)); // (B, nh, T, hs)
    const y = F.scaledDotProductAttention(q, k, v, { causal: true });
    return this.c_proj.forward(y.transpose(1, 2).contiguous().view(B, T, C));
  }
}

class Block extends nn.Module {
  ln_1 = new nn.LayerNorm(config.n_embd);
  attn = new Attention();
  ln_2 = new nn.LayerNorm(config.n_embd);
  mlp = new (class extends nn.Module {
    c_fc = new nn.Conv1D(config.n_embd, 4 * config.n_embd);
    c_proj = new nn.Conv1D(4 * config.n_embd, config.n_embd);
  })();
  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x)));
    const h = F.gelu(this.mlp.c_fc.forward(this.ln_2.forward(x)), "tanh");
    return x.add(this.mlp.c_proj.forward(h));
  }
}

class GPT extends nn.Module {
  wte = new nn.Embedding(config.vocab_size, config.n_embd);
  wpe = new nn.Embedding(config.n_positions, config.n_embd);
  h = new nn.ModuleList(Array.from({ length: config.n_layer }, () => new Block()));
  ln_f = new nn.LayerNorm(config.n_embd);
  forward(ids: Tensor): Tensor {
    const T = ids.shape[1];
    let x = this.wte.forward(ids).add(this.wpe.forward(Tensor.arange(T)));
    for (const block of this.h) x = block.forward(x);
    return this.ln_f.forward(x).matmul(this.wte.weight.transpose(0, 1)); // tied LM head
  }
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assertEquals(a.shape, b.shape);
  return a.sub(b).abs().max().item();
}

Deno.test("reference layers composed into GPT-2 match PyTorch's tiny-model logits within 1e-4", () => {
  const model = new GPT();
  assertEquals(String(model.loadStateDict(sd)), "<All keys matched successfully>");
  for (let p = 0; refs[`p${p}.input_ids`]; p++) {
    const ids = refs[`p${p}.input_ids`];
    const logits = model.forward(ids.view(1, -1));
    const err = maxAbsDiff(logits.squeeze(0), refs[`p${p}.logits`]);
    assertLess(err, 1e-4, `prompt ${p}: max abs logit error ${err}`);
  }
});

Deno.test("reference layers reproduce PyTorch's greedy continuation of every prompt", () => {
  const model = new GPT();
  model.loadStateDict(sd);
  for (let p = 0; refs[`p${p}.input_ids`]; p++) {
    const ids = [...refs[`p${p}.input_ids`].data];
    const expected = [...refs[`p${p}.generated_ids`].data];
    for (let i = 0; i < expected.length; i++) {
      const logits = model.forward(new Tensor(Float32Array.from(ids), [1, ids.length]));
      ids.push(logits.select(1, -1).argmax(-1).item());
    }
    assertEquals(ids.slice(-expected.length), expected, `prompt ${p}`);
  }
});
