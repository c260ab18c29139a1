/**
 * `deno task student-template OUTDIR`: writes the kit as students get it — everything but the
 * solutions and whatever reveals them — with a GitHub Actions workflow that grades each push
 * (`.github/workflows/classroom.yml`, from `grader/classroom/classroom.yml`) and an integrity
 * manifest of its own (`grader/integrity.json`, for `deno task verify`).
 *
 * Left out: `solutions/`; files marked `// gpt2-kit: reveals-solutions` on their first line;
 * files that import from `solutions/` or read it (`kitPath("solutions")`); then, until nothing
 * changes, files that import a file left out; a few files decided by hand (`BY_HAND`: kept when
 * they do without `solutions/` at run time, e.g. `grader/context.ts`); `platforms/` (the
 * instructor's kits: no use to students, and an instructor's grading setup is theirs); `.git`,
 * `node_modules`, `.cache`, `data/gpt2` and what `.gitignore` names. `deno.json` loses the tasks
 * whose script is left out, and `solutions` from its type check. `exercises/` holds the untouched
 * stubs (`grader/pristine.json`), whatever this copy's own `exercises/` holds. The result passes
 * its own `deno task test`.
 *
 * @module
 */
import { KIT_ROOT } from "../lib/paths.ts";
import { absolute } from "../grader/context.ts";
import { importSpecifiers } from "../grader/imports.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { loadPristine } from "./reset.ts";
import { writeIntegrity } from "./verify.ts";

const USAGE = `Usage: deno task student-template OUTDIR

Writes a copy of the kit for students to OUTDIR (new or empty): no solutions/, nothing that
reveals them, a classroom grading workflow, and its own integrity manifest.

Options:
  --help   this text`;

/** The first line of a file that shows or runs the solutions. */
export const REVEALS_MARKER = "// gpt2-kit: reveals-solutions";

/** Where the workflow's source lives in the kit, and where the template gets it. */
export const WORKFLOW = {
  source: "grader/classroom/classroom.yml",
  target: ".github/workflows/classroom.yml",
} as const;

/** Never copied, whatever `.gitignore` says. */
const ALWAYS_OUT = [".git", "node_modules", ".cache", "data/gpt2", "solutions", "platforms"];

/**
 * Files decided by hand: kept because they do without `solutions/` at run time, or left out
 * because they run the solutions through another file.
 */
export const BY_HAND: Record<string, { keep: boolean; why: string }> = {
  "grader/context.ts": { keep: true, why: "its `--solutions` says this copy has none" },
  "commands/setup.ts": {
    keep: true,
    why: "without solutions/ it asks for the instructor's reference file",
  },
  "commands/student_template.ts": { keep: false, why: "an instructor's tool" },
  "commands/setup_test.ts": {
    keep: false,
    why: "builds references with solutions/ through setup()",
  },
};

const READS_SOLUTIONS = /kitPath\(\s*["']solutions["']/;

/**
 * Why a file reveals the solutions by itself, if it does.
 *
 * @param text a file's content
 * @returns the reason, or undefined
 * @example
 * ```ts
 * import { REVEALS_MARKER, revealsSolutions } from "./student_template.ts";
 * revealsSolutions(`${REVEALS_MARKER}\nimport "./x.ts";`);
 * // "is marked as revealing the solutions"
 * ```
 */
export function revealsSolutions(text: string): string | undefined {
  if (text.startsWith(REVEALS_MARKER)) return "is marked as revealing the solutions";
  const specifier = importSpecifiers(text).find((s) => /(^|\/)solutions\//.test(s));
  if (specifier) return `imports ${specifier}`;
  if (READS_SOLUTIONS.test(text)) return "reads solutions/";
  return undefined;
}

/** A `.gitignore` line as a test on a relative path (the simple forms the kit uses). */
function ignoreRule(line: string): ((path: string) => boolean) | undefined {
  const l = line.trim();
  if (!l || l.startsWith("#") || l.startsWith("!")) return undefined;
  const anchored = l.startsWith("/");
  const dir = l.endsWith("/");
  const body = l.replace(/^\//, "").replace(/\/$/, "");
  const glob = new RegExp(
    `^${body.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`,
  );
  return (path) => {
    const parts = path.split("/");
    // a match on a parent folder counts for everything inside it
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      const isParent = i < parts.length;
      if (dir && !isParent) continue;
      if (anchored || body.includes("/") ? glob.test(prefix) : glob.test(parts[i - 1])) {
        return true;
      }
    }
    return false;
  };
}

async function listFiles(root: string, ignored: (p: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (ALWAYS_OUT.includes(path) || ignored(path)) continue;
      if (e.isDirectory) await visit(path);
      else if (e.isFile) out.push(path);
    }
  };
  await visit("");
  return out.sort();
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const s of specifier.split("/")) {
    if (s === "..") parts.pop();
    else if (s !== ".") parts.push(s);
  }
  return parts.join("/");
}

/** What the template leaves out, with the reason, by relative path. */
export type LeftOut = Map<string, string>;

/**
 * Decides which of the kit's files the template leaves out.
 *
 * @param files the candidate files (relative paths) with their text (text files only)
 * @returns the files left out and why
 */
export function leftOut(files: Map<string, string | undefined>): LeftOut {
  const out: LeftOut = new Map();
  for (const [path, text] of files) {
    const why = BY_HAND[path]
      ? (BY_HAND[path].keep ? undefined : BY_HAND[path].why)
      : text === undefined
      ? undefined
      : revealsSolutions(text);
    if (why) out.set(path, why);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [path, text] of files) {
      if (out.has(path) || BY_HAND[path] || text === undefined || !/\.(ts|js)$/.test(path)) {
        continue;
      }
      const gone = importSpecifiers(text).map((s) => resolve(path, s)).find((p) => p && out.has(p));
      if (gone) {
        out.set(path, `imports ${gone}, which is left out`);
        changed = true;
      }
    }
  }
  return out;
}

/**
 * The template's `deno.json`: without the tasks whose script is left out, and without the
 * folders it leaves out (`solutions`, `platforms`) among those the tests type-check.
 *
 * @param config the kit's `deno.json`, parsed
 * @param exists whether a relative path is part of the template
 * @returns the template's config
 */
export function templateConfig(
  config: { tasks?: Record<string, string> },
  exists: (path: string) => boolean,
): { tasks?: Record<string, string> } {
  const tasks = Object.entries(config.tasks ?? {}).flatMap(([name, command]) => {
    const words = command.split(" ").filter((w) => !ALWAYS_OUT.includes(w));
    // a glob (`studio/*.ts`) names a folder's files for `deno check`, not a script to run
    const scripts = words.filter((w) => /\.ts$/.test(w) && !w.includes("*"));
    return scripts.every(exists) ? [[name, words.join(" ")]] : [];
  });
  return { ...config, tasks: Object.fromEntries(tasks) };
}

function isText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Makes the folder a tool writes a copy of the kit into: outside the kit, new or empty.
 *
 * @param outDir the folder, as given
 * @param kitRoot the kit (default: this one)
 * @returns its absolute path, created
 * @throws {UsageError} when it lies inside the kit or is not empty
 */
export async function freshOutputDir(outDir: string, kitRoot: string = KIT_ROOT): Promise<string> {
  const out = absolute(outDir).replace(/\/$/, "");
  if (`${out}/`.startsWith(`${kitRoot.replace(/\/$/, "")}/`)) {
    throw new UsageError(`Write it outside the kit, not in "${outDir}".`);
  }
  await Deno.mkdir(out, { recursive: true });
  for await (const _ of Deno.readDir(out)) {
    throw new UsageError(`"${outDir}" is not empty: choose a new or empty directory.`);
  }
  return out;
}

/**
 * Writes the student template.
 *
 * @param outDir a new or empty directory
 * @param kitRoot the kit to copy (default: this one)
 * @returns the files left out and why
 * @throws {UsageError} when `outDir` is not empty, or lies inside the kit
 */
export async function writeStudentTemplate(
  outDir: string,
  kitRoot: string = KIT_ROOT,
): Promise<LeftOut> {
  const root = kitRoot.replace(/\/$/, "");
  const out = await freshOutputDir(outDir, root);
  const gitignore = await Deno.readTextFile(`${root}/.gitignore`).catch(() => "");
  const rules = gitignore.split("\n").map(ignoreRule).filter((r) => r !== undefined);
  const paths = await listFiles(root, (p) => rules.some((r) => r(p)));
  const files = new Map<string, string | undefined>();
  const bytes = new Map<string, Uint8Array>();
  for (const p of paths) {
    const b = await Deno.readFile(`${root}/${p}`);
    bytes.set(p, b);
    files.set(p, isText(b));
  }
  const dropped = leftOut(files);
  const kept = paths.filter((p) => !dropped.has(p));
  // the students start from the untouched stubs, whatever this copy's exercises/ holds
  const stubs = await loadPristine(`${root}/grader/pristine.json`);
  for (const [name, text] of Object.entries(stubs)) {
    await Deno.mkdir(`${out}/exercises`, { recursive: true });
    await Deno.writeTextFile(`${out}/exercises/${name}`, text);
  }
  for (const p of kept.filter((p) => !p.startsWith("exercises/"))) {
    await Deno.mkdir(`${out}/${p}`.replace(/\/[^/]+$/, ""), { recursive: true });
    let content = bytes.get(p)!;
    if (p === "deno.json") {
      const config = templateConfig(JSON.parse(files.get(p)!), (x) => kept.includes(x));
      content = new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`);
    }
    await Deno.writeFile(`${out}/${p}`, content);
  }
  await Deno.mkdir(`${out}/.github/workflows`, { recursive: true });
  await Deno.copyFile(`${root}/${WORKFLOW.source}`, `${out}/${WORKFLOW.target}`);
  await writeIntegrity(out);
  return dropped;
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(Deno.args, {
    help: { type: "boolean", default: false },
  }, 1);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!positionals[0]) throw new UsageError("Say where to write the template: OUTDIR.");
  const dropped = await writeStudentTemplate(positionals[0]);
  console.log(`Wrote the student template to ${positionals[0]}. Left out:`);
  console.log("  solutions/");
  console.log(
    "  platforms/ (the instructor's kits for Gradescope, PrairieLearn, Exercism, a class)",
  );
  for (const [path, why] of dropped) console.log(`  ${path} (${why})`);
  console.log(
    "Next: push it as the classroom's template repository; check a submission with " +
      "`deno task verify DIR` from your own copy.",
  );
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
