/**
 * `Module`: the base class of every layer and model, like `torch.nn.Module`.
 *
 * A module's parameters, buffers and submodules are found from its fields, in the order they
 * were assigned: a `Tensor` field is a parameter (or a buffer, when registered with
 * {@linkcode Module.registerBuffer}), a `Module` field a submodule. Their dotted paths are the
 * state-dict keys: a field `c_attn` of a field `attn` of the second element of a `ModuleList`
 * field `h` holds `h.1.attn.c_attn.weight`. Name fields after the checkpoint and no rename
 * table is needed.
 *
 * @module
 */
import { Tensor } from "./tensor.ts";
import { formatShape } from "./shape.ts";

/** A tensor's place in a module tree. */
interface Slot {
  /** Dotted path, the state-dict key. */
  key: string;
  /** The module whose field holds the tensor. */
  owner: Module;
  /** The field's name. */
  field: string;
  /** The tensor. */
  tensor: Tensor;
  /** Whether it is a buffer (true) or a parameter. */
  buffer: boolean;
  /** Whether it belongs in the state dict. */
  persistent: boolean;
}

/** A `key -> tensor` map, as saved in a checkpoint. */
export type StateDict = Record<string, Tensor>;

/** Options of {@linkcode Module.loadStateDict}. */
export interface LoadOptions {
  /** Missing and unexpected keys are errors (default true), as in PyTorch. */
  strict?: boolean;
}

/** One key whose tensor does not have the shape the module expects. */
export interface SizeMismatch {
  /** The state-dict key. */
  key: string;
  /** The shape in the state dict. */
  checkpoint: number[];
  /** The shape in the module. */
  model: number[];
}

/**
 * The outcome of {@linkcode Module.loadStateDict}: which keys were missing or unexpected.
 * Printed, it reads as PyTorch's `<All keys matched successfully>`.
 */
export class LoadResult {
  /**
   * @param missingKeys keys the module has and the state dict lacks
   * @param unexpectedKeys keys the state dict has and the module lacks
   */
  constructor(readonly missingKeys: string[], readonly unexpectedKeys: string[]) {}

  /** `All keys matched successfully`, or the lists of keys. */
  toString(): string {
    if (this.missingKeys.length === 0 && this.unexpectedKeys.length === 0) {
      return "<All keys matched successfully>";
    }
    return `<missing_keys=${JSON.stringify(this.missingKeys)}, unexpected_keys=${
      JSON.stringify(this.unexpectedKeys)
    }>`;
  }
}

/**
 * Raised by a failed {@linkcode Module.loadStateDict}, with PyTorch's report: every missing
 * key, every unexpected key and every size mismatch (with "(transposed?)" where the shapes are
 * each other's reverse). Nothing was loaded.
 */
export class LoadStateDictError extends Error {
  /**
   * @param moduleName the model's class name
   * @param missingKeys keys the module has and the state dict lacks
   * @param unexpectedKeys keys the state dict has and the module lacks
   * @param sizeMismatches keys whose shapes differ
   */
  constructor(
    readonly moduleName: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly sizeMismatches: SizeMismatch[],
  ) {
    const quote = (keys: string[]) => keys.map((k) => `"${k}"`).join(", ");
    const lines = [`Error(s) in loading state_dict for ${moduleName}:`];
    if (missingKeys.length) lines.push(`\tMissing key(s) in state_dict: ${quote(missingKeys)}.`);
    if (unexpectedKeys.length) {
      lines.push(`\tUnexpected key(s) in state_dict: ${quote(unexpectedKeys)}.`);
    }
    for (const m of sizeMismatches) {
      const reversed = m.checkpoint.length > 1 &&
        formatShape([...m.checkpoint].reverse()) === formatShape(m.model);
      lines.push(
        `\tsize mismatch for ${m.key}: copying a param with shape ${formatShape(m.checkpoint)} ` +
          `from checkpoint, the shape in current model is ${formatShape(m.model)}` +
          (reversed ? " (transposed?)." : "."),
      );
    }
    super(lines.join("\n"));
    this.name = "LoadStateDictError";
  }
}

/**
 * Base class of layers and models.
 *
 * @example
 * ```ts
 * import { Module } from "./module.ts";
 * import { Tensor } from "./tensor.ts";
 * class Scale extends Module {
 *   weight = Tensor.ones([4]);
 *   forward(x: Tensor): Tensor {
 *     return x.mul(this.weight);
 *   }
 * }
 * Object.keys(new Scale().stateDict()); // ["weight"]
 * ```
 */
export class Module {
  /** Whether the module is in training mode (dropout active). The kit only runs inference. */
  training = false;
  #buffers = new Map<string, boolean>();

  /**
   * Creates the field `name` holding `tensor` (as `this[name] = tensor` would) and declares it a
   * buffer: saved in the state dict (unless `persistent` is false) but not a parameter, like
   * GPT-2's causal mask `attn.bias`. In TypeScript, also declare the field
   * (`declare bias: Tensor;`) so that `this.bias` type-checks; nothing else need assign it.
   *
   * @param name the field name, created (or replaced) by this call
   * @param tensor the buffer
   * @param persistent whether it belongs in the state dict
   */
  registerBuffer(name: string, tensor: Tensor, persistent = true): void {
    (this as unknown as Record<string, unknown>)[name] = tensor;
    this.#buffers.set(name, persistent);
  }

  /** Direct submodules with their field names, in assignment order. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** Parameters of this module and its submodules, keyed by dotted path. */
  namedParameters(): [string, Tensor][] {
    return this.#slots().filter((s) => !s.buffer).map((s) => [s.key, s.tensor]);
  }

  /** Buffers of this module and its submodules, keyed by dotted path. */
  namedBuffers(): [string, Tensor][] {
    return this.#slots().filter((s) => s.buffer).map((s) => [s.key, s.tensor]);
  }

  /** Parameters and persistent buffers, keyed by dotted path (shared, not copied). */
  stateDict(): StateDict {
    return Object.fromEntries(
      this.#slots().filter((s) => s.persistent).map((s) => [s.key, s.tensor]),
    );
  }

  /**
   * Loads tensors into this module by key, replacing its parameters and buffers (the module
   * then shares the state dict's tensors).
   *
   * @param stateDict tensors by key
   * @param options `strict` (default true): missing or unexpected keys are errors
   * @returns which keys were missing or unexpected (both empty when strict)
   * @throws {LoadStateDictError} listing every problem; nothing is loaded then
   */
  loadStateDict(stateDict: StateDict, options: LoadOptions = {}): LoadResult {
    const strict = options.strict ?? true;
    const slots = this.#slots().filter((s) => s.persistent);
    const known = new Set(slots.map((s) => s.key));
    const missing = slots.filter((s) => !(s.key in stateDict)).map((s) => s.key);
    const unexpected = Object.keys(stateDict).filter((k) => !known.has(k));
    const mismatches: SizeMismatch[] = [];
    for (const s of slots) {
      const t = stateDict[s.key];
      if (t && formatShape(t.shape) !== formatShape(s.tensor.shape)) {
        mismatches.push({ key: s.key, checkpoint: [...t.shape], model: [...s.tensor.shape] });
      }
    }
    if (mismatches.length || (strict && (missing.length || unexpected.length))) {
      throw new LoadStateDictError(
        this.constructor.name,
        strict ? missing : [],
        strict ? unexpected : [],
        mismatches,
      );
    }
    for (const s of slots) {
      const t = stateDict[s.key];
      if (t) (s.owner as unknown as Record<string, unknown>)[s.field] = t;
    }
    return new LoadResult(missing, unexpected);
  }

  /**
   * Puts this module and its submodules in training (`true`) or inference mode.
   *
   * @param mode the mode
   * @returns this module
   */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  /** Inference mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  #slots(prefix = ""): Slot[] {
    const out: Slot[] = [];
    for (const [field, value] of Object.entries(this)) {
      if (value instanceof Tensor) {
        const persistent = this.#buffers.get(field) ?? true;
        const buffer = this.#buffers.has(field);
        out.push({ key: prefix + field, owner: this, field, tensor: value, buffer, persistent });
      } else if (value instanceof Module) {
        out.push(...value.#slots(`${prefix}${field}.`));
      }
    }
    return out;
  }
}

/**
 * A list of modules whose children are named `0`, `1`, ... (GPT-2's blocks: `h.0`, `h.1`).
 *
 * @example
 * ```ts
 * import { Module, ModuleList } from "./module.ts";
 * const h = new ModuleList([new Module(), new Module()]);
 * h.length; // 2
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  [index: number]: M;

  /** @param modules the children, in order */
  constructor(modules: Iterable<M> = []) {
    super();
    let i = 0;
    for (const m of modules) this[i++] = m;
  }

  /** Number of children. */
  get length(): number {
    return this.namedChildren().length;
  }

  /**
   * The child at `index`.
   *
   * @param index position (negative counts from the end)
   * @returns the child
   */
  at(index: number): M | undefined {
    return this[index < 0 ? this.length + index : index];
  }

  /** Iterates over the children in order. */
  *[Symbol.iterator](): Iterator<M> {
    const n = this.length; // counted once: it walks the fields
    for (let i = 0; i < n; i++) yield this[i];
  }
}

/**
 * The entries of a state dict under `prefix`, with the prefix removed: what a submodule's own
 * `loadStateDict` expects. Works on any values keyed like a state dict (tensors, shapes).
 *
 * @param stateDict the full state dict
 * @param prefix e.g. `"h.0.attn."` (a trailing dot is added when missing)
 * @returns the sub-dict, sharing the tensors
 * @example
 * ```ts
 * import { extract } from "./module.ts";
 * import { Tensor } from "./tensor.ts";
 * const sd = { "h.0.ln_1.weight": Tensor.ones([4]), "wte.weight": Tensor.ones([2, 4]) };
 * Object.keys(extract(sd, "h.0")); // ["ln_1.weight"]
 * ```
 */
export function extract<T = Tensor>(
  stateDict: Record<string, T>,
  prefix: string,
): Record<string, T> {
  const p = prefix === "" || prefix.endsWith(".") ? prefix : `${prefix}.`;
  return Object.fromEntries(
    Object.entries(stateDict).filter(([k]) => k.startsWith(p)).map((
      [k, t],
    ) => [k.slice(p.length), t]),
  );
}
