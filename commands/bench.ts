/**
 * `deno task bench`: generation speed of the reference GPT-2 on each backend, side by side with
 * PyTorch running the same model, the same prompt, on the same number of threads, in the same
 * run — and the memory-bandwidth limit of decoding on this machine. Prints one JSON document
 * on stdout (progress goes to stderr).
 *
 * ```
 * deno task bench [--model-dir DIR] [--prompt-tokens 32] [--decode 32] [--repeat 3]
 *   [--threads 1] [--backends cpu,wasm,native[,webgpu]] [--recompute] [--no-torch]
 * ```
 *
 * Each ONNX backend also times a graph of only the weight products of one decoded token
 * (`matmul_ceiling.ts`, median of 16 runs): the most its matrix-vector kernel allows, beside
 * the bandwidth limit.
 *
 * Decoding uses the KV cache (stage 6's solution); `--recompute` also measures decoding by
 * recomputing the whole sequence every step (stage 5). Each figure is the median of
 * `--repeat` runs. `--threads` applies to WASM, native, PyTorch and the bandwidth measurement
 * alike (the eager CPU path has one). `native` (onnxruntime-node) is measured when it loads,
 * WebGPU when `navigator.gpu` has a hardware adapter (both, when listed explicitly). Without
 * `--model-dir`, a GPT-2-small-sized model with seeded random weights is written to
 * `.cache/bench-gpt2-124m/` on first use. PyTorch and numpy
 * (`/usr/bin/python3`, see pytorch/README.md) are optional: without them their columns are
 * skipped with a notice.
 *
 * @module
 */
import {
  type Backend,
  BackendError,
  BACKENDS,
  createRunner,
  probeGpu,
  type Runner,
} from "../lib/backends.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { GPT2_SMALL, type GPT2Config, loadConfig } from "../lib/config.ts";
import { generate, type GenerateResult } from "../lib/generate.ts";
import { kitPath } from "../lib/paths.ts";
import { withoutInit } from "../lib/random.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import type { Tensor } from "../lib/tensor.ts";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { gpt2WithCache, type KV } from "../solutions/6_kv_cache.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { exists } from "./_files.ts";
import { matmulCeiling } from "./_matmul_ceiling.ts";
import { writeRandomGpt2 } from "./random_gpt2.ts";

const DEFAULT_DIR = kitPath(".cache", "bench-gpt2-124m");
const PYTHON = "/usr/bin/python3";

/** One backend's figures (medians). */
interface BackendResult {
  backend: Backend;
  setup_ms: number;
  prefill_ms: number;
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  decode_recompute_tokens_per_s?: number;
  /** Decode speed of the weight products alone on this backend (ONNX backends). */
  matmul_only_tokens_per_s?: number;
  generated_ids: number[];
  notices: string[];
}

function log(message: string): void {
  console.error(`bench: ${message}`);
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Bytes of weights decoding reads per token: everything but the mask buffers and wpe. */
function bytesPerToken(weights: string, config: GPT2Config): number {
  using f = SafetensorsFile.open(weights);
  let bytes = config.n_embd * 4; // the one row of wpe
  for (const name of f.names()) {
    if (/^h\.\d+\.attn\.bias$/.test(name) || name === "wpe.weight") continue;
    const { begin, end } = f.info(name);
    bytes += end - begin;
  }
  return bytes;
}

async function measureBackend(
  model: GPT2,
  backend: Backend,
  prompt: number[],
  decode: number,
  repeat: number,
  recompute: boolean,
  threads: number,
): Promise<BackendResult> {
  const config = model.config;
  const step = (ids: Tensor, past?: KV[]) => gpt2WithCache(model, ids, past, config);
  // `repeat` generations on a runner, which is closed after them
  const runs = async (r: Runner) => {
    const out: GenerateResult[] = [];
    for (let k = 0; k < repeat; k++) {
      out.push(await generate(r, prompt, { maxNewTokens: decode, nPositions: config.n_positions }));
    }
    await r.close();
    return out;
  };
  const t = performance.now();
  const runner = await createRunner(model, config, { backend, step, threads });
  const setup = performance.now() - t;
  await runner.nextLogits(prompt.slice(0, 4)); // warm-up
  const cached = await runs(runner);
  const recomputes = recompute
    ? (await runs(await createRunner(model, config, { backend, threads }))).map((g) =>
      g.tokensPerSecond
    )
    : [];
  const ceiling = runner.backend === "cpu"
    ? undefined
    : await matmulCeiling(model.stateDict(), config, runner.backend, threads);
  const prefill = median(cached.map((g) => g.prefillMs));
  return {
    backend: runner.backend,
    setup_ms: round(setup, 0),
    prefill_ms: round(prefill, 1),
    prefill_tokens_per_s: round(prompt.length / (prefill / 1000)),
    decode_tokens_per_s: round(median(cached.map((g) => g.tokensPerSecond))),
    ...(recompute ? { decode_recompute_tokens_per_s: round(median(recomputes)) } : {}),
    ...(ceiling ? { matmul_only_tokens_per_s: round(1000 / median(ceiling)) } : {}),
    generated_ids: cached.at(-1)!.ids,
    notices: runner.notices,
  };
}

async function python(
  args: string[],
): Promise<{ ok: true; out: string } | { ok: false; why: string }> {
  if (!await exists(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  try {
    const out = await new Deno.Command(PYTHON, { args, stdout: "piped", stderr: "piped" }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
      return { ok: false, why: err ?? "failed" };
    }
    return { ok: true, out: new TextDecoder().decode(out.stdout) };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

// Read bandwidth on `threads` threads: numpy reading 1 GiB (summed as int64 on one thread, a
// float32 matrix-vector product through OpenBLAS on more), best of 3; else a JavaScript loop.
async function readBandwidth(threads: number): Promise<{ gb_per_s: number; method: string }> {
  const read = threads === 1
    ? "a.view(np.int64).sum()"
    : "a.reshape(-1, 8192) @ np.ones(8192, dtype=np.float32)";
  const r = await python([
    "-c",
    `import os; os.environ["OPENBLAS_NUM_THREADS"] = "${threads}"\n` +
    "import numpy as np, time\n" +
    "a = np.ones(1 << 28, dtype=np.float32); best = 0\n" +
    "for _ in range(3):\n" +
    `  t = time.perf_counter(); ${read}; best = max(best, a.nbytes / (time.perf_counter() - t))\n` +
    "print(best / 1e9)",
  ]);
  if (r.ok) {
    return {
      gb_per_s: round(Number(r.out)),
      method: `numpy reading 1 GiB (${read}, ${threads} thread(s)), best of 3`,
    };
  }
  const a = new BigInt64Array(1 << 25);
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    let s = 0n;
    for (let i = 0; i < a.length; i++) s |= a[i];
    best = Math.max(best, a.byteLength / ((performance.now() - t) / 1000) + Number(s));
  }
  return {
    gb_per_s: round(best / 1e9),
    method:
      `JavaScript loop over 256 MiB on 1 thread (a lower bound; numpy not available: ${r.why})`,
  };
}

const USAGE = `Usage: deno task bench [--model-dir DIR] [--prompt-tokens N>=1] [--decode N>=2]
  [--repeat N>=1] [--threads N>=1] [--backends ${BACKENDS.join(",")}] [--recompute] [--no-torch]`;

function whole(option: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${option} takes a whole number of at least ${min}, got "${value}".`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandLine(argv, {
    "model-dir": { type: "string" },
    "prompt-tokens": { type: "string", default: "32" },
    decode: { type: "string", default: "32" },
    repeat: { type: "string", default: "3" },
    backends: { type: "string" },
    recompute: { type: "boolean", default: false },
    threads: { type: "string", default: "1" },
    "no-torch": { type: "boolean", default: false },
  }, 0);
  const promptTokens = whole("--prompt-tokens", v["prompt-tokens"], 1);
  const decode = whole("--decode", v.decode, 2);
  const repeat = whole("--repeat", v.repeat, 1);
  const threads = whole("--threads", v.threads, 1);
  const gpu = await probeGpu();
  const backends = (v.backends ?? `cpu,wasm,native${gpu.adapter === "hardware" ? ",webgpu" : ""}`)
    .split(",") as Backend[];
  const unknown = backends.find((b) => !BACKENDS.includes(b));
  if (unknown !== undefined) {
    throw new UsageError(`Unknown backend "${unknown}" in --backends: use ${BACKENDS.join(", ")}.`);
  }
  const dir = v["model-dir"] ?? DEFAULT_DIR;
  if (!await exists(`${dir}/model.safetensors`)) {
    if (v["model-dir"]) throw new Error(`No model.safetensors in ${dir}`);
    log(`writing a 124M-parameter random GPT-2 to ${dir} (once)`);
    await writeRandomGpt2(dir, GPT2_SMALL, 0);
  }
  const config = loadConfig(`${dir}/config.json`);
  const model = withoutInit(() => new GPT2(config));
  model.loadStateDict(loadStateDict(`${dir}/model.safetensors`));
  const prompt = Array.from(
    { length: promptTokens },
    (_, i) => (i * 1009 + 17) % config.vocab_size,
  );
  const results: BackendResult[] = [];
  const skipped: { backend: Backend; why: string }[] = [];
  for (const b of backends) {
    log(`${b}: prefill ${promptTokens} tokens, decode ${decode} (KV cache), ${repeat} runs`);
    try {
      results.push(await measureBackend(model, b, prompt, decode, repeat, v.recompute, threads));
    } catch (e) {
      // a backend named on the command line must run; a default one may be missing here
      if (!(e instanceof BackendError) || v.backends) throw e;
      log(`${b} skipped: ${e.message}`);
      skipped.push({ backend: b, why: e.message });
    }
  }
  log("memory read bandwidth");
  const bandwidth = await readBandwidth(threads);
  const perToken = bytesPerToken(`${dir}/model.safetensors`, config);
  const limit = bandwidth.gb_per_s * 1e9 / perToken;
  let torch: Record<string, unknown> = { skipped: "--no-torch" };
  if (!v["no-torch"]) {
    log(`PyTorch: the same model and prompt, ${threads} thread(s)`);
    const r = await python([
      kitPath("pytorch", "bench_torch.py"),
      "--model-dir",
      dir,
      "--prompt-ids",
      prompt.join(","),
      "--decode",
      String(decode),
      "--repeat",
      String(repeat),
      "--threads",
      String(threads),
      ...(v.recompute ? [] : ["--skip-recompute"]),
    ]);
    torch = r.ok
      ? JSON.parse(r.out)
      : { skipped: `PyTorch did not run (${r.why}); install it: see pytorch/README.md` };
  }
  const t = torch as {
    prefill_ms?: number;
    kv_cache?: { tokens_per_s: number; generated_ids: number[] };
  };
  const tokens = t.kv_cache;
  const ids = results[0].generated_ids;
  const vsTorch = (r: { prefill_ms: number; decode_tokens_per_s: number }) =>
    t.prefill_ms && t.kv_cache
      ? {
        prefill_time_vs_torch: round(r.prefill_ms / t.prefill_ms),
        decode_speed_vs_torch: round(r.decode_tokens_per_s / t.kv_cache.tokens_per_s),
      }
      : {};
  console.log(JSON.stringify(
    {
      model: { dir, ...config, file_bytes: (await Deno.stat(`${dir}/model.safetensors`)).size },
      prompt_tokens: promptTokens,
      decode_tokens: decode,
      repeat,
      threads,
      memory: {
        read_gb_per_s: bandwidth.gb_per_s,
        method: bandwidth.method,
        weight_bytes_read_per_token: perToken,
        decode_limit_tokens_per_s: round(limit),
      },
      results: results.map(({ generated_ids: _, ...r }) => ({
        ...r,
        decode_share_of_bandwidth_limit: round(r.decode_tokens_per_s / limit),
        ...(r.matmul_only_tokens_per_s
          ? {
            matmul_only_share_of_bandwidth_limit: round(r.matmul_only_tokens_per_s / limit),
            decode_share_of_matmul_only: round(r.decode_tokens_per_s / r.matmul_only_tokens_per_s),
          }
          : {}),
        ...vsTorch(r),
      })),
      ...(skipped.length ? { skipped } : {}),
      generated_ids: ids.join(","),
      backends_agree: results.every((r) => r.generated_ids.join(",") === ids.join(",")),
      torch: tokens ? { ...torch, kv_cache: { tokens_per_s: tokens.tokens_per_s } } : torch,
      torch_agrees: tokens ? tokens.generated_ids.join(",") === ids.join(",") : undefined,
    },
    null,
    2,
  ));
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
