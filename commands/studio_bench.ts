// gpt2-kit: reveals-solutions (runs the studio and deno task generate on the solutions)
/**
 * `deno task studio-bench`: the studio's two speeds, in one run on this machine, in Debian's
 * Chromium — how long after `deno task studio` prints its address the page is ready (tiny
 * model), and how fast the page decodes a GPT-2-small-sized model on WASM beside `deno task
 * generate --backend wasm` on the same model, prompt and token count. Prints one JSON document
 * on stdout (progress goes to stderr).
 *
 * ```
 * deno task studio-bench [--model-dir DIR] [--decode 32] [--repeat 3]
 * ```
 *
 * Both sides run the solutions greedily, with the KV cache (stage 6), on one thread; each figure
 * is the median of `--repeat` runs. Without `--model-dir`, the random 124M model of `deno task
 * bench` (`.cache/bench-gpt2-124m/`) is used, written on first use.
 *
 * @module
 */
import { GPT2_SMALL } from "../lib/config.ts";
import { kitPath } from "../lib/paths.ts";
import {
  generateInPage,
  launchChromium,
  openStudio,
  type PageGeneration,
  showStudio,
  startStudio,
  watchedPage,
} from "../studio/driver.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { exists } from "./_files.ts";
import { taskArgs } from "./_test_helpers.ts";
import { writeRandomGpt2 } from "./random_gpt2.ts";

const USAGE = `Usage: deno task studio-bench [options]

Measures, in Debian's Chromium, how soon the studio's page is ready (tiny model) and how fast
it decodes a 124M-parameter GPT-2 on WASM beside \`deno task generate --backend wasm\`.

Options:
  --model-dir DIR   the 124M model (config.json, model.safetensors); default: a random one in
                    .cache/bench-gpt2-124m/, written on first use
  --decode N        new tokens per run (default 32)
  --repeat N        runs per figure (default 3)
  --help            this text`;

const DEFAULT_DIR = kitPath(".cache", "bench-gpt2-124m");

/** A prompt of about 32 tokens. */
const PROMPT = "Once upon a time, in a small village by the sea, there lived an old fisherman " +
  "who told stories to the children every evening about ships.";

function log(message: string): void {
  console.error(`studio-bench: ${message}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function round(x: number, digits = 2): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} takes a whole number >= ${min}.`);
  }
  return n;
}

/**
 * Time from the printed address to a drawn page, on the tiny model, per run: in a tab opened
 * before (a learner's browser is running when they open the address).
 */
async function pageReady(repeat: number): Promise<number[]> {
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i < repeat; i++) {
      const { page } = await watchedPage(browser);
      const studio = await startStudio(["--solutions", "--model", "tiny"]);
      await showStudio(page, studio.url);
      times.push(performance.now() - studio.printedAt);
      await page.close();
      await studio.stop();
    }
  } finally {
    await browser.close();
  }
  return times;
}

/** `deno task generate --backend wasm --json`, per run. */
async function cliRuns(dir: string, decode: number, repeat: number) {
  const runs: { ids: number[]; promptIds: number[]; tokensPerSecond: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        ...await taskArgs("generate"),
        ...["--solutions", "--backend", "wasm", "--json", "--prompt", PROMPT],
        ...["--max-new-tokens", String(decode)],
        ...["--weights", `${dir}/model.safetensors`, "--config", `${dir}/config.json`],
      ],
      cwd: kitPath(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    runs.push({ ids: r.generated_ids, promptIds: r.prompt_ids, tokensPerSecond: r.tokens_per_s });
  }
  return runs;
}

/** The studio's Generate panel on the same model, per run (the model loaded once). */
async function pageRuns(dir: string, decode: number, repeat: number): Promise<PageGeneration[]> {
  const browser = await launchChromium();
  const studio = await startStudio([
    ...["--solutions", "--weights", `${dir}/model.safetensors`],
    ...["--config", `${dir}/config.json`],
  ]);
  const runs: PageGeneration[] = [];
  try {
    const { page } = await openStudio(browser, studio.url);
    for (let i = 0; i < repeat; i++) {
      runs.push(await generateInPage(page, "studio", PROMPT, decode, 600_000));
    }
  } finally {
    await browser.close();
    await studio.stop();
  }
  return runs;
}

async function main(): Promise<number> {
  const { values: v } = parseCommandLine(Deno.args, {
    "model-dir": { type: "string" },
    decode: { type: "string", default: "32" },
    repeat: { type: "string", default: "3" },
    help: { type: "boolean", default: false },
  }, 0);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const decode = whole("--decode", v.decode, 2);
  const repeat = whole("--repeat", v.repeat, 1);
  const dir = v["model-dir"] ?? DEFAULT_DIR;
  if (!await exists(`${dir}/model.safetensors`)) {
    if (v["model-dir"]) throw new Error(`No model.safetensors in ${dir}`);
    log(`writing a 124M-parameter random GPT-2 to ${dir} (once)`);
    await writeRandomGpt2(dir, GPT2_SMALL, 0);
  }
  log(`page ready, tiny model, ${repeat} runs`);
  const ready = await pageReady(repeat);
  log(`deno task generate --backend wasm, 124M, ${decode} tokens, ${repeat} runs`);
  const cli = await cliRuns(dir, decode, repeat);
  log(`the studio's page on WASM, 124M, ${decode} tokens, ${repeat} runs`);
  const page = await pageRuns(dir, decode, repeat);
  const cliSpeed = median(cli.map((r) => r.tokensPerSecond));
  const pageSpeed = median(page.map((r) => r.tokensPerSecond));
  console.log(JSON.stringify(
    {
      page_ready_ms: { median: Math.round(median(ready)), runs: ready.map(Math.round) },
      decode_124m: {
        prompt_tokens: cli[0].promptIds.length,
        new_tokens: decode,
        generate_wasm_tokens_per_s: round(cliSpeed),
        studio_page_tokens_per_s: round(pageSpeed),
        page_backend: page[0].backend,
        ratio: round(pageSpeed / cliSpeed),
        same_ids: page.every((r) => r.ids.join() === cli[0].ids.join()),
        runs: {
          generate: cli.map((r) => round(r.tokensPerSecond)),
          page: page.map((r) => round(r.tokensPerSecond)),
        },
      },
    },
    null,
    2,
  ));
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
