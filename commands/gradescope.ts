/**
 * `deno task gradescope OUTDIR`: writes a Gradescope autograder bundle — zip OUTDIR's contents
 * and upload them as the assignment's autograder.
 *
 * ```
 * deno task gradescope OUTDIR [--model tiny|gpt2] [--refs FILE | --weights FILE --config FILE
 *   --refs FILE] [--time-limit S] [--memory-limit MB]
 * ```
 *
 * OUTDIR (new or empty) gets `setup.sh` and `run_autograder` (from `platforms/gradescope/`),
 * `grading.env` (the options `run_autograder` grades with) and `kit/`: this kit as the student
 * template writes it (no solutions), with the model files chosen here copied in. Gradescope
 * runs `setup.sh` once when it builds the image (Deno 2.9.6, the npm packages, one grading of
 * the stubs) and `run_autograder` for each submission: it grades `/autograder/submission` with
 * `kit/` and writes `/autograder/results/results.json`. Exit code 0 when written, 2 for bad
 * arguments, 1 when it cannot be written.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { GPT2, gradeContext, type ModelFiles, selectModel, TINY } from "../grader/context.ts";
import { DEFAULT_LIMITS } from "../grader/run_stage.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { GRADING_OPTIONS, positiveNumber } from "./_grading_setup.ts";
import { freshOutputDir, writeStudentTemplate } from "./student_template.ts";

const USAGE = `Usage: deno task gradescope OUTDIR [options]

Writes a Gradescope autograder bundle to OUTDIR (new or empty): setup.sh, run_autograder and
the kit without its solutions. Zip OUTDIR's contents and upload the zip to Gradescope.

Options:
  --model tiny|gpt2    the model to grade on (default: gpt2 when set up, else tiny)
  --refs FILE          grade against these references instead of the model's own (hidden
                       checks: make FILE with \`deno task refs\`)
  --weights FILE --config FILE --refs FILE
                       grade on other weights
  --time-limit S       seconds one stage may run (default ${DEFAULT_LIMITS.timeLimitMs / 1000})
  --memory-limit MB    memory one stage may use (default ${DEFAULT_LIMITS.memoryLimitMb}; give
                       Gradescope's machine more than that)
  --help               this text`;

/** The bundle's scripts, copied from `platforms/gradescope/`. */
const SCRIPTS = ["setup.sh", "run_autograder"];

/** The real GPT-2's files, as `deno task setup` leaves them in `data/gpt2/`. */
const GPT2_FILES = [
  "config.json",
  "model.safetensors",
  "reference.safetensors",
  "vocab.json",
  "merges.txt",
];

/** Where chosen model files go in the bundle's kit. */
const GRADING_DIR = "data/grading";

/**
 * The files to copy into the bundle's kit (source, path in the kit) and the model options that
 * name them there.
 *
 * @param files the model chosen
 * @returns the copies and the options
 */
export function bundleModel(files: ModelFiles): { copies: [string, string][]; args: string[] } {
  const refs = (own: string): { copies: [string, string][]; args: string[] } =>
    files.refsPath === own ? { copies: [], args: [] } : {
      copies: [[files.refsPath!, `${GRADING_DIR}/references.safetensors`]],
      args: ["--refs", `${GRADING_DIR}/references.safetensors`],
    };
  if (files.model === "tiny") {
    const r = refs(TINY.refsPath);
    return { copies: r.copies, args: ["--model", "tiny", ...r.args] };
  }
  if (files.model === "gpt2") {
    const r = refs(GPT2.refsPath);
    const copies = GPT2_FILES.map((f): [string, string] => [
      kitPath("data", "gpt2", f),
      `data/gpt2/${f}`,
    ]);
    return { copies: [...copies, ...r.copies], args: ["--model", "gpt2", ...r.args] };
  }
  return {
    copies: [
      [files.weightsPath, `${GRADING_DIR}/model.safetensors`],
      [files.configPath, `${GRADING_DIR}/config.json`],
      [files.refsPath!, `${GRADING_DIR}/references.safetensors`],
    ],
    args: [
      "--weights",
      `${GRADING_DIR}/model.safetensors`,
      "--config",
      `${GRADING_DIR}/config.json`,
      "--refs",
      `${GRADING_DIR}/references.safetensors`,
    ],
  };
}

/**
 * Writes the bundle.
 *
 * @param outDir a new or empty directory outside the kit
 * @param files the model to grade on
 * @param limits the limits of a stage
 * @returns the options `run_autograder` grades with
 * @throws {UsageError} when `outDir` is not empty or lies inside the kit
 * @throws {Error} when the model's files are missing or broken (nothing is written then)
 */
export async function writeGradescopeBundle(
  outDir: string,
  files: ModelFiles,
  limits: { timeLimitS: number; memoryLimitMb: number },
): Promise<string> {
  try {
    gradeContext(files);
  } catch (e) {
    throw new Error(`Cannot grade with that model: ${(e as Error).message}`);
  }
  const out = await freshOutputDir(outDir);
  await writeStudentTemplate(`${out}/kit`);
  const model = bundleModel(files);
  for (const [from, to] of model.copies) {
    await Deno.mkdir(`${out}/kit/${to}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.copyFile(from, `${out}/kit/${to}`);
  }
  for (const script of SCRIPTS) {
    await Deno.copyFile(kitPath("platforms", "gradescope", script), `${out}/${script}`);
    await Deno.chmod(`${out}/${script}`, 0o755);
  }
  const args = [
    ...model.args,
    "--time-limit",
    String(limits.timeLimitS),
    "--memory-limit",
    String(limits.memoryLimitMb),
  ].join(" ");
  await Deno.writeTextFile(
    `${out}/grading.env`,
    "# Written by `deno task gradescope`: the options run_autograder grades with, in kit/.\n" +
      `GPT2KIT_CHECK_ARGS="${args}"\n`,
  );
  return args;
}

async function main(): Promise<number> {
  const { values: v, positionals } = parseCommandLine(Deno.args, {
    ...GRADING_OPTIONS,
    help: { type: "boolean", default: false },
  }, 1);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (!positionals[0]) throw new UsageError("Say where to write the bundle: OUTDIR.");
  const files = selectModel(v, true);
  const args = await writeGradescopeBundle(positionals[0], files, {
    timeLimitS: positiveNumber(v["time-limit"], "--time-limit"),
    memoryLimitMb: positiveNumber(v["memory-limit"], "--memory-limit"),
  });
  console.log(`Wrote the Gradescope autograder to ${positionals[0]}: it grades with`);
  console.log(`  deno task check all ${args}`);
  console.log(
    `Next: (cd ${positionals[0]} && zip -r ../autograder.zip .), then upload autograder.zip ` +
      "as the assignment's autograder (Ubuntu base image).",
  );
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
