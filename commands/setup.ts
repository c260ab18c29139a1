/**
 * `deno task setup`: downloads the real GPT-2 (124M) from Hugging Face, verifies it, and builds
 * the grader's references for it, so that `deno task check N` and `deno task generate` use it.
 *
 * ```
 * deno task setup [--model gpt2] [--endpoint URL] [--dir DIR] [--stall-timeout S]
 * ```
 *
 * The files of `openai-community/gpt2` at a pinned revision go to `data/gpt2/`: `config.json`,
 * `vocab.json`, `merges.txt` and `model.safetensors` (548 MB), each checked by size and
 * SHA-256 before it is put in place (see `download.ts`: resume, retries, timeouts, free space).
 * Then the references (`reference.safetensors`) are computed with the kit's solutions, like
 * `deno task refs`; a copy of the kit without `solutions/` says where to put the file an
 * instructor gives out instead. A second run finds everything in place and does nothing.
 *
 * Exit code 0 when the model is ready (or needs only the instructor's references), 1 when a
 * download fails (the message says why and what to do), 2 for bad arguments.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import { SafetensorsFile, writeSafetensors } from "../lib/safetensors.ts";
import { absolute } from "../grader/context.ts";
import { REFERENCE_FORMAT } from "../grader/references.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import {
  download,
  DownloadError,
  type DownloadOptions,
  type ExpectedFile,
  formatBytes,
  progressReporter,
  type Reporter,
} from "./_download.ts";
import { exists } from "./_files.ts";

/** The Hugging Face repository of GPT-2 (124M). */
export const GPT2_REPO = "openai-community/gpt2";

/**
 * The revision downloaded: the commit of `openai-community/gpt2` whose files are listed in
 * {@linkcode GPT2_FILES} (pinned, so that the hashes can never move under us).
 */
export const GPT2_REVISION = "607a30d783dfa663caf39e06633721c8d4cfcd7e";

/** The files of GPT-2 at {@linkcode GPT2_REVISION}, the small ones first. */
export const GPT2_FILES: readonly ExpectedFile[] = [
  {
    name: "config.json",
    size: 665,
    sha256: "0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4",
  },
  // byte-identical to data/tokenizer/ (see its SHA256SUMS)
  {
    name: "vocab.json",
    size: 1_042_301,
    sha256: "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
  },
  {
    name: "merges.txt",
    size: 456_318,
    sha256: "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
  },
  {
    name: "model.safetensors",
    size: 548_105_171,
    sha256: "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707",
  },
];

/** The hub, unless `--endpoint` or `HF_ENDPOINT` names a mirror. */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Where the real GPT-2 goes: the directory of `GPT2` in `grader/context.ts`. */
export const DEFAULT_DIR: string = kitPath("data", "gpt2");

/** The references' file name in the model's directory. */
const REFERENCES = "reference.safetensors";

/** Memory one copy of GPT-2 (124M) takes while the references are computed, in bytes. */
const BYTES_PER_REFERENCE_JOB = 1.5e9;

/** Room kept free for the references (13 MB for the default prompts), in bytes. */
const REFERENCES_RESERVE = 50e6;

const USAGE = `Usage: deno task setup [options]

Downloads the real GPT-2 (124M, ${GPT2_REPO} at revision ${GPT2_REVISION.slice(0, 7)}, about 550 MB)
into data/gpt2/, verifies it, and builds the grader's references for it. Afterwards
\`deno task check N\` and \`deno task generate\` use it (--model tiny: the bundled tiny model).

Options:
  --model gpt2         the model to set up (the only one)
  --endpoint URL       a mirror of huggingface.co (default: $HF_ENDPOINT, else ${DEFAULT_ENDPOINT})
  --dir DIR            where to put the files (default data/gpt2)
  --stall-timeout S    give up on a download that sends nothing for S seconds (default 30)
  --help               this text

An interrupted download resumes where it stopped when you run the command again.`;

/** What {@linkcode setup} needs: where from, where to, and the download's knobs. */
export interface SetupOptions
  extends Omit<DownloadOptions, "repo" | "revision" | "files" | "reserveBytes"> {
  /** The files to fetch (default {@linkcode GPT2_FILES}; tests use small fake ones). */
  files?: readonly ExpectedFile[];
  /** The solutions that build the references (default `solutions/`). */
  solutionsDir?: string;
}

/** What {@linkcode setup} did. */
export interface SetupResult {
  /** The files downloaded by this run. */
  fetched: string[];
  /** The references: already there, built by this run, or missing (no solutions). */
  references: "present" | "built" | "missing";
}

/**
 * Downloads and verifies the model's files, then makes sure the references are there.
 *
 * @param options where from, where to
 * @returns what was done
 * @throws {DownloadError} when a file cannot be downloaded and verified
 */
export async function setup(options: SetupOptions): Promise<SetupResult> {
  const { files = GPT2_FILES, solutionsDir, ...rest } = options;
  const reporter = options.reporter ?? progressReporter();
  const dir = options.dir;
  const total = files.reduce((n, f) => n + f.size, 0);
  reporter.note(
    `Setting up GPT-2: ${GPT2_REPO} at revision ${GPT2_REVISION.slice(0, 7)} from ` +
      `${options.endpoint} into ${relative(dir)} (${files.length} files, ${formatBytes(total)}).`,
  );
  const { fetched } = await download({
    ...rest,
    repo: GPT2_REPO,
    revision: GPT2_REVISION,
    files,
    reporter,
    reserveBytes: REFERENCES_RESERVE,
  });
  const weights = files.find((f) => f.name === "model.safetensors");
  const references = weights
    ? await ensureReferences(dir, weights.sha256, reporter, solutionsDir)
    : "missing";
  if (!fetched.length && references === "present") {
    reporter.note(
      `Nothing to do: the ${files.length} files in ${relative(dir)} are all there and verified, ` +
        "and so are the references.",
    );
  }
  reporter.note(closing(dir, references));
  return { fetched, references };
}

/** What to do next, once the files are in `dir`. */
function closing(dir: string, references: SetupResult["references"]): string {
  if (references === "missing") {
    return "Until the references are there, `deno task check N` grades on the bundled tiny model.";
  }
  if (dir === DEFAULT_DIR) {
    return "GPT-2 is ready: `deno task check N` and `deno task generate` now use it " +
      "(add --model tiny for the bundled tiny model).";
  }
  const at = (name: string) => relative(`${dir}/${name}`);
  return `GPT-2 is ready in ${relative(dir)}. Grade on it with \`deno task check N --weights ` +
    `${at("model.safetensors")} --config ${at("config.json")} --refs ${at(REFERENCES)}\` ` +
    "(the checks that compare with GPT-2's known numbers run only from data/gpt2).";
}

/** Whether a reference file was made from the weights with this digest. */
function madeFrom(path: string, weightsSha256: string): boolean {
  try {
    using file = SafetensorsFile.open(path);
    return file.metadata.format === REFERENCE_FORMAT &&
      file.metadata.weights_sha256 === weightsSha256;
  } catch {
    return false; // not a readable reference file
  }
}

/**
 * Makes sure `dir` holds references made from its weights: keeps them, builds them with the
 * solutions, or says where to put the instructor's file.
 */
async function ensureReferences(
  dir: string,
  weightsSha256: string,
  reporter: Reporter,
  solutionsDir = kitPath("solutions"),
): Promise<SetupResult["references"]> {
  const out = `${dir}/${REFERENCES}`;
  if (await exists(out)) {
    if (madeFrom(out, weightsSha256)) return "present";
    // kept, but out of the grader's way: it would fail every check on these weights
    await Deno.rename(out, `${out}.old`);
    reporter.note(
      `${relative(out)} was not made from these weights: moved it to ${REFERENCES}.old.`,
    );
  }
  const solutions = ["1_tokenizer.ts", "5_gpt2.ts"].map((f) => `${solutionsDir}/${f}`);
  if (!(await Promise.all(solutions.map(exists))).every(Boolean)) {
    reporter.note(
      `The grader also needs ${REFERENCES}, its reference activations for these weights, and ` +
        "this copy of the kit has no solutions/ to compute them: ask your instructor for the " +
        `file and put it at ${relative(out)}.`,
    );
    return "missing";
  }
  // imported only now: a copy of the kit without solutions/ cannot load it
  const refs = await import("./refs.ts");
  // the prompts and as many new tokens as the bundled references have
  const { prompts, maxNewTokens } = refs.referenceDefaults();
  reporter.note(
    `Computing the grader's references with solutions/ (${prompts.length} prompts, ` +
      `${maxNewTokens} new tokens each; a minute or two)…`,
  );
  const started = performance.now();
  const contents = await refs.computeReferences(
    {
      weightsPath: `${dir}/model.safetensors`,
      configPath: `${dir}/config.json`,
      prompts,
      maxNewTokens,
      jobs: referenceJobs(),
    },
    (k: number) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      reporter.note(`  prompt ${k + 1} of ${prompts.length} done (${seconds} s)`);
    },
  );
  writeSafetensors(out, contents.tensors, contents.metadata);
  reporter.note(`Wrote ${relative(out)}.`);
  return "built";
}

/**
 * Prompts computed at once: one per CPU, as far as the free memory holds a copy of the model
 * for each; undefined (the refs tool's default) when the memory cannot be read.
 */
function referenceJobs(): number | undefined {
  const allowed = Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" });
  if (allowed.state !== "granted") return undefined;
  const fit = Math.floor(Deno.systemMemoryInfo().available / BYTES_PER_REFERENCE_JOB);
  return Math.max(1, Math.min(navigator.hardwareConcurrency, fit));
}

/** The command line, read. */
export interface SetupArgs {
  /** The hub or mirror. */
  endpoint: string;
  /** Where the files go (absolute). */
  dir: string;
  /** The stall timeout, in milliseconds. */
  stallTimeoutMs: number;
}

/**
 * Reads the command line: `--endpoint` wins over `HF_ENDPOINT`, which wins over the hub.
 *
 * @param argv the arguments
 * @param env reads an environment variable
 * @returns the settings, or `"help"`
 * @throws {UsageError} for an unknown option, another model, a bad URL or timeout
 */
export function parseSetupArgs(
  argv: string[],
  env: (name: string) => string | undefined,
): SetupArgs | "help" {
  const { values: v } = parseCommandLine(argv, {
    model: { type: "string", default: "gpt2" },
    endpoint: { type: "string" },
    dir: { type: "string" },
    "stall-timeout": { type: "string", default: "30" },
    help: { type: "boolean", default: false },
  }, 0);
  if (v.help) return "help";
  if (v.model !== "gpt2") {
    throw new UsageError(
      `Unknown --model "${v.model}": only gpt2 can be set up (tiny is bundled with the kit).`,
    );
  }
  const fromEnv = env("HF_ENDPOINT") || undefined;
  const endpoint = v.endpoint ?? fromEnv ?? DEFAULT_ENDPOINT;
  const source = v.endpoint !== undefined ? "--endpoint" : fromEnv ? "HF_ENDPOINT" : "";
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // reported below
  }
  if (!url || !["http:", "https:"].includes(url.protocol)) {
    throw new UsageError(
      `${source} "${endpoint}" is not an http(s) URL, e.g. https://huggingface.co.`,
    );
  }
  const seconds = Number(v["stall-timeout"]);
  if (!(seconds > 0)) {
    throw new UsageError(`--stall-timeout takes a number of seconds, got "${v["stall-timeout"]}".`);
  }
  const dir = v.dir === undefined ? DEFAULT_DIR : absolute(v.dir);
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    dir: dir.replace(/\/+$/, ""),
    stallTimeoutMs: seconds * 1000,
  };
}

/** What to do about a failed download, by its reason: one or two sentences. */
function advice(e: DownloadError, args: SetupArgs): string {
  const mirror = "a mirror of huggingface.co may help: --endpoint URL, or HF_ENDPOINT=URL";
  switch (e.reason) {
    case "unreachable":
      return "No network? The kit works without the real GPT-2: `deno task check N --model " +
        `tiny\` grades on the bundled tiny model. Behind a firewall, ${mirror}.`;
    case "not-found":
      return `Is ${args.endpoint} a Hugging Face hub or mirror with ${GPT2_REPO} at revision ` +
        `${GPT2_REVISION}? Files are fetched from <endpoint>/<repo>/resolve/<revision>/<file>.`;
    case "denied":
      return "GPT-2 is public on huggingface.co and needs no login or token. If you use a " +
        "mirror (--endpoint or HF_ENDPOINT), check its address, or whether it wants a token " +
        "(not supported); a proxy or firewall may also refuse the download.";
    case "server":
      return `If the server's trouble lasts, ${mirror}.`;
    case "timeout":
    case "interrupted":
      return `Run \`deno task setup\` again to go on; if the server stays slow, ${mirror}.`;
    case "disk":
      return "Free some space, or put the model on another disk with --dir DIR.";
    default:
      return "";
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseSetupArgs(argv, (name) => Deno.env.get(name));
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    await setup({ endpoint: args.endpoint, dir: args.dir, stallTimeoutMs: args.stallTimeoutMs });
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    throw new Error([e.message, advice(e, args)].filter(Boolean).join("\n"));
  }
  return 0;
}

if (import.meta.main) await runTool(USAGE, () => main(Deno.args));
