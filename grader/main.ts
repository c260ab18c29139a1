/**
 * `deno task check <N|all>`: grades the learner's stages.
 *
 * ```
 * deno task check <N|all> [--solutions] [--exercises DIR] [--model tiny|gpt2]
 *   [--weights FILE --config FILE --refs FILE] [--format pretty|json] [--verbose]
 * ```
 *
 * Exit code 0 only when every requested stage passes; 2 for bad arguments.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { kitPath } from "../lib/paths.ts";
import { GPT2, gradeContext, hasRealModel, type ModelFiles, TINY } from "./context.ts";
import { jsonReport } from "./report/json.ts";
import { formatStage, nextStep, styles } from "./report/pretty.ts";
import { gradeStage } from "./run_stage.ts";
import type { StageResult } from "./stage.ts";
import { STAGES } from "./stages/mod.ts";

const USAGE = `Usage: deno task check <N|all> [options]

Grades stage N (1-${STAGES.length}) of your exercises, or all of them.

Options:
  --solutions          grade the reference solutions instead of exercises/
  --exercises DIR      grade the stage files in DIR
  --model tiny|gpt2    the bundled tiny model, or the real GPT-2 after \`deno task setup\`
                       (default: gpt2 when set up, else tiny)
  --weights FILE --config FILE --refs FILE
                       grade against other weights and references (see \`deno task refs\`)
  --format pretty|json report format (default pretty)
  --time-limit S       seconds one stage may run (default 120)
  --memory-limit MB    memory one stage may use (default 4096)
  --verbose            show every check's details and everything your code printed
  --help               this text`;

/** Thrown for bad command-line arguments: printed with the usage, exit code 2. */
class UsageError extends Error {}

interface Options {
  stages: number[];
  learnerDir: string;
  files: ModelFiles;
  format: "pretty" | "json";
  verbose: boolean;
  timeLimitMs: number;
  memoryLimitMb: number;
}

function parse(argv: string[]): Options | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        solutions: { type: "boolean", default: false },
        exercises: { type: "string" },
        model: { type: "string" },
        weights: { type: "string" },
        config: { type: "string" },
        refs: { type: "string" },
        format: { type: "string", default: "pretty" },
        "time-limit": { type: "string", default: "120" },
        "memory-limit": { type: "string", default: "4096" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return "help";
  if (positionals.length !== 1) throw new UsageError("Say which stage to check: a number or all");
  const which = positionals[0];
  const stages = which === "all" ? STAGES.map((s) => s.number) : [Number(which)];
  if (!stages.every((n) => STAGES.some((s) => s.number === n))) {
    throw new UsageError(
      `There is no stage "${which}": choose ${STAGES.map((s) => s.number).join(", ")} or all`,
    );
  }
  if (v.solutions && v.exercises) throw new UsageError("Use --solutions or --exercises, not both");
  if (v.format !== "pretty" && v.format !== "json") {
    throw new UsageError(`Unknown --format "${v.format}": use pretty or json`);
  }
  const custom = [v.weights, v.config, v.refs].filter((x) => x !== undefined).length;
  if (custom !== 0 && custom !== 3) {
    throw new UsageError("--weights, --config and --refs go together: give all three");
  }
  if (custom && v.model) throw new UsageError("Use --model or --weights/--config/--refs, not both");
  let files: ModelFiles;
  if (custom) {
    files = {
      model: "custom",
      weightsPath: absolute(v.weights!),
      configPath: absolute(v.config!),
      refsPath: absolute(v.refs!),
      tokenizerDir: TINY.tokenizerDir,
    };
  } else if (v.model === "tiny" || (!v.model && !hasRealModel())) files = TINY;
  else if (v.model === "gpt2" || !v.model) {
    if (!hasRealModel()) {
      throw new UsageError(
        "The real GPT-2 is not downloaded yet: run `deno task setup` first (or use --model tiny)",
      );
    }
    files = GPT2;
  } else throw new UsageError(`Unknown --model "${v.model}": use tiny or gpt2`);
  const seconds = Number(v["time-limit"]), mb = Number(v["memory-limit"]);
  if (!(seconds > 0) || !(mb > 0)) {
    throw new UsageError("--time-limit and --memory-limit take positive numbers");
  }
  return {
    stages,
    learnerDir: v.solutions ? kitPath("solutions") : absolute(v.exercises ?? kitPath("exercises")),
    files,
    format: v.format,
    verbose: v.verbose,
    timeLimitMs: seconds * 1000,
    memoryLimitMb: mb,
  };
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  let ctx;
  try {
    ctx = gradeContext(options.files);
  } catch (e) {
    console.error(`Cannot start grading: ${(e as Error).message}`);
    return 1;
  }
  const s = styles(Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"));
  const results: StageResult[] = [];
  for (const n of options.stages) {
    const stage = STAGES.find((x) => x.number === n)!;
    const r = await gradeStage(stage, ctx, {
      learnerDir: options.learnerDir,
      configPath: options.files.configPath,
      weightsPath: options.files.weightsPath,
      tokenizerDir: options.files.tokenizerDir,
      timeLimitMs: options.timeLimitMs,
      memoryLimitMb: options.memoryLimitMb,
    });
    results.push(r);
    if (options.format === "pretty") {
      console.log(formatStage(r, s, options.verbose).join("\n") + "\n");
    }
  }
  if (options.format === "json") console.log(jsonReport(results));
  else {
    console.log(s.dim(`Graded on the ${options.files.model} model.`));
    console.log(s.bold(nextStep(results, STAGES[STAGES.length - 1].number)));
  }
  return results.every((r) => r.status === "pass") ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
