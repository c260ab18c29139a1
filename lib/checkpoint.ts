/**
 * State dicts on disk: a safetensors file read into `Tensor`s, and `Tensor`s written as one.
 *
 * @module
 */
import { SafetensorsFile, writeSafetensors } from "./safetensors.ts";
import type { StateDict } from "./module.ts";
import { Tensor } from "./tensor.ts";
import { kernelFloats } from "./kernels/wasm.ts";

/**
 * Reads the tensors of a safetensors file (all of them, or those named) as float32 tensors.
 * F16 and BF16 are widened, integer tensors converted (exactly, up to 2^24). The values go
 * where the WebAssembly kernels read them in place (see `kernels/heap.ts`).
 *
 * @param path the `.safetensors` file
 * @param names which tensors to read (default: all, in file order)
 * @returns the state dict
 * @throws {SafetensorsError} for a missing or malformed file, naming the file and tensor
 * @example
 * ```ts
 * import { loadStateDict } from "./checkpoint.ts";
 * const sd = loadStateDict("data/tiny/model.safetensors");
 * sd["wte.weight"].shape; // [50257, 64]
 * ```
 */
export function loadStateDict(path: string, names?: readonly string[]): StateDict {
  using file = SafetensorsFile.open(path);
  return readTensors(file, names ?? file.names());
}

/**
 * Reads the tensors of a safetensors file whose names start with one of `prefixes`, as
 * {@linkcode loadStateDict} reads them: what one part of a model needs, without the rest.
 *
 * @param path the `.safetensors` file
 * @param prefixes e.g. `["h.0.attn."]` (`[""]` reads everything)
 * @returns the state dict of those tensors
 * @throws {SafetensorsError} for a missing or malformed file, naming the file and tensor
 * @example
 * ```ts
 * import { loadStateDictUnder } from "./checkpoint.ts";
 * const sd = loadStateDictUnder("data/tiny/model.safetensors", ["h.0.mlp."]);
 * Object.keys(sd); // ["h.0.mlp.c_fc.bias", "h.0.mlp.c_fc.weight", ...]
 * ```
 */
export function loadStateDictUnder(path: string, prefixes: readonly string[]): StateDict {
  using file = SafetensorsFile.open(path);
  return readTensors(file, file.names().filter((n) => prefixes.some((p) => n.startsWith(p))));
}

/**
 * A checkpoint read on first use, in parts: the returned function gives the tensors whose names
 * start with one of `under` (default: all), reading each part once, and only the whole file once
 * everything has been asked for.
 *
 * @param path the `.safetensors` file
 * @returns the reader; what it returns may hold more than was asked for
 * @example
 * ```ts
 * import { lazyCheckpoint } from "./checkpoint.ts";
 * const weights = lazyCheckpoint("data/tiny/model.safetensors");
 * weights(["wte."])["wte.weight"].shape; // [50257, 64], without reading the blocks
 * ```
 */
export function lazyCheckpoint(path: string): (under?: readonly string[]) => StateDict {
  let whole: StateDict | undefined;
  const parts = new Map<string, StateDict>();
  return (under) => {
    if (whole) return whole;
    if (!under || under.includes("")) return whole = loadStateDict(path);
    const key = under.join("\n");
    const part = parts.get(key) ?? loadStateDictUnder(path, under);
    parts.set(key, part);
    return part;
  };
}

function readTensors(file: SafetensorsFile, names: readonly string[]): StateDict {
  const out: StateDict = {};
  for (const name of names) {
    const { shape, data } = file.readFloat32(name, kernelFloats);
    out[name] = new Tensor(data, shape);
  }
  return out;
}

/**
 * Writes a state dict as an F32 safetensors file, atomically (a temporary file renamed into
 * place, so a failed write leaves nothing behind).
 *
 * @param path the file to write
 * @param stateDict tensors by key
 * @param metadata string metadata for the header
 */
export function saveStateDict(
  path: string,
  stateDict: StateDict,
  metadata: Record<string, string> = {},
): void {
  const tensors = Object.fromEntries(
    Object.entries(stateDict).map((
      [k, t],
    ) => [k, { dtype: "F32" as const, shape: [...t.shape], data: t.contiguous().data }]),
  );
  writeSafetensors(path, tensors, metadata);
}
