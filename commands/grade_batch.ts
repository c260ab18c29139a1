/**
 * `deno task grade-batch DIR`: grades a whole class from the instructor's copy of the kit. Each
 * folder in DIR is one student's submission — a repository with `exercises/`, as GitHub
 * Classroom's tools clone them, or a bare folder of stage files — named by the folder.
 *
 * ```
 * deno task grade-batch DIR [--jobs N] [--model tiny|gpt2] [--refs FILE]
 *   [--weights FILE --config FILE --refs FILE] [--out gradebook.csv] [--time-limit S]
 *   [--memory-limit MB]
 * ```
 *
 * Each submission is graded as `deno task check all --submission` grades it: its stage files
 * copied into a fresh snapshot before each stage, run in the sandbox, against the kit's own
 * library, model and references (nothing of the student's but the stage files is read). Each
 * student's JSON report (the kit's JSON report, with the student, a status, why stages could
 * not be graded and a fingerprint of what was graded) goes to a folder beside the gradebook
 * (`gradebook/` for `gradebook.csv`), then the CSV gradebook: one row per student (see
 * `_gradebook.ts`). `--jobs N` grades N students at once; each line of progress says how many
 * are done, the time so far and an estimate of the time left. A hostile, broken or empty
 * submission is graded as such and never stops the batch. A second run grades again only the
 * students whose files, or the grading settings, changed since their report was written: an
 * interrupted batch resumes. Every file is written atomically.
 *
 * Exit codes: 0 the gradebook is complete; 2 bad arguments; 3 the grader could not grade (a
 * missing model, a broken setup, or its own failure on a submission: that student is marked
 * `error` and is graded again on the next run).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { kitPath, relative } from "../lib/paths.ts";
import { absolute, hiddenReferences } from "../grader/context.ts";
import { EXIT, type GradeSettings, gradeStages } from "../grader/grading.ts";
import { DEFAULT_LIMITS } from "../grader/run_stage.ts";
import type { GradeContext } from "../grader/stage.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { submissionDigest, submissionStageDir } from "../grader/submission.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { sha256File, writeFileAtomic } from "./_files.ts";
import {
  byStudent,
  failedReport,
  gradebookCsv,
  readStudentReport,
  type StudentReport,
  studentReport,
} from "./_gradebook.ts";
import { GRADING_OPTIONS, positiveInteger, stageLimits, startGrading } from "./_grading_setup.ts";

const USAGE = `Usage: deno task grade-batch DIR [options]

Grades every folder in DIR as one student's submission (a repository with exercises/, or a
folder of stage files) and writes a CSV gradebook, with each student's JSON report beside it.
Students whose files have not changed since their report are not graded again.

Options:
  --jobs N             students graded at once (default 1; the machine's cores at most is best)
  --model tiny|gpt2    the model (default: gpt2 when set up, else tiny)
  --refs FILE          grade against these references (hidden checks, \`deno task refs\`)
  --weights FILE --config FILE --refs FILE
                       grade on other weights
  --out FILE           the gradebook (default gradebook.csv); the students' reports go to the
                       folder of the same name beside it (gradebook/)
  --time-limit S       seconds one stage may run (default ${DEFAULT_LIMITS.timeLimitMs / 1000})
  --memory-limit MB    memory one stage may use (default ${DEFAULT_LIMITS.memoryLimitMb})
  --help               this text

Exit codes: 0 the gradebook is complete, 2 bad arguments, 3 the grader could not grade (the
students it failed on are graded again on the next run).`;

/** A student's submission to grade. */
interface Submission {
  /** The folder's name. */
  student: string;
  /** The folder. */
  dir: string;
}

/**
 * The submissions in DIR: its folders, hidden ones aside. A link to a folder counts: DIR's own
 * entries are the instructor's (what a student controls starts inside their folder).
 */
async function submissions(dir: string): Promise<Submission[]> {
  const found: Submission[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".")) continue;
    const path = `${dir}/${e.name}`;
    if ((await Deno.stat(path).catch(() => undefined))?.isDirectory) {
      found.push({ student: e.name, dir: path });
    }
  }
  return found.sort(byStudent);
}

/**
 * What a grade depends on besides the submission: the kit's grader and library (its integrity
 * manifest), the points, the model's files and the limits.
 */
async function settingsDigest(settings: GradeSettings): Promise<string> {
  const hash = createHash("sha256");
  hash.update(await Deno.readTextFile(kitPath("grader", "integrity.json")).catch(() => ""));
  hash.update(JSON.stringify(settings.points));
  const { weightsPath, configPath, refsPath } = settings.files;
  for (const path of [weightsPath, configPath, refsPath!]) hash.update(await sha256File(path));
  hash.update(`${settings.timeLimitMs} ${settings.memoryLimitMb}`);
  return hash.digest("hex");
}

/** `1m05s`. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Everything a grading run of the class needs. */
interface Batch {
  ctx: GradeContext;
  settings: GradeSettings;
  settingsDigest: string;
  reportsDir: string;
}

/**
 * Grades one student, unless their report says the same files were graded with the same
 * settings; writes their report.
 *
 * @returns their report, and whether it was graded now
 */
async function gradeStudent(
  s: Submission,
  batch: Batch,
): Promise<{ report: StudentReport; graded: boolean }> {
  const path = `${batch.reportsDir}/${s.student}.json`;
  const fingerprint = createHash("sha256").update(batch.settingsDigest)
    .update(await submissionDigest(s.dir)).digest("hex");
  const before = await readStudentReport(path);
  if (before?.fingerprint === fingerprint && !before.graderFailed) {
    return { report: before, graded: false };
  }
  const results = await gradeStages(STAGES, batch.ctx, submissionStageDir(s.dir), batch.settings);
  const text = studentReport(s.student, results, fingerprint);
  await writeFileAtomic(path, text);
  return { report: JSON.parse(text), graded: true };
}

/** Grades every submission, `jobs` at a time, printing progress; returns their reports. */
async function gradeClass(
  students: Submission[],
  batch: Batch,
  jobs: number,
): Promise<StudentReport[]> {
  const started = performance.now();
  const reports: StudentReport[] = [];
  let next = 0, graded = 0;
  const width = String(students.length).length;
  const worker = async () => {
    for (let i; (i = next++) < students.length;) {
      const s = students[i];
      const t = performance.now();
      const { report, graded: now } = await gradeStudent(s, batch).catch((e) => ({
        report: failedReport(s.student, (e as Error).message ?? String(e)),
        graded: true,
      }));
      reports.push(report);
      if (now) graded++;
      const done = reports.length, left = students.length - done;
      const elapsed = performance.now() - started;
      // the pace so far, of the students graded now (an unchanged one costs nothing)
      const eta = graded && left ? `, about ${duration((elapsed / graded) * left)} left` : "";
      const points = `${report.points} of ${report.maxPoints} points`;
      const what = now
        ? `${points}, ${report.status} (${duration(performance.now() - t)})`
        : `unchanged since its report, ${points}`;
      console.log(
        `[${String(done).padStart(width)}/${students.length}] ${s.student}: ${what} — ` +
          `${duration(elapsed)} elapsed${eta}`,
      );
      if (report.reason) console.log(`  ${report.reason}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, students.length) }, worker));
  return reports.sort(byStudent);
}

async function main(): Promise<number> {
  const { values: v, positionals } = parseCommandLine(Deno.args, {
    ...GRADING_OPTIONS,
    jobs: { type: "string", default: "1" },
    out: { type: "string", default: "gradebook.csv" },
    help: { type: "boolean", default: false },
  }, 1);
  if (v.help) {
    console.log(USAGE);
    return EXIT.pass;
  }
  if (!positionals[0]) throw new UsageError("Say which folder holds the class: DIR.");
  const dir = absolute(positionals[0]).replace(/(.)\/+$/, "$1");
  if (!(await Deno.stat(dir).catch(() => undefined))?.isDirectory) {
    throw new UsageError(`There is no folder "${positionals[0]}".`);
  }
  const out = absolute(v.out);
  if (!out.endsWith(".csv")) throw new UsageError(`--out names a .csv file, not "${v.out}".`);
  const reportsDir = out.replace(/\.csv$/, "");
  if (reportsDir.startsWith(`${dir}/`)) {
    throw new UsageError(
      `--out ${v.out} would put the students' reports in ${relative(reportsDir)}, inside the ` +
        "class's folder (where they would be taken for a student): write them elsewhere.",
    );
  }
  const jobs = positiveInteger(v.jobs, "--jobs");
  const limits = stageLimits(v);
  const start = startGrading(v);
  if (!start) return EXIT.cannotGrade;
  const settings: GradeSettings = {
    files: start.files,
    ...limits,
    // the machine's cores, shared by the students graded at once
    threads: Math.max(1, Math.floor((navigator.hardwareConcurrency || 1) / jobs)),
    points: start.points,
  };
  const batch = {
    ctx: start.ctx,
    settings,
    settingsDigest: await settingsDigest(settings),
    reportsDir,
  };
  const students = await submissions(dir);
  await Deno.mkdir(reportsDir, { recursive: true });
  console.log(
    `Grading ${students.length} submissions in ${relative(dir)}, ${jobs} at a time, on the ` +
      `${settings.files.model} model${
        hiddenReferences(settings.files) ? " (hidden references)" : ""
      }.`,
  );
  const reports = await gradeClass(students, batch, jobs);
  await writeFileAtomic(out, gradebookCsv(reports, STAGES.map((s) => s.number)));
  console.log(
    `The gradebook is in ${relative(out)}, each student's report in ${relative(reportsDir)}/.`,
  );
  const failed = reports.filter((r) => r.graderFailed);
  for (const r of failed) console.error(`Could not grade ${r.student}: ${r.reason}`);
  return failed.length ? EXIT.cannotGrade : EXIT.pass;
}

if (import.meta.main) await runTool(USAGE, main);
