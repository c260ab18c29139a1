#!/usr/bin/env python3
"""Maintainer tool: train gpt2-kit's small English GPT-2 on Jane Austen's six novels.

Writes what `deno task generate` runs offline, so that a learner's finished GPT-2 writes English
without downloading the real one:

  data/english/model.safetensors  F16 weights with the real checkpoint's key names (no
                                  `transformer.` prefix, `h.N.attn.bias` masks, no lm_head: tied),
                                  vocabulary 50257, GPT-2's tokenizer; 4 layers, width 128
  data/english/config.json        its Hugging Face-style config
  data/reference/english.json     the greedy continuation the grader expects (stage 5)

The corpus is Debian's `r-cran-janeaustenr` (the six novels, public domain; the package is MIT),
read with `Rscript`; the text is tokenised by the BPE below from `data/tokenizer/`.

Training computes the softmax over only the token ids the corpus uses (14,053 of 50,257): the
vocabulary head is most of a small model's cost, and it shrinks 3.6x. Channel 0 of
`ln_f`'s output is held at 1 (`ln_f.weight[0] = 0`, `ln_f.bias[0] = 1`), so `wte[j, 0]` is token
j's logit bias; the exported `wte` gives every token the corpus never uses zeros and a channel 0
of UNUSED_LOGIT, so that its logit is UNUSED_LOGIT whatever the context: far below the used
tokens', and a plain GPT-2 forward over the whole vocabulary gives the same distribution.

Seeded, float32, one thread: a re-run on the same torch gives the same weights.

  apt-get install -y python3-torch libopenblas0-pthread python3-regex r-cran-janeaustenr
  /usr/bin/python3 pytorch/train_english.py            # train, evaluate, write the files
  /usr/bin/python3 pytorch/train_english.py --steps 20 --dry-run   # a quick look, writes nothing
"""
import argparse
import json
import math
import os
import subprocess
import time

import regex
import torch
import torch.nn.functional as F

from reference import safetensors_bytes, sha256, write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1811  # Sense and Sensibility
NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey",
          "persuasion"]
END_OF_TEXT = 50256
UNUSED_LOGIT = -30.0
CONFIG = {
    "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.0,
    "bos_token_id": 50256, "embd_pdrop": 0.0, "eos_token_id": 50256, "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 128, "n_embd": 128, "n_head": 4,
    "n_layer": 4, "n_positions": 128, "resid_pdrop": 0.0, "vocab_size": 50257,
}
# The stage 5 check: the learner's model continues this prompt greedily with these many tokens.
CHECK_PROMPT, CHECK_TOKENS = "The", 24

# ----------------------------------------------------------------------------- corpus


def novels():
    """The six novels as paragraphs: wrapped lines joined, blank lines between paragraphs."""
    texts = []
    for name in NOVELS:
        lines = subprocess.run(
            ["Rscript", "-e", f"writeLines(janeaustenr::{name})"],
            check=True, capture_output=True, text=True).stdout.split("\n")
        paragraphs, current = [], []
        for line in lines + [""]:
            if line.strip():
                current.append(line.strip())
            elif current:
                paragraphs.append(" ".join(current))
                current = []
        texts.append("\n\n".join(paragraphs))
    return texts


class Bpe:
    """GPT-2's byte-level BPE from vocab.json and merges.txt (written from the algorithm)."""
    PATTERN = regex.compile(
        r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def __init__(self, directory):
        self.encoder = json.load(open(os.path.join(directory, "vocab.json"), encoding="utf-8"))
        self.decoder = {v: k for k, v in self.encoder.items()}
        lines = open(os.path.join(directory, "merges.txt"), encoding="utf-8").read().split("\n")
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(l for l in lines[1:] if l)}
        printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
        extra = [b for b in range(256) if b not in printable]
        self.byte_char = {b: chr(b) for b in printable}
        self.byte_char.update({b: chr(256 + i) for i, b in enumerate(extra)})
        self.char_byte = {c: b for b, c in self.byte_char.items()}
        self.cache = {}

    def word(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        parts = [self.byte_char[b] for b in piece.encode("utf-8")]
        while len(parts) > 1:
            pairs = [(self.ranks.get(p, math.inf), i) for i, p in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == math.inf:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids = [self.encoder[p] for p in parts]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        return [i for piece in self.PATTERN.findall(text) for i in self.word(piece)]

    def decode(self, ids):
        return bytes(self.char_byte[c] for i in ids for c in self.decoder[i]).decode("utf-8", "replace")


def check_bpe(bpe):
    """Ids the independent js-tiktoken gpt2 encoding gives (see pytorch/reference.py)."""
    known = {"Hello world": [15496, 995], "superman": [16668, 805], "spiderman": [2777, 1304, 805],
             "We are learning systems for LLMs.": [1135, 389, 4673, 3341, 329, 27140, 10128, 13]}
    for text, ids in known.items():
        assert bpe.encode(text) == ids, (text, bpe.encode(text))

# ----------------------------------------------------------------------------- the model


class Gpt2(torch.nn.Module):
    """GPT-2 with the checkpoint's names and Conv1D layouts ([in, out]); the head scores only
    the token ids in `used` (a LongTensor), and ln_f's channel 0 is held at 1."""

    def __init__(self, cfg, used):
        super().__init__()
        C, L = cfg["n_embd"], cfg["n_layer"]
        self.cfg, self.used = cfg, used
        p = torch.nn.Parameter
        std, proj_std = 0.02, 0.02 / math.sqrt(2 * L)
        self.wte = p(torch.randn(cfg["vocab_size"], C) * std)
        self.wpe = p(torch.randn(cfg["n_positions"], C) * 0.01)
        self.blocks = []  # per block: checkpoint name (without "h.N.") -> parameter
        for i in range(L):
            b = {
                "ln_1.weight": p(torch.ones(C)), "ln_1.bias": p(torch.zeros(C)),
                "attn.c_attn.weight": p(torch.randn(C, 3 * C) * std),
                "attn.c_attn.bias": p(torch.zeros(3 * C)),
                "attn.c_proj.weight": p(torch.randn(C, C) * proj_std),
                "attn.c_proj.bias": p(torch.zeros(C)),
                "ln_2.weight": p(torch.ones(C)), "ln_2.bias": p(torch.zeros(C)),
                "mlp.c_fc.weight": p(torch.randn(C, 4 * C) * std),
                "mlp.c_fc.bias": p(torch.zeros(4 * C)),
                "mlp.c_proj.weight": p(torch.randn(4 * C, C) * proj_std),
                "mlp.c_proj.bias": p(torch.zeros(C)),
            }
            for n, t in b.items():
                self.register_parameter(f"h{i}_" + n.replace(".", "_"), t)
            self.blocks.append(b)
        self.ln_f_weight, self.ln_f_bias = p(torch.ones(C)), p(torch.zeros(C))
        P = cfg["n_positions"]
        self.register_buffer("mask", torch.tril(torch.ones(P, P)).bool())

    def hidden(self, ids):  # [B, T] -> [B, T, C], the output of ln_f
        B, T = ids.shape
        C, H = self.cfg["n_embd"], self.cfg["n_head"]
        eps = self.cfg["layer_norm_epsilon"]
        x = self.wte[ids] + self.wpe[:T]
        for b in self.blocks:
            h = F.layer_norm(x, (C,), b["ln_1.weight"], b["ln_1.bias"], eps)
            q, k, v = (h @ b["attn.c_attn.weight"] + b["attn.c_attn.bias"]).split(C, dim=-1)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hs]
            s = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
            s = s.masked_fill(~self.mask[:T, :T], float("-inf"))
            y = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
            x = x + y @ b["attn.c_proj.weight"] + b["attn.c_proj.bias"]
            h = F.layer_norm(x, (C,), b["ln_2.weight"], b["ln_2.bias"], eps)
            h = F.gelu(h @ b["mlp.c_fc.weight"] + b["mlp.c_fc.bias"], approximate="tanh")
            x = x + h @ b["mlp.c_proj.weight"] + b["mlp.c_proj.bias"]
        x = F.layer_norm(x, (C,), self.ln_f_weight, self.ln_f_bias, eps)
        return torch.cat([torch.ones_like(x[..., :1]), x[..., 1:]], dim=-1)  # channel 0 := 1

    def forward(self, ids):  # -> logits over the used ids only, [B, T, len(used)]
        return self.hidden(ids) @ self.wte[self.used].T

    def state_dict_gpt2(self):
        """The real checkpoint's keys; unused tokens' rows set so their logit is UNUSED_LOGIT."""
        P = self.cfg["n_positions"]
        wte = torch.zeros_like(self.wte)
        wte[:, 0] = UNUSED_LOGIT
        wte[self.used] = self.wte[self.used]
        sd = {"wte.weight": wte, "wpe.weight": self.wpe}
        for i, b in enumerate(self.blocks):
            sd.update({f"h.{i}.{n}": t for n, t in b.items()})
            sd[f"h.{i}.attn.bias"] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)
        ln_w, ln_b = self.ln_f_weight.clone(), self.ln_f_bias.clone()
        ln_w[0], ln_b[0] = 0.0, 1.0
        sd.update({"ln_f.weight": ln_w, "ln_f.bias": ln_b})
        return {n: t.detach().clone() for n, t in sd.items()}


def full_forward(sd, cfg, ids):
    """A plain GPT-2 forward of a state dict over the whole vocabulary: [T] -> [T, vocab]."""
    T, C, H = len(ids), cfg["n_embd"], cfg["n_head"]
    eps = cfg["layer_norm_epsilon"]
    x = sd["wte.weight"][ids] + sd["wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        g = lambda n: sd[f"h.{i}.{n}"]  # noqa: E731
        h = F.layer_norm(x, (C,), g("ln_1.weight"), g("ln_1.bias"), eps)
        q, k, v = (h @ g("attn.c_attn.weight") + g("attn.c_attn.bias")).split(C, dim=-1)
        q, k, v = (t.view(T, H, C // H).transpose(0, 1) for t in (q, k, v))
        s = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
        s = s.masked_fill(g("attn.bias")[0, 0, :T, :T] == 0, float("-inf"))
        y = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(T, C)
        x = x + y @ g("attn.c_proj.weight") + g("attn.c_proj.bias")
        h = F.layer_norm(x, (C,), g("ln_2.weight"), g("ln_2.bias"), eps)
        h = F.gelu(h @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias"), approximate="tanh")
        x = x + h @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
    return F.layer_norm(x, (C,), sd["ln_f.weight"], sd["ln_f.bias"], eps) @ sd["wte.weight"].T

# ----------------------------------------------------------------------------- training


def batches(data, block, batch, g):
    """Random windows of block + 1 tokens: inputs and next-token targets."""
    starts = torch.randint(0, len(data) - block - 1, (batch,), generator=g)
    windows = torch.stack([data[s:s + block + 1] for s in starts])
    return windows[:, :-1], windows[:, 1:]


def windows(data, block):
    """Every whole window of the validation text, in order (inputs, targets)."""
    n = (len(data) - 1) // block
    return [(data[i * block:(i + 1) * block], data[i * block + 1:(i + 1) * block + 1]) for i in range(n)]


@torch.no_grad()
def val_loss(model, val, index_of, block):
    """Mean cross-entropy (nats per token) over every validation window, used ids only."""
    total, count = 0.0, 0
    for x, y in windows(val, block):
        logits = model(x[None])[0]
        total += float(F.cross_entropy(logits, index_of[y], reduction="sum"))
        count += len(y)
    return total / count


@torch.no_grad()
def full_val_loss(sd, cfg, val, block):
    """The same over the whole vocabulary, with a plain GPT-2 forward of the exported weights."""
    total, count = 0.0, 0
    for x, y in windows(val, block):
        total += float(F.cross_entropy(full_forward(sd, cfg, x), y, reduction="sum"))
        count += len(y)
    return total / count


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup))))


@torch.no_grad()
def greedy(sd, cfg, ids, n):
    """-> (n new ids, the smallest top-1 minus top-2 logit margin on the way)."""
    ids, margin = list(ids), math.inf
    for _ in range(n):
        last = full_forward(sd, cfg, torch.tensor(ids))[-1]
        top = torch.topk(last, 2).values
        margin = min(margin, float(top[0] - top[1]))
        ids.append(int(torch.argmax(last)))
    return ids[-n:], margin


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=420, help="optimizer steps")
    ap.add_argument("--batch", type=int, default=8, help="windows per step")
    ap.add_argument("--lr", type=float, default=4e-3, help="peak learning rate")
    ap.add_argument("--eval-every", type=int, default=500, help="validation every N steps")
    ap.add_argument("--out", default=ROOT, help="repository root to write data/ under")
    ap.add_argument("--dry-run", action="store_true", help="train and evaluate, write nothing")
    args = ap.parse_args()
    started = time.time()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    cfg = dict(CONFIG)
    block = cfg["n_positions"]

    bpe = Bpe(os.path.join(ROOT, "data", "tokenizer"))
    check_bpe(bpe)
    texts = novels()
    corpus_sha = sha256("\n".join(texts).encode("utf-8"))
    train, val = [], []
    for text in texts:  # the last 5% of each novel is held out
        ids = bpe.encode(text) + [END_OF_TEXT]
        cut = int(len(ids) * 0.95)
        train += ids[:cut]
        val += ids[cut:]
    used = torch.tensor(sorted(set(train) | set(val) | {END_OF_TEXT}))
    index_of = torch.full((cfg["vocab_size"],), -1, dtype=torch.long)
    index_of[used] = torch.arange(len(used))
    train, val = torch.tensor(train), torch.tensor(val)
    print(f"corpus sha256 {corpus_sha}: {len(train):,} training tokens, {len(val):,} validation "
          f"tokens, {len(used):,} distinct ids ({time.time() - started:.0f} s)")

    model = Gpt2(cfg, used)
    decay = [t for n, t in model.named_parameters() if t.dim() == 2]
    no_decay = [t for n, t in model.named_parameters() if t.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    g = torch.Generator().manual_seed(SEED)
    t0 = time.time()
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, min(200, args.steps // 10 + 1))
        x, y = batches(train, block, args.batch, g)
        loss = F.cross_entropy(model(x).flatten(0, 1), index_of[y].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done = step + 1
        if done % 50 == 0 or done == args.steps:
            rate = done * args.batch * block / (time.time() - t0)
            print(f"step {done}/{args.steps}  train loss {float(loss):.3f}  {rate:.0f} tokens/s",
                  flush=True)
        if done % args.eval_every == 0 or done == args.steps:
            print(f"step {done}  validation loss {val_loss(model, val, index_of, block):.3f}",
                  flush=True)
    train_s = time.time() - t0

    sd32 = model.state_dict_gpt2()
    sd = {n: t.half() for n, t in sd32.items()}  # what the file holds
    back = {n: t.float() for n, t in sd.items()}  # what the kit reads
    loss_used = val_loss(model, val, index_of, block)
    loss_full = full_val_loss(back, cfg, val, block)
    prompt = bpe.encode(CHECK_PROMPT)
    gen, margin = greedy(back, cfg, prompt, CHECK_TOKENS)
    print(f"trained {args.steps} steps of {args.batch}x{block} tokens in {train_s:.0f} s "
          f"({args.steps * args.batch * block / train_s:.0f} tokens/s, one thread)")
    print(f"validation loss: {loss_used:.3f} (used ids, training model), {loss_full:.3f} "
          f"(whole vocabulary, exported F16 weights)")
    print(f"greedy {CHECK_PROMPT!r} + {CHECK_TOKENS}: {gen} (smallest top-1/top-2 margin "
          f"{margin:.3f})\n  {bpe.decode(prompt + gen)!r}")
    if args.dry_run:
        return
    provenance = {"producer": "pytorch/train_english.py", "torch": torch.__version__,
                  "seed": str(SEED), "corpus": "Jane Austen's six novels (r-cran-janeaustenr)",
                  "corpus_sha256": corpus_sha, "steps": str(args.steps),
                  "validation_loss": f"{loss_full:.3f}"}
    model_bytes = safetensors_bytes(sd, {"format": "pt", **provenance})
    data = os.path.join(args.out, "data")
    write(os.path.join(data, "english", "model.safetensors"), model_bytes)
    write(os.path.join(data, "english", "config.json"),
          (json.dumps(cfg, indent=2, sort_keys=True) + "\n").encode())
    reference = {"format": "gpt2-kit-english-reference/1", "weights_sha256": sha256(model_bytes),
                 "prompt": CHECK_PROMPT, "prompt_ids": prompt, "generated_ids": gen,
                 "text": bpe.decode(prompt + gen), "validation_loss": round(loss_full, 3)}
    write(os.path.join(data, "reference", "english.json"),
          (json.dumps(reference, indent=2) + "\n").encode())
    print(f"total {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
