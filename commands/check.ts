/**
 * `deno task check <N|all>`: grades the learner's stages.
 *
 * ```
 * deno task check <N|all> [--solutions] [--exercises DIR] [--model tiny|gpt2]
 *   [--weights FILE --config FILE --refs FILE] [--format pretty|json|junit|github]
 *   [--out FILE] [--time-limit S] [--memory-limit MB] [--verbose]
 * ```
 *
 * Reports go to standard output (the JSON and JUnit documents alone there, unless `--out`
 * writes them to a file, atomically, and standard output keeps the pretty report); `github`
 * adds annotations to the pretty report and a table to `$GITHUB_STEP_SUMMARY` when it is set.
 * Points come from `grader/points.json`. Exit code 0 only when every requested stage passes; 1
 * when one does not, or grading cannot start; 2 for bad arguments.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import { absolute, gradeContext, selectModel, solutionsDir } from "../grader/context.ts";
import { loadPoints, type PointsManifest } from "../grader/points.ts";
import { githubAnnotations, stepSummary } from "../grader/report/github.ts";
import { jsonReport } from "../grader/report/json.ts";
import { junitReport } from "../grader/report/junit.ts";
import { formatStage, nextStep, type Styles } from "../grader/report/pretty.ts";
import { totals } from "../grader/report/totals.ts";
import { DEFAULT_LIMITS, gradeStage } from "../grader/run_stage.ts";
import type { StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { parseCommandLine, runTool, stdoutStyles, UsageError } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task check <N|all> [options]

Grades stage N (1-${STAGES.length}) of your exercises, or all of them.

Options:
  --solutions          grade the reference solutions instead of exercises/
  --exercises DIR      grade the stage files in DIR
  --model tiny|gpt2    the bundled tiny model, or the real GPT-2 after \`deno task setup\`
                       (default: gpt2 when set up, else tiny)
  --weights FILE --config FILE --refs FILE
                       grade against other weights and references (see \`deno task refs\`)
  --format F           pretty (default), json, junit, or github (annotations on the pretty
                       report, and a table in $GITHUB_STEP_SUMMARY when it is set)
  --out FILE           write the json/junit/github report to FILE; the pretty report stays
                       on the screen
  --time-limit S       seconds one stage may run (default ${DEFAULT_LIMITS.timeLimitMs / 1000})
  --memory-limit MB    memory one stage may use (default ${DEFAULT_LIMITS.memoryLimitMb})
  --verbose            show every check's details and everything your code printed
  --help               this text`;

const FORMATS = ["pretty", "json", "junit", "github"] as const;
type Format = typeof FORMATS[number];

const OPTIONS = {
  solutions: { type: "boolean", default: false },
  exercises: { type: "string" },
  model: { type: "string" },
  weights: { type: "string" },
  config: { type: "string" },
  refs: { type: "string" },
  format: { type: "string", default: "pretty" },
  out: { type: "string" },
  "time-limit": { type: "string", default: String(DEFAULT_LIMITS.timeLimitMs / 1000) },
  "memory-limit": { type: "string", default: String(DEFAULT_LIMITS.memoryLimitMb) },
  verbose: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

function stagesArg(which: string | undefined): number[] {
  const numbers = STAGES.map((s) => s.number);
  if (which === undefined) throw new UsageError("Say which stage to check: a number or all.");
  const stages = which === "all" ? numbers : [Number(which)];
  if (!/^(all|\d+)$/.test(which) || !stages.every((n) => numbers.includes(n))) {
    throw new UsageError(`There is no stage "${which}": choose ${numbers.join(", ")} or all.`);
  }
  return stages;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${flag} takes a positive number, not "${value}".`);
  return n;
}

/** The report in a machine format, as written to the screen or to `--out`. */
function document(format: Exclude<Format, "pretty">, results: StageResult[]): string {
  if (format === "json") return `${jsonReport(results)}\n`;
  if (format === "junit") return junitReport(results);
  const lines = githubAnnotations(results);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

function summaryLines(results: StageResult[], model: string, s: Styles): string[] {
  const t = totals(results);
  return [
    s.dim(`Graded on the ${model} model: ${t.points} of ${t.maxPoints} points.`),
    s.bold(nextStep(results, STAGES[STAGES.length - 1].number)),
  ];
}

async function main(): Promise<number> {
  const { values: v, positionals } = parseCommandLine(Deno.args, OPTIONS, 1);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const stages = stagesArg(positionals[0]);
  if (v.solutions && v.exercises) throw new UsageError("Use --solutions or --exercises, not both.");
  const format = v.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`Unknown --format "${v.format}": use ${FORMATS.join(", ")}.`);
  }
  if (v.out !== undefined && format === "pretty") {
    throw new UsageError("--out writes a json, junit or github report: add --format.");
  }
  const files = selectModel(v, true);
  const timeLimitMs = positive(v["time-limit"], "--time-limit") * 1000;
  const memoryLimitMb = positive(v["memory-limit"], "--memory-limit");
  const learnerDir = v.solutions
    ? solutionsDir()
    : v.exercises !== undefined
    ? absolute(v.exercises)
    : kitPath("exercises");
  let ctx, points: PointsManifest;
  try {
    ctx = gradeContext(files);
    points = loadPoints(STAGES);
  } catch (e) {
    console.error(`Cannot start grading: ${(e as Error).message}`);
    return 1;
  }
  const s = stdoutStyles();
  const pretty = format === "pretty" || format === "github" || v.out !== undefined;
  // In a GitHub Actions log, no line of the report may act as a workflow command: commands
  // are paused until the annotations (learner text is made inert too, see plain_text.ts).
  const resume = format === "github" ? crypto.randomUUID() : undefined;
  if (resume) console.log(`::stop-commands::${resume}`);
  const results: StageResult[] = [];
  for (const n of stages) {
    const r = await gradeStage(STAGES.find((x) => x.number === n)!, ctx, {
      learnerDir,
      configPath: files.configPath,
      weightsPath: files.weightsPath,
      tokenizerDir: files.tokenizerDir,
      timeLimitMs,
      memoryLimitMb,
      points,
    });
    results.push(r);
    if (pretty) console.log(formatStage(r, s, v.verbose).join("\n") + "\n");
  }
  if (pretty) console.log(summaryLines(results, files.model, s).join("\n"));
  if (resume) console.log(`::${resume}::`);
  if (format !== "pretty") {
    const text = document(format, results);
    if (v.out !== undefined) {
      await writeFileAtomic(absolute(v.out), text);
      console.log(s.dim(`The ${format} report is in ${relative(absolute(v.out))}.`));
    } else await Deno.stdout.write(new TextEncoder().encode(text));
  }
  const summary = format === "github" ? Deno.env.get("GITHUB_STEP_SUMMARY") : undefined;
  if (summary) {
    await Deno.writeTextFile(summary, stepSummary(results, files.model), { append: true });
  }
  return results.every((r) => r.status === "pass") ? 0 : 1;
}

if (import.meta.main) await runTool(USAGE, main);
