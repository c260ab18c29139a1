/**
 * The points manifest, `grader/points.json`: what each check is worth in a classroom, by stage
 * number then check name, e.g. `{ "3": { "CausalSelfAttention state dict": 2 } }`. Instructors
 * edit it; a check it does not name is worth its default (`points` in the stage module, else
 * 1). An entry that names no existing stage or check is an error, so that a renamed check
 * cannot silently lose its points. `deno task points` rewrites it from the checks' defaults.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import type { Check, Stage } from "./stage.ts";

/** Points by stage number (as a string, JSON's keys) and check name. */
export type PointsManifest = Record<string, Record<string, number>>;

/** Where the manifest lives. */
export const POINTS_PATH: string = kitPath("grader", "points.json");

/** A manifest that cannot be used: unreadable, or naming checks that do not exist. */
export class PointsError extends Error {
  /**
   * @param message what is wrong
   * @param problems one line per problem
   */
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}:\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "PointsError";
  }
}

/**
 * What a check is worth: the manifest's entry, else the check's default, else 1.
 *
 * @param manifest the manifest
 * @param stage the check's stage
 * @param check the check
 * @returns its points
 * @example
 * ```ts
 * import { pointsOf } from "./points.ts";
 * import { STAGES } from "./stages/mod.ts";
 * const stage = STAGES[2], check = stage.checks[0];
 * pointsOf({ [stage.number]: { [check.name]: 5 } }, stage, check); // 5
 * ```
 */
export function pointsOf(manifest: PointsManifest, stage: Stage, check: Check): number {
  return manifest[String(stage.number)]?.[check.name] ?? check.points ?? 1;
}

/**
 * The manifest that gives every check its default.
 *
 * @param stages the stages
 * @returns the manifest
 */
export function defaultPoints(stages: readonly Stage[]): PointsManifest {
  return Object.fromEntries(
    stages.map((
      s,
    ) => [String(s.number), Object.fromEntries(s.checks.map((c) => [c.name, c.points ?? 1]))]),
  );
}

/**
 * What is wrong with a manifest: unknown stages, unknown checks, points that are not
 * non-negative numbers.
 *
 * @param manifest the manifest (as parsed, so of any shape)
 * @param stages the stages
 * @returns one line per problem; empty when it can be used
 */
export function pointsProblems(manifest: unknown, stages: readonly Stage[]): string[] {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
    return ['the manifest must be an object: { "<stage>": { "<check name>": points } }'];
  }
  const problems: string[] = [];
  for (const [n, checks] of Object.entries(manifest)) {
    const stage = stages.find((s) => String(s.number) === n);
    if (!stage) {
      problems.push(`there is no stage "${n}" (stages: ${stages.map((s) => s.number).join(", ")})`);
      continue;
    }
    if (checks === null || typeof checks !== "object" || Array.isArray(checks)) {
      problems.push(`stage ${n}: expected an object of check name -> points`);
      continue;
    }
    for (const [name, points] of Object.entries(checks)) {
      if (!stage.checks.some((c) => c.name === name)) {
        problems.push(`stage ${n} has no check "${name}"`);
      } else if (typeof points !== "number" || !(points >= 0)) {
        problems.push(`stage ${n}, "${name}": points must be a number >= 0, found ${points}`);
      }
    }
  }
  return problems;
}

/**
 * Reads and checks the manifest.
 *
 * @param stages the stages it must match
 * @param path the manifest (default `grader/points.json`)
 * @returns the manifest
 * @throws {PointsError} when it cannot be read or names checks that do not exist
 */
export function loadPoints(stages: readonly Stage[], path: string = POINTS_PATH): PointsManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new PointsError(`Cannot read the points manifest ${path}: ${(e as Error).message}`);
  }
  const problems = pointsProblems(manifest, stages);
  if (problems.length) {
    throw new PointsError(
      `The points manifest ${path} does not match the checks (fix it, or rewrite it from the ` +
        "checks' defaults with `deno task points`)",
      problems,
    );
  }
  return manifest as PointsManifest;
}

/**
 * The manifest as the file holds it: stable, pretty JSON with a final newline.
 *
 * @param manifest the manifest
 * @returns the text
 */
export function pointsText(manifest: PointsManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
