#!/usr/bin/env python3
"""Maintainer tool: make gpt2-kit's tiny GPT-2 and its reference data with PyTorch.

An independent GPT-2 forward in plain PyTorch (nanoGPT-style, written from the architecture, not
from the kit), used to produce the files the grader compares learners against:

  data/tiny/model.safetensors   seeded random F32 weights named exactly like the real checkpoint
                                (HF openai-community/gpt2: no `transformer.` prefix, the
                                `h.N.attn.bias` mask buffers, no `lm_head.weight`; keys sorted);
                                2 layers, width 64, 4 heads, vocab 50257: 30 keys instead of 160
  data/tiny/config.json         its Hugging Face-style config
  data/reference/tiny.safetensors    activations, logits and 20 greedy tokens for fixed prompts
  data/reference/layers.safetensors  small fixtures for the kit's reference layers

The weights are random but scaled (not GPT-2's 0.02 init, with which a tiny model repeats one
token forever and a broken attention or MLP goes unnoticed) so that every block, LayerNorm affine
and eps, the 1/sqrt(d) scale, the causal mask and the GELU variant visibly change the logits, and
greedy decoding wanders with clear top-1/top-2 margins. A run prints that evidence; `--bug-report`
prints the logit damage each classic bug does. All computation is float32 on one thread; output
is deterministic: re-running gives the same bytes.

Only maintainers run this (`apt-get install -y python3-torch libopenblas0-pthread`, torch 1.13);
it is never needed at run time, by learners, or in CI, which all use the committed files.

  /usr/bin/python3 pytorch/reference.py               # regenerate all files (+ statistics)
  /usr/bin/python3 pytorch/reference.py --dry-run     # statistics only, write nothing
  /usr/bin/python3 pytorch/reference.py --bug-report  # logit damage done by each classic bug
"""
import argparse
import hashlib
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 226
MAX_NEW_TOKENS = 20
# Hugging Face gpt2 config.json fields, with the tiny model's sizes.
CONFIG = {
    "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
    "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 128, "n_embd": 64, "n_head": 4,
    "n_layer": 2, "n_positions": 128, "resid_pdrop": 0.1, "vocab_size": 50257,
}
# Standard deviations of the random weights (see the module docstring for why not 0.02).
SCALES = {
    "wte": 0.1, "wpe": 0.06,                          # small residual stream: LN eps matters
    "ln_w": 0.15, "ln_b": 0.1, "ln_f_gain": 16.0,     # weight 1 +- 0.15 (ln_f: +-16 x that)
    "c_attn_w": 0.22, "c_attn_b": 0.2,                # q.k/sqrt(16) scores with std ~3
    "attn_c_proj_w": 0.009, "attn_c_proj_b": 0.01,    # attention output ~ residual size
    "c_fc_w": 0.25, "c_fc_b": 0.5,                    # GELU inputs mostly |x| in 0..4
    "mlp_c_proj_w": 0.007, "mlp_c_proj_b": 0.01,      # MLP output ~ residual size
}
# Token ids from js-tiktoken's gpt2 encoding (npm:js-tiktoken@1.0.21).
PROMPTS = [
    {"text": "Hello world", "ids": [15496, 995]},
    {"text": "We are learning systems for LLMs.", "ids": [1135, 389, 4673, 3341, 329, 27140, 10128, 13]},
    {"text": "The dog", "ids": [464, 3290]},
    {"text": "Once upon a time, in a small village by the sea, there lived an old fisherman who told "
             "stories to the children every evening. One night, he spoke of a ship that never came home.",
     "ids": [7454, 2402, 257, 640, 11, 287, 257, 1402, 7404, 416, 262, 5417, 11, 612, 5615, 281, 1468,
             48750, 508, 1297, 3923, 284, 262, 1751, 790, 6180, 13, 1881, 1755, 11, 339, 5158, 286, 257,
             4074, 326, 1239, 1625, 1363, 13]},
]
BUGS = ["no_scale", "no_mask", "mask_after_softmax", "gelu_exact", "ln_eps_1e-12",
        "ln_unbiased", "no_residual_attn", "no_residual_mlp", "positions_from_1",
        "lm_head_untied", "c_proj_transposed", "no_ln_affine"]

# ----------------------------------------------------------------------------- safetensors


def safetensors_bytes(tensors, metadata):
    """Serialise like the safetensors library: keys sorted, data in key order, 8-byte aligned."""
    header = {"__metadata__": dict(sorted(metadata.items()))}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        dtype = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}[t.dtype]
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # data section starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def read_safetensors(path):
    """-> ({name: tensor}, metadata); used to check what was written."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta, out = header.pop("__metadata__", {}), {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = {"F32": "<f4", "I64": "<i8"}[info["dtype"]]
        array = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=dt).copy()
        out[name] = torch.from_numpy(array).reshape(info["shape"])
    return out, meta


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".partial", "wb") as f:
        f.write(data)
    os.replace(path + ".partial", path)
    print(f"wrote {os.path.relpath(path, ROOT)}  {len(data):,} bytes  sha256 {sha256(data)}")


def sha256(data):
    return hashlib.sha256(data).hexdigest()

# ----------------------------------------------------------------------------- weights


def make_weights(cfg, seed, s):
    """Seeded random state dict with GPT-2's key names; Conv1D weights are [in, out]."""
    g = torch.Generator().manual_seed(seed)
    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]

    def randn(*shape, std):
        return torch.randn(*shape, generator=g) * std

    def ln(prefix):  # weight 1 +- ln_w, bias 0 +- ln_b: a missing affine shows
        return {prefix + ".weight": 1.0 + randn(C, std=s["ln_w"]), prefix + ".bias": randn(C, std=s["ln_b"])}

    sd = {"wte.weight": randn(V, C, std=s["wte"]), "wpe.weight": randn(P, C, std=s["wpe"])}
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        sd.update(ln(h + "ln_1"))
        sd[h + "attn.bias"] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)  # causal mask buffer
        sd[h + "attn.c_attn.weight"] = randn(C, 3 * C, std=s["c_attn_w"])
        sd[h + "attn.c_attn.bias"] = randn(3 * C, std=s["c_attn_b"])
        sd[h + "attn.c_proj.weight"] = randn(C, C, std=s["attn_c_proj_w"])
        sd[h + "attn.c_proj.bias"] = randn(C, std=s["attn_c_proj_b"])
        sd.update(ln(h + "ln_2"))
        sd[h + "mlp.c_fc.weight"] = randn(C, 4 * C, std=s["c_fc_w"])
        sd[h + "mlp.c_fc.bias"] = randn(4 * C, std=s["c_fc_b"])
        sd[h + "mlp.c_proj.weight"] = randn(4 * C, C, std=s["mlp_c_proj_w"])
        sd[h + "mlp.c_proj.bias"] = randn(C, std=s["mlp_c_proj_b"])
    sd.update(ln("ln_f"))
    # ln_f gain: large (spreads the logits: clear greedy margins) and of random sign. With the tied
    # head a positive gain gives every token a bonus x.wte[x] ~ |wte[x]|^2 and greedy decoding
    # repeats the last token forever; random signs remove that bias.
    sign = torch.randint(0, 2, (C,), generator=g) * 2.0 - 1.0
    sd["ln_f.weight"] = sd["ln_f.weight"] * sign * s["ln_f_gain"]
    return sd

# ----------------------------------------------------------------------------- the model


def layer_norm(x, w, b, bug=None):  # x [T,C]: normalise each row, biased variance, eps 1e-5
    eps = 1e-12 if bug == "ln_eps_1e-12" else 1e-5
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=(bug == "ln_unbiased"), keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps)
    return y if bug == "no_ln_affine" else y * w + b


def gelu_new(x, bug=None):  # GPT-2's tanh approximation
    if bug == "gelu_exact":
        return F.gelu(x)
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def conv1d(x, w, b):  # GPT-2's Conv1D: w is [in, out]
    return x @ w + b


def attention(x, sd, p, n_head, bug=None, trace=None):  # x [T,C] -> [T,C]
    T, C = x.shape
    hs = C // n_head
    q, k, v = conv1d(x, sd[p + "c_attn.weight"], sd[p + "c_attn.bias"]).split(C, dim=-1)  # 3x [T,C]
    q, k, v = (t.view(T, n_head, hs).transpose(0, 1) for t in (q, k, v))  # [H,T,hs]
    scores = q @ k.transpose(-2, -1)  # [H,T,T]
    if bug != "no_scale":
        scores = scores / math.sqrt(hs)
    keep = sd[p + "bias"][0, 0, :T, :T] != 0  # [T,T] lower triangle
    mask = torch.zeros(T, T).masked_fill(~keep, float("-inf"))
    if bug not in ("no_mask", "mask_after_softmax"):
        scores = scores + mask
    w = torch.softmax(scores, dim=-1)
    if bug == "mask_after_softmax":
        w = w * keep
    if trace is not None:
        trace.append(scores)
    y = (w @ v).transpose(0, 1).reshape(T, C)  # heads back side by side
    wp = sd[p + "c_proj.weight"]
    return conv1d(y, wp.T if bug == "c_proj_transposed" else wp, sd[p + "c_proj.bias"])


def mlp(x, sd, p, bug=None):  # [T,C] -> [T,4C] -> [T,C]
    return conv1d(gelu_new(conv1d(x, sd[p + "c_fc.weight"], sd[p + "c_fc.bias"]), bug),
                  sd[p + "c_proj.weight"], sd[p + "c_proj.bias"])


def forward(sd, cfg, ids, bug=None, trace=None):
    """ids: list of T ints -> dict of activations (all [T,C], logits [T,V])."""
    T = len(ids)
    pos = torch.arange(T) + (1 if bug == "positions_from_1" else 0)
    x = sd["wte.weight"][torch.tensor(ids)] + sd["wpe.weight"][pos]
    acts = {"embeddings": x}
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        a_in = layer_norm(x, sd[h + "ln_1.weight"], sd[h + "ln_1.bias"], bug)
        a_out = attention(a_in, sd, h + "attn.", cfg["n_head"], bug, trace)
        x = a_out if bug == "no_residual_attn" else x + a_out
        m_in = layer_norm(x, sd[h + "ln_2.weight"], sd[h + "ln_2.bias"], bug)
        m_out = mlp(m_in, sd, h + "mlp.", bug)
        x = m_out if bug == "no_residual_mlp" else x + m_out
        acts.update({f"h{i}.attn_in": a_in, f"h{i}.attn_out": a_out, f"h{i}.mlp_in": m_in,
                     f"h{i}.mlp_out": m_out, f"h{i}.out": x})
    x = layer_norm(x, sd["ln_f.weight"], sd["ln_f.bias"], bug)
    head = sd["wte.weight"]  # tied LM head
    if bug == "lm_head_untied":  # a separately initialised head that was never loaded
        head = torch.randn(head.shape, generator=torch.Generator().manual_seed(SEED + 1)) * SCALES["wte"]
    acts.update({"ln_f": x, "logits": x @ head.T})
    return acts


def generate(sd, cfg, ids, n, bug=None):
    """Greedy, recomputing the whole sequence each step -> (n new ids, top-1 minus top-2 margins)."""
    ids, margins = list(ids), []
    for _ in range(n):
        last = forward(sd, cfg, ids, bug)["logits"][-1]
        top = torch.topk(last, 2).values
        margins.append(float(top[0] - top[1]))
        ids.append(int(torch.argmax(last)))
    return ids[-n:], margins

# ----------------------------------------------------------------------------- outputs


def tiny_reference(sd, cfg, weights_sha):
    """p{k}.* activations for every prompt; prints the sanity statistics."""
    out = {}
    print("prompt  T  distinct/20  min-margin  block rel-change  |attn|/|x|  |mlp|/|x|  score-std")
    for k, pr in enumerate(PROMPTS):
        trace = []
        acts = forward(sd, cfg, pr["ids"], trace=trace)
        gen, margins = generate(sd, cfg, pr["ids"], MAX_NEW_TOKENS)
        out[f"p{k}.input_ids"] = torch.tensor(pr["ids"], dtype=torch.int64)
        out[f"p{k}.generated_ids"] = torch.tensor(gen, dtype=torch.int64)
        for name in ["embeddings", "h0.attn_in", "h0.attn_out", "h0.mlp_in", "h0.mlp_out", "ln_f", "logits"]:
            out[f"p{k}.{name}"] = acts[name]
        for i in range(cfg["n_layer"]):
            out[f"p{k}.h{i}.out"] = acts[f"h{i}.out"]
        stats = []
        for i in range(cfg["n_layer"]):
            x_in = acts["embeddings"] if i == 0 else acts[f"h{i - 1}.out"]
            n_in = x_in.norm()
            stats.append(((acts[f"h{i}.out"] - x_in).norm() / n_in, acts[f"h{i}.attn_out"].norm() / n_in,
                          acts[f"h{i}.mlp_out"].norm() / n_in))
        spread = [float(s[~torch.isinf(s)].std()) for s in trace]
        print(f"p{k}  {len(pr['ids']):3d}  {len(set(gen)):2d}  {min(margins):10.4f}  "
              + "  ".join(f"h{i}: {a:.2f} {b:.2f} {c:.2f}" for i, (a, b, c) in enumerate(stats))
              + "  " + " ".join(f"{x:.2f}" for x in spread))
        print(f"     generated {gen}")
    meta = {"format": "gpt2-kit-reference/1", "model": "tiny", "weights_sha256": weights_sha,
            "config": json.dumps(cfg, sort_keys=True, separators=(",", ":")),
            "prompts": json.dumps(PROMPTS, separators=(",", ":")),
            "max_new_tokens": str(MAX_NEW_TOKENS)}
    return out, meta


def layer_fixtures(seed):
    """Small inputs for each reference layer; outputs computed by PyTorch in float64, stored F32."""
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, std=1.0):
        return torch.randn(*shape, generator=g) * std

    def sdpa(q, k, v, causal=False):  # softmax(q k^T / sqrt(d) + mask) v; softmax subtracts the max
        q, k, v = q.double(), k.double(), v.double()
        s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if causal:
            s = s.masked_fill(torch.ones(s.shape[-2:]).tril() == 0, float("-inf"))
        return (torch.softmax(s, dim=-1) @ v).float()

    f = {}
    f["conv1d.x"], f["conv1d.weight"], f["conv1d.bias"] = randn(2, 5, 7), randn(7, 3, std=0.5), randn(3)
    f["conv1d.out"] = (f["conv1d.x"].double() @ f["conv1d.weight"].double()
                       + f["conv1d.bias"].double()).float()  # Conv1D: y = x W + b, W [in,out]
    f["linear.x"], f["linear.weight"], f["linear.bias"] = randn(2, 5, 7), randn(3, 7, std=0.5), randn(3)
    f["linear.out"] = F.linear(f["linear.x"].double(), f["linear.weight"].double(),
                               f["linear.bias"].double()).float()  # y = x W^T + b, W [out,in]
    x = randn(3, 4, 10)
    x[0, 0] = 3.0                             # constant row: variance 0, output = bias
    x[0, 1] = 0.5 + randn(10, std=1e-3)       # variance ~1e-6 < eps: eps dominates
    x[0, 2] = -2.0 + randn(10, std=3e-3)      # variance ~1e-5 = eps
    x[0, 3] = 50.0 + randn(10)                # large mean
    x[1] *= 10.0
    f["layernorm.x"] = x
    f["layernorm.weight"], f["layernorm.bias"] = 1 + randn(10, std=0.2), randn(10, std=0.1)
    f["layernorm.out"] = F.layer_norm(x.double(), (10,), f["layernorm.weight"].double(),
                                      f["layernorm.bias"].double(), eps=1e-5).float()
    xg = torch.cat([torch.linspace(-6, 6, 97), torch.tensor([-100.0, -12.0, 12.0, 100.0])])  # [101]
    f["gelu_tanh.x"] = xg
    f["gelu_tanh.out"] = F.gelu(xg.double(), approximate="tanh").float()
    f["gelu_exact.out"] = F.gelu(xg.double()).float()
    inf = float("inf")
    f["softmax.x"] = torch.stack([
        randn(9, std=2.0),
        1000.0 + torch.arange(9.0) * 0.5,                                   # large values
        torch.tensor([0.5, -inf, 1.0, -inf, -inf, 2.0, 0.0, -inf, -1.0]),   # masked entries
        torch.tensor([-inf, 1000.0, 999.0, -inf, 1e4, 9999.0, -1e4, -inf, 0.0])])
    f["softmax.out"] = torch.softmax(f["softmax.x"].double(), dim=-1).float()
    f["sdpa.q"], f["sdpa.k"] = randn(2, 3, 5, 8, std=1.3), randn(2, 3, 6, 8, std=1.3)  # Tq 5, Tk 6
    f["sdpa.v"] = randn(2, 3, 6, 4)
    f["sdpa.out"] = sdpa(f["sdpa.q"], f["sdpa.k"], f["sdpa.v"])
    for n in "qkv":
        f[f"sdpa_causal.{n}"] = randn(1, 2, 7, 3, std=1.5)
    f["sdpa_causal.out"] = sdpa(f["sdpa_causal.q"], f["sdpa_causal.k"], f["sdpa_causal.v"], causal=True)
    big, noise = torch.tensor([100.0, 100.0, 0.0, 0.0]), torch.tensor([0.01, 0.01, 1.5, 1.5])
    f["sdpa_large.q"] = big + randn(1, 1, 4, 4) * noise  # q.k/sqrt(4) ~ 1e4, differing by a few units
    f["sdpa_large.k"] = big + randn(1, 1, 4, 4) * noise
    f["sdpa_large.v"] = randn(1, 1, 4, 4)
    f["sdpa_large.out"] = sdpa(f["sdpa_large.q"], f["sdpa_large.k"], f["sdpa_large.v"])
    assert all(torch.isfinite(t).all() for n, t in f.items() if n != "softmax.x")
    return f, {"format": "gpt2-kit-layers/1",
               "precision": "inputs float32; outputs computed by PyTorch in float64, rounded to float32",
               "layernorm_eps": "1e-5", "sdpa_scale": "1/sqrt(head_dim)"}

# ----------------------------------------------------------------------------- checks and reports


def self_check(sd, cfg):
    """Our hand-written pieces against PyTorch's own ops."""
    x = torch.randn(7, cfg["n_embd"], generator=torch.Generator().manual_seed(0)) * 3
    w, b = sd["h.0.ln_1.weight"], sd["h.0.ln_1.bias"]
    assert torch.allclose(layer_norm(x, w, b), F.layer_norm(x, (x.shape[-1],), w, b, 1e-5), atol=1e-5)
    assert torch.allclose(gelu_new(x), F.gelu(x, approximate="tanh"), atol=1e-5)
    # a future token never changes an earlier position
    a, b2 = forward(sd, cfg, [1, 2, 3, 4])["logits"], forward(sd, cfg, [1, 2, 3, 999])["logits"]
    assert torch.equal(a[:3], b2[:3]) and not torch.equal(a[3], b2[3])


def bug_report(sd, cfg):
    """Max abs logit difference each classic bug causes over all prompts and positions, and the
    first greedy step (of 20) whose token it changes; float64 vs float32 is the noise floor."""
    clean = [(forward(sd, cfg, p["ids"])["logits"], generate(sd, cfg, p["ids"], MAX_NEW_TOKENS)[0])
             for p in PROMPTS]
    sd64 = {n: t.double() for n, t in sd.items()}
    floor = max(float((forward(sd64, cfg, p["ids"])["logits"] - c).abs().max())
                for p, (c, _) in zip(PROMPTS, clean))
    top = max(float(c.abs().max()) for c, _ in clean)
    print(f"max|logits| {top:.1f}; float64 vs float32 forward: max|dlogits| {floor:.2e}")
    print(f"{'bug':20s} {'max|dlogits|':>12s}  greedy continuation changed (prompts p0..p3)")
    for bug in BUGS:
        diff, changed = 0.0, []
        for p, (logits, gen) in zip(PROMPTS, clean):
            diff = max(diff, float((forward(sd, cfg, p["ids"], bug)["logits"] - logits).abs().max()))
            bug_gen = generate(sd, cfg, p["ids"], MAX_NEW_TOKENS, bug)[0]
            first = next((j for j, (u, v) in enumerate(zip(gen, bug_gen)) if u != v), None)
            changed.append("same" if first is None else f"@{first}")
        print(f"{bug:20s} {diff:12.3e}  {' '.join(changed)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED, help="seed for the tiny model's weights")
    ap.add_argument("--out", default=ROOT, help="repository root to write data/ under")
    ap.add_argument("--bug-report", action="store_true", help="only print each classic bug's effect")
    ap.add_argument("--dry-run", action="store_true", help="print statistics, write nothing")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    cfg = dict(CONFIG)
    sd = make_weights(cfg, args.seed, SCALES)
    self_check(sd, cfg)
    if args.bug_report:
        return bug_report(sd, cfg)
    provenance = {"producer": "pytorch/reference.py", "torch": torch.__version__, "seed": str(args.seed)}
    model_bytes = safetensors_bytes(sd, {"format": "pt", "producer": "pytorch/reference.py",
                                         "seed": str(args.seed)})
    ref, ref_meta = tiny_reference(sd, cfg, sha256(model_bytes))
    layers, layers_meta = layer_fixtures(args.seed)
    if args.dry_run:
        return
    data = os.path.join(args.out, "data")
    write(os.path.join(data, "tiny", "model.safetensors"), model_bytes)
    write(os.path.join(data, "tiny", "config.json"),
          (json.dumps(cfg, indent=2, sort_keys=True) + "\n").encode())
    write(os.path.join(data, "reference", "tiny.safetensors"),
          safetensors_bytes(ref, {**provenance, **ref_meta}))
    write(os.path.join(data, "reference", "layers.safetensors"),
          safetensors_bytes(layers, {**provenance, **layers_meta}))
    back, _ = read_safetensors(os.path.join(data, "tiny", "model.safetensors"))
    assert list(back) == sorted(sd) and all(torch.equal(back[n], sd[n]) for n in sd)


if __name__ == "__main__":
    main()
