/**
 * `deno task check <N|all>`: grades the learner's stages, once, into as many reports as asked.
 *
 * ```
 * deno task check <N|all> [--solutions | --exercises DIR | --submission DIR]
 *   [--model tiny|gpt2] [--weights FILE --config FILE --refs FILE]
 *   [--format F] [--out FILE] [--report F[=FILE]]... [--time-limit S] [--memory-limit MB]
 *   [--threads N] [--verbose]
 * ```
 *
 * The pretty report goes to standard output unless a machine report does (`--format json`, or a
 * `--report` without a file): that document is then alone there. `--format F --out FILE` is
 * `--report F=FILE`. Files are written atomically. `github` adds annotations to the pretty
 * report and a table to `$GITHUB_STEP_SUMMARY` when it is set. Points come from
 * `grader/points.json`. Exit codes: 0 every stage graded passes; 1 graded, with a stage that
 * does not; 2 bad arguments; 3 could not grade (a missing model, a broken setup, the grader
 * itself failed).
 *
 * @module
 */
import { dirname } from "node:path";
import { kitPath, relative } from "../lib/paths.ts";
import { absolute, hiddenReferences, solutionsDir } from "../grader/context.ts";
import { EXIT, gradeExitCode, graderFailures, gradeStages } from "../grader/grading.ts";
import {
  FORMAT_HELP,
  isReportFormat,
  REPORT_FORMATS,
  reportDocument,
  type ReportFormat,
} from "../grader/report/formats.ts";
import { stepSummary } from "../grader/report/github.ts";
import { formatStage, nextStep, type Styles } from "../grader/report/pretty.ts";
import { totals } from "../grader/report/totals.ts";
import { DEFAULT_LIMITS, DEFAULT_THREADS } from "../grader/run_stage.ts";
import type { StageResult } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { submissionStageDir } from "../grader/submission.ts";
import { parseCommandLine, runTool, stdoutStyles, UsageError } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";
import { GRADING_OPTIONS, positiveInteger, stageLimits, startGrading } from "./_grading_setup.ts";

const USAGE = `Usage: deno task check <N|all> [options]

Grades stage N (1-${STAGES.length}) of your exercises, or all of them.

Options:
  --solutions          grade the reference solutions instead of exercises/
  --exercises DIR      grade the stage files in DIR
  --submission DIR     grade a student's submission: a repository (its exercises/) or a
                       folder of stage files
  --model tiny|gpt2    the bundled tiny model, or the real GPT-2 after \`deno task setup\`
                       (default: gpt2 when set up, else tiny)
  --weights FILE --config FILE --refs FILE
                       grade against other weights and references (see \`deno task refs\`)
  --format F           pretty (default), or one report below alone on the screen
  --out FILE           write the --format report to FILE instead; the pretty report stays
                       on the screen
  --report F[=FILE]    also write report F to FILE (on the screen without =FILE); repeat it
                       for more reports from the same grading
  --time-limit S       seconds one stage may run (default ${DEFAULT_LIMITS.timeLimitMs / 1000})
  --memory-limit MB    memory one stage may use (default ${DEFAULT_LIMITS.memoryLimitMb})
  --threads N          threads your code's matrix products may use (default ${DEFAULT_THREADS},
                       this machine's cores up to 4; 1 for one)
  --verbose            show every check's details and everything your code printed
  --help               this text

Reports:
${REPORT_FORMATS.map((f) => `  ${f.padEnd(14)} ${FORMAT_HELP[f]}`).join("\n")}

Exit codes: 0 every stage graded passes, 1 a stage does not, 2 bad arguments, 3 could not
grade (a missing model, a broken setup, the grader itself failed).`;

const OPTIONS = {
  solutions: { type: "boolean", default: false },
  exercises: { type: "string" },
  submission: { type: "string" },
  ...GRADING_OPTIONS,
  format: { type: "string", default: "pretty" },
  out: { type: "string" },
  report: { type: "string", multiple: true },
  threads: { type: "string", default: String(DEFAULT_THREADS) },
  verbose: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

/** A report asked for: its format, and its file (standard output when undefined). */
interface ReportRequest {
  format: ReportFormat;
  file?: string;
}

function stagesArg(which: string | undefined): number[] {
  const numbers = STAGES.map((s) => s.number);
  if (which === undefined) throw new UsageError("Say which stage to check: a number or all.");
  const stages = which === "all" ? numbers : [Number(which)];
  if (!/^(all|\d+)$/.test(which) || !stages.every((n) => numbers.includes(n))) {
    throw new UsageError(`There is no stage "${which}": choose ${numbers.join(", ")} or all.`);
  }
  return stages;
}

function formatArg(name: string, flag: string): ReportFormat {
  if (!isReportFormat(name)) {
    throw new UsageError(`Unknown ${flag} "${name}": use ${REPORT_FORMATS.join(", ")}.`);
  }
  return name;
}

/**
 * The reports asked for by `--format`/`--out` and each `--report F[=FILE]`: each format once,
 * each file once, at most one on standard output, every file's folder already there.
 */
function reportRequests(format: string, out: string | undefined, reports: string[]) {
  if (format !== "pretty") formatArg(format, "--format");
  if (out !== undefined && format === "pretty") {
    throw new UsageError(
      "--out writes the --format report: add --format (or use --report F=FILE).",
    );
  }
  const asked: ReportRequest[] = format === "pretty" ? [] : [{
    format: format as ReportFormat,
    ...(out !== undefined ? { file: absolute(out) } : {}),
  }];
  for (const r of reports) {
    const at = r.indexOf("=");
    const file = at === -1 ? undefined : r.slice(at + 1);
    if (file === "") throw new UsageError(`--report ${r}: say which file after "=".`);
    asked.push({
      format: formatArg(at === -1 ? r : r.slice(0, at), "--report"),
      ...(file !== undefined ? { file: absolute(file) } : {}),
    });
  }
  const twice = (key: (r: ReportRequest) => string | undefined) =>
    asked.map(key).find((k, i, all) => k !== undefined && all.indexOf(k) !== i);
  const format2 = twice((r) => r.format);
  if (format2) throw new UsageError(`The ${format2} report is asked for twice: ask once.`);
  const file2 = twice((r) => r.file);
  if (file2) throw new UsageError(`Two reports would be written to ${relative(file2)}.`);
  if (asked.filter((r) => r.file === undefined).length > 1) {
    throw new UsageError("Only one report can go to the screen: give the others a file (F=FILE).");
  }
  const missing = asked.find((r) => r.file !== undefined && !isFolder(dirname(r.file)));
  if (missing) {
    throw new UsageError(`Cannot write ${relative(missing.file!)}: its folder does not exist.`);
  }
  return asked;
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function summaryLines(results: StageResult[], model: string, s: Styles): string[] {
  const t = totals(results);
  return [
    s.dim(`Graded on the ${model} model: ${t.points} of ${t.maxPoints} points.`),
    s.bold(nextStep(results, STAGES[STAGES.length - 1].number)),
  ];
}

/** The folder of stage files the options name. */
function learnerDirOf(v: { solutions: boolean; exercises?: string; submission?: string }) {
  const given = [v.solutions, v.exercises !== undefined, v.submission !== undefined];
  if (given.filter(Boolean).length > 1) {
    throw new UsageError("Use one of --solutions, --exercises and --submission.");
  }
  if (v.solutions) return solutionsDir();
  if (v.exercises !== undefined) return absolute(v.exercises);
  if (v.submission !== undefined) return submissionStageDir(absolute(v.submission));
  return kitPath("exercises");
}

async function main(): Promise<number> {
  const { values: v, positionals } = parseCommandLine(Deno.args, OPTIONS, 1);
  if (v.help) {
    console.log(USAGE);
    return EXIT.pass;
  }
  const stages = stagesArg(positionals[0]);
  const reports = reportRequests(v.format, v.out, v.report ?? []);
  const limits = stageLimits(v);
  const threads = positiveInteger(v.threads, "--threads");
  const learnerDir = learnerDirOf(v);
  const start = startGrading(v);
  if (!start) return EXIT.cannotGrade;
  const { files, ctx, points } = start;
  const s = stdoutStyles();
  const onScreen = reports.find((r) => r.file === undefined)?.format;
  const pretty = onScreen === undefined || onScreen === "github";
  // In a GitHub Actions log, no line of the report may act as a workflow command: commands
  // are paused until the annotations (learner text is made inert too, see plain_text.ts).
  const resume = onScreen === "github" ? crypto.randomUUID() : undefined;
  if (resume) console.log(`::stop-commands::${resume}`);
  const results = await gradeStages(
    stages.map((n) => STAGES.find((x) => x.number === n)!),
    ctx,
    learnerDir,
    { files, ...limits, threads, points },
    (r) => {
      if (pretty) console.log(formatStage(r, s, v.verbose).join("\n") + "\n");
    },
  );
  if (pretty) console.log(summaryLines(results, files.model, s).join("\n"));
  if (resume) console.log(`::${resume}::`);
  const reportCtx = { model: files.model, hiddenReferences: hiddenReferences(files) };
  for (const r of reports) {
    const text = reportDocument(r.format, results, reportCtx);
    if (r.file === undefined) {
      await Deno.stdout.write(new TextEncoder().encode(text));
      continue;
    }
    await writeFileAtomic(r.file, text);
    if (pretty) console.log(s.dim(`The ${r.format} report is in ${relative(r.file)}.`));
  }
  const summary = reports.some((r) => r.format === "github")
    ? Deno.env.get("GITHUB_STEP_SUMMARY")
    : undefined;
  if (summary) {
    await Deno.writeTextFile(summary, stepSummary(results, files.model), { append: true });
  }
  for (const r of graderFailures(results)) {
    console.error(`Could not grade stage ${r.stage}: ${r.message}`);
  }
  return gradeExitCode(results);
}

if (import.meta.main) await runTool(USAGE, main);
