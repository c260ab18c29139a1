/**
 * `deno task bench`: generation speed of the reference GPT-2 on each backend, side by side with
 * PyTorch running the same model, the same prompt, on the same number of threads, in the same
 * run. Prints one JSON document on stdout (progress goes to stderr).
 *
 * ```
 * deno task bench [--model-dir DIR] [--prompt-tokens 32] [--decode 32]
 *   [--backends cpu,wasm,webgpu] [--no-torch]
 * ```
 *
 * Without `--model-dir` it uses a GPT-2-small-sized model with seeded random weights, written
 * to `.cache/bench-gpt2-124m/` on first use. PyTorch (`/usr/bin/python3` with torch, see
 * tools/README.md) is optional: without it the PyTorch column is skipped with a notice.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Backend, createRunner } from "../lib/backends.ts";
import { loadStateDict } from "../lib/checkpoint.ts";
import { GPT2_SMALL, loadConfig } from "../lib/config.ts";
import { generate } from "../lib/generate.ts";
import { kitPath } from "../lib/paths.ts";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { writeRandomGpt2 } from "./random_gpt2.ts";

const DEFAULT_DIR = kitPath(".cache", "bench-gpt2-124m");

/** One backend's figures. */
interface BackendResult {
  backend: Backend;
  setup_ms: number;
  prefill_ms: number;
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  generated_ids: number[];
  notices: string[];
}

function log(message: string): void {
  console.error(`bench: ${message}`);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function runBackend(
  model: GPT2,
  backend: Backend,
  prompt: number[],
  decode: number,
): Promise<BackendResult> {
  const config = model.config;
  let t = performance.now();
  const runner = await createRunner(model, config, backend);
  const setup = performance.now() - t;
  await runner.nextLogits(prompt.slice(0, 8)); // warm-up
  t = performance.now();
  await runner.nextLogits(prompt);
  const prefill = performance.now() - t;
  const g = await generate(runner, prompt, {
    maxNewTokens: decode,
    nPositions: config.n_positions,
  });
  await runner.close();
  return {
    backend: runner.backend,
    setup_ms: round(setup),
    prefill_ms: round(prefill),
    prefill_tokens_per_s: round(prompt.length / (prefill / 1000)),
    decode_tokens_per_s: round(g.tokensPerSecond),
    generated_ids: g.ids,
    notices: runner.notices,
  };
}

async function runTorch(dir: string, prompt: number[], decode: number): Promise<unknown> {
  const python = "/usr/bin/python3";
  if (!await exists(python)) return { skipped: `${python} not found` };
  try {
    const out = await new Deno.Command(python, {
      args: [
        kitPath("tools", "bench_torch.py"),
        "--model-dir",
        dir,
        "--prompt-ids",
        prompt.join(","),
        "--decode",
        String(decode),
        "--threads",
        "1",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
      return { skipped: `PyTorch did not run (${err}); install it: see tools/README.md` };
    }
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } catch (e) {
    return { skipped: `PyTorch did not run: ${(e as Error).message}` };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      "model-dir": { type: "string" },
      "prompt-tokens": { type: "string", default: "32" },
      decode: { type: "string", default: "32" },
      backends: { type: "string", default: "cpu,wasm" },
      "no-torch": { type: "boolean", default: false },
    },
  });
  const promptTokens = Number(v["prompt-tokens"]), decode = Number(v.decode);
  const backends = v.backends.split(",") as Backend[];
  if (
    !Number.isInteger(promptTokens) || promptTokens < 1 || !Number.isInteger(decode) ||
    decode < 2 || backends.some((b) => !["cpu", "wasm", "webgpu"].includes(b))
  ) {
    console.error(
      "Usage: deno task bench [--model-dir DIR] [--prompt-tokens N>=1] " +
        "[--decode N>=2] [--backends cpu,wasm,webgpu] [--no-torch]",
    );
    return 2;
  }
  const dir = v["model-dir"] ?? DEFAULT_DIR;
  if (!await exists(`${dir}/model.safetensors`)) {
    if (v["model-dir"]) throw new Error(`No model.safetensors in ${dir}`);
    log(`writing a 124M-parameter random GPT-2 to ${dir} (once)`);
    writeRandomGpt2(dir, GPT2_SMALL, 0);
  }
  const config = loadConfig(`${dir}/config.json`);
  const model = new GPT2(config);
  model.loadStateDict(loadStateDict(`${dir}/model.safetensors`));
  const prompt = Array.from(
    { length: promptTokens },
    (_, i) => (i * 1009 + 17) % config.vocab_size,
  );
  const results: BackendResult[] = [];
  for (const b of backends) {
    log(`${b}: prefill ${promptTokens} tokens, decode ${decode}`);
    results.push(await runBackend(model, b, prompt, decode));
  }
  let torch: unknown = { skipped: "--no-torch" };
  if (!v["no-torch"]) {
    log("PyTorch: the same model and prompt, 1 thread");
    torch = await runTorch(dir, prompt, decode);
  }
  const t = torch as { prefill_ms?: number; recompute?: { tokens_per_s: number } };
  const ratios = t.prefill_ms && t.recompute
    ? Object.fromEntries(results.map((r) => [r.backend, {
      prefill_speed_vs_torch: round(t.prefill_ms! / r.prefill_ms),
      decode_speed_vs_torch: round(r.decode_tokens_per_s / t.recompute!.tokens_per_s),
    }]))
    : undefined;
  const same = results.every((r) => r.generated_ids.join() === results[0].generated_ids.join());
  console.log(JSON.stringify(
    {
      model: { dir, ...config, bytes: (await Deno.stat(`${dir}/model.safetensors`)).size },
      prompt_tokens: promptTokens,
      decode_tokens: decode,
      decoding: "greedy, the whole sequence recomputed at every step",
      threads: 1,
      results,
      backends_agree: same,
      torch,
      ratios,
    },
    null,
    2,
  ));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
