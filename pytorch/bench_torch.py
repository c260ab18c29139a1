"""PyTorch side of `deno task bench`: the same GPT-2, the same prompt, the same thread count.

Runs the independent PyTorch GPT-2 of pytorch/reference.py on a model directory (config.json +
model.safetensors) and prints one JSON object: the prompt's prefill time (the first call of
cached decoding, with logits for every prompt position as the kit's step gives them; and, for
comparison, with the LM head on the last position only), greedy decode speed with a KV cache
(stage 6) and, unless --skip-recompute, by recomputing the whole sequence every step (stage 5);
each the median of --repeat runs. A maintainer tool: never needed by learners or CI.

    /usr/bin/python3 pytorch/bench_torch.py --model-dir DIR --prompt-ids 1,2,3 --decode 32
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--prompt-ids", required=True, help="comma-separated token ids")
    ap.add_argument("--decode", type=int, default=32, help="greedy tokens to generate")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is kept)")
    ap.add_argument("--skip-recompute", action="store_true", help="only the KV-cache decode")
    return ap.parse_args()


ARGS = parse_args()
# The thread count must be set before torch loads OpenBLAS, which otherwise uses every core
# (so a "1 thread" run was really 2 here). torch's own intra-op threads stay at 1: on top of
# BLAS threads they oversubscribe the cores (measured on 2 cores: 5x slower).
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import conv1d, forward, gelu_new, layer_norm, read_safetensors  # noqa: E402


def cached_step(sd, cfg, ids, start, cache, every=True):
    """Runs positions start.. of ids through the model, extending cache[i] = (k, v) [H,T,hs].

    Returns the last position's logits. With every=True the LM head runs on every new position,
    as the kit's stage-6 step does (its contract gives logits [1, T, vocab]); with every=False
    on the last one only (nanoGPT's shortcut at inference time), which skips T - 1 rows of the
    largest product.
    """
    x = sd["wte.weight"][torch.tensor(ids[start:])] + sd["wpe.weight"][start:len(ids)]
    T, C = x.shape
    H = cfg["n_head"]
    hs = C // H
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        a = layer_norm(x, sd[p + "ln_1.weight"], sd[p + "ln_1.bias"])
        q, k, v = conv1d(a, sd[p + "attn.c_attn.weight"], sd[p + "attn.c_attn.bias"]).split(C, -1)
        q, k, v = (t.view(T, H, hs).transpose(0, 1) for t in (q, k, v))
        if i in cache:
            k, v = torch.cat([cache[i][0], k], 1), torch.cat([cache[i][1], v], 1)
        cache[i] = (k, v)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # [H, T, start + T]
        keep = torch.ones(T, start + T).tril(start) != 0
        scores = scores.masked_fill(~keep, float("-inf"))
        y = (torch.softmax(scores, -1) @ v).transpose(0, 1).reshape(T, C)
        x = x + conv1d(y, sd[p + "attn.c_proj.weight"], sd[p + "attn.c_proj.bias"])
        m = layer_norm(x, sd[p + "ln_2.weight"], sd[p + "ln_2.bias"])
        h = gelu_new(conv1d(m, sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_fc.bias"]))
        x = x + conv1d(h, sd[p + "mlp.c_proj.weight"], sd[p + "mlp.c_proj.bias"])
    x = layer_norm(x if every else x[-1:], sd["ln_f.weight"], sd["ln_f.bias"])
    return (x @ sd["wte.weight"].T)[-1]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1000


def main():
    args = ARGS
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(args.model_dir, "config.json")))
    sd, _ = read_safetensors(os.path.join(args.model_dir, "model.safetensors"))
    prompt = [int(s) for s in args.prompt_ids.split(",")]
    out = {"torch": torch.__version__, "threads": args.threads, "prompt_tokens": len(prompt)}

    def recompute():
        ids = list(prompt)
        _, ms = timed(lambda: [ids.append(int(torch.argmax(forward(sd, cfg, ids)["logits"][-1])))
                               for _ in range(args.decode)])
        return ids[len(prompt):], args.decode / (ms / 1000)

    def cached():
        cache, ids = {}, list(prompt)
        _, prefill_ms = timed(lambda: ids.append(int(torch.argmax(cached_step(sd, cfg, ids, 0, cache)))))
        _, ms = timed(lambda: [ids.append(int(torch.argmax(cached_step(sd, cfg, ids, len(ids) - 1, cache))))
                               for _ in range(args.decode - 1)])
        return ids[len(prompt):], prefill_ms, (args.decode - 1) / (ms / 1000)

    with torch.no_grad():
        forward(sd, cfg, prompt)  # warm-up
        runs = [cached() for _ in range(args.repeat)]
        out["prefill_ms"] = statistics.median(r[1] for r in runs)
        out["prefill_last_position_only_ms"] = statistics.median(
            timed(lambda: cached_step(sd, cfg, prompt, 0, {}, every=False))[1]
            for _ in range(args.repeat))
        out["kv_cache"] = {"generated_ids": runs[-1][0],
                           "tokens_per_s": statistics.median(r[2] for r in runs)}
        if not args.skip_recompute:
            runs = [recompute() for _ in range(args.repeat)]
            out["recompute"] = {"generated_ids": runs[-1][0],
                                "tokens_per_s": statistics.median(r[1] for r in runs)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
