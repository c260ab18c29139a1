/**
 * Helpers for probes, the part of a stage that runs in the sandbox: finding the learner's
 * exports, building and loading their modules once per process, watching for mutated inputs.
 *
 * @module
 */
import { extract, type Module } from "../lib/module.ts";
import { withoutInit } from "../lib/random.ts";
import { Tensor } from "../lib/tensor.ts";
import { copyFloats, sameFloats } from "./intrinsics.ts";
import type { ProbeEnv } from "./stage.ts";

/**
 * The learner's export `name`, checked to be a function or class.
 *
 * @param learner the learner's module
 * @param name the export
 * @returns it
 * @throws {TypeError} saying the file does not export it
 */
// deno-lint-ignore no-explicit-any
export function exported<T = (...args: any[]) => any>(
  learner: Record<string, unknown>,
  name: string,
): T {
  const v = learner[name];
  if (typeof v !== "function") {
    throw new TypeError(
      `The exercise file does not export "${name}" as a function or class ` +
        `(found ${v === undefined ? "nothing" : typeof v}). Keep the names the stub gave you.`,
    );
  }
  return v as T;
}

/**
 * Builds (once per child) the learner's module `className` with the model's config and loads
 * the checkpoint's entries under `prefix` into it, strictly.
 *
 * @param learner the learner's module
 * @param env the probe environment
 * @param className the exported class, e.g. `"CausalSelfAttention"`
 * @param prefix the checkpoint prefix, e.g. `"h.0.attn."` (`""` for the whole model)
 * @param only for a module that owns part of what lies under `prefix`: the keys it owns start
 *   with one of these (e.g. `["wte.", "wpe."]` for the embeddings at the checkpoint's top)
 * @returns the loaded module
 */
export function loadedModule<M extends Module>(
  learner: Record<string, unknown>,
  env: ProbeEnv,
  className: string,
  prefix: string,
  only?: readonly string[],
): M {
  const key = `loaded:${className}:${prefix}:${only?.join(",") ?? "*"}`;
  const cached = moduleCache.get(key);
  if (cached) return cached as M;
  // the instance the keys probe built, if it has not been loaded yet (building GPT-2 twice
  // costs seconds), else a new one
  const m = (unloaded.get(className) ?? builtModule(learner, env, className)) as M;
  unloaded.delete(className);
  const entries = extract(env.weights(only?.map((o) => prefix + o) ?? [prefix]), prefix);
  m.loadStateDict(only ? pick(entries, only) : entries);
  moduleCache.set(key, m);
  return m;
}

/**
 * The entries whose key starts with one of `prefixes`, keys unchanged: the part of a state
 * dict (or of a key -> shape map) that a module owns when it shares a level with others.
 *
 * @param entries key -> value
 * @param prefixes e.g. `["wte.", "wpe."]`
 * @returns the matching entries
 * @example
 * ```ts
 * import { pick } from "./probe_helpers.ts";
 * pick({ "wte.weight": [4, 2], "h.0.ln_1.weight": [2] }, ["wte."]); // { "wte.weight": [4, 2] }
 * ```
 */
export function pick<T>(
  entries: Record<string, T>,
  prefixes: readonly string[],
): Record<string, T> {
  return Object.fromEntries(
    Object.entries(entries).filter(([k]) => prefixes.some((p) => k.startsWith(p))),
  );
}

const moduleCache = new Map<string, Module>();
// class name -> the module a keys probe built and no probe has loaded yet
const unloaded = new Map<string, Module>();
const stridedView = Tensor.stridedView;

/**
 * A new instance of the learner's module `className`, built with the model's config. It is
 * also the instance {@linkcode loadedModule} loads next, as one builds a model and then loads
 * a checkpoint into it, rather than building a second one.
 *
 * @param learner the learner's module
 * @param env the probe environment
 * @param className the exported class
 * @returns the fresh module, before any weights are loaded into it
 */
export function builtModule<M extends Module = Module>(
  learner: Record<string, unknown>,
  env: ProbeEnv,
  className: string,
): M {
  const Cls = exported<new (config: unknown) => M>(learner, className);
  // the checkpoint replaces every weight: drawing them first would cost seconds on GPT-2
  const m = withoutInit(() => new Cls(env.config));
  unloaded.set(className, m);
  return m;
}

/**
 * The shapes of a freshly built module's state dict: what the keys check compares.
 *
 * @param learner the learner's module
 * @param env the probe environment
 * @param className the exported class
 * @returns key -> shape
 */
export function stateShapes(
  learner: Record<string, unknown>,
  env: ProbeEnv,
  className: string,
): Record<string, number[]> {
  return shapesOf(builtModule(learner, env, className));
}

/**
 * The shapes of a module's state dict.
 *
 * @param m the module
 * @returns key -> shape
 */
export function shapesOf(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]));
}

/**
 * Runs `fn` on `input` and reports whether `fn` changed it: whether any element of the input's
 * storage differs afterwards. The comparison uses built-ins taken before learner code loaded
 * (`intrinsics.ts`), so patching a method cannot hide a change.
 *
 * @param input the tensor passed in (made by the probe, so its storage is the probe's)
 * @param fn the learner's call
 * @returns the output and the mutation flag
 */
export function callWatching(
  input: Tensor,
  fn: (x: Tensor) => Tensor,
): { out: Tensor; mutated: boolean } {
  const storage = stridedView(input).data;
  const before = copyFloats(storage);
  const out = fn(input);
  return { out, mutated: !sameFloats(storage, before) };
}
