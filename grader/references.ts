/**
 * Reference activations: the numbers a correct GPT-2 produces on fixed prompts, read from a
 * safetensors file made by `pytorch/reference.py` (PyTorch, for the bundled tiny model) or by
 * `deno task refs` (for any weights).
 *
 * Layout, for prompt `k` of length `T` (C = n_embd, V = vocab size):
 * `p{k}.input_ids` `[T]`, `p{k}.embeddings` `[T, C]`, `p{k}.h0.attn_in`, `p{k}.h0.attn_out`,
 * `p{k}.h0.mlp_in`, `p{k}.h0.mlp_out` `[T, C]`, `p{k}.h{i}.out` `[T, C]` for every block,
 * `p{k}.ln_f` `[T, C]`, `p{k}.logits` `[T, V]`, `p{k}.generated_ids` `[N]` (greedy). The
 * header's metadata says how the file was made (`format`, `producer`, `prompts`, ...).
 *
 * Beside them, the layer fixtures: single layers' inputs and PyTorch's outputs, independent of
 * any model (`conv1d.x/weight/bias/out`, `gelu_tanh.x/out`, `gelu_exact.out`, `layernorm.*`,
 * `softmax.*`, `sdpa*`), read with {@linkcode layerFixture}.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import type { TensorData } from "./wire.ts";

/** The metadata `format` a reference file must declare. */
export const REFERENCE_FORMAT = "gpt2-kit-reference/1";

/** One prompt's references. */
export interface PromptRef {
  /** Its position `k` in the file. */
  index: number;
  /** The prompt text, when the file records it. */
  text?: string;
  /** The prompt's token ids. */
  ids: number[];
  /** The greedy continuation's ids. */
  generated: number[];
  /**
   * One activation of this prompt.
   *
   * @param name e.g. `"h0.attn_out"`, `"logits"`
   * @returns the tensor
   * @throws {ReferenceError} when the file lacks it
   */
  tensor(name: string): TensorData;
}

/** A loaded reference file. */
export interface References {
  /** The file. */
  path: string;
  /** Its header metadata. */
  metadata: Record<string, string>;
  /** Its prompts, in order. */
  prompts: PromptRef[];
}

/** Raised for a reference file that is missing, malformed or lacks an activation. */
export class ReferenceFileError extends Error {
  /** @param message what is wrong, naming the file */
  constructor(message: string) {
    super(message);
    this.name = "ReferenceFileError";
  }
}

/**
 * Reads a reference file.
 *
 * @param path the `.safetensors` file
 * @returns the references
 * @throws {ReferenceFileError} when the file is not a reference file
 * @throws {SafetensorsError} when it is not a valid safetensors file
 */
export function loadReferences(path: string): References {
  using file = SafetensorsFile.open(path);
  const metadata = file.metadata;
  if (metadata.format !== REFERENCE_FORMAT) {
    throw new ReferenceFileError(
      `Cannot use "${path}" as references: its metadata "format" is ${
        JSON.stringify(metadata.format ?? null)
      }, expected "${REFERENCE_FORMAT}" (make one with \`deno task refs\`)`,
    );
  }
  const tensors = new Map<string, TensorData>();
  for (const name of file.names()) tensors.set(name, file.readFloat32(name));
  let texts: { text?: string }[] = [];
  try {
    texts = JSON.parse(metadata.prompts ?? "[]");
  } catch {
    throw new ReferenceFileError(`Cannot use "${path}": metadata "prompts" is not valid JSON`);
  }
  const prompts: PromptRef[] = [];
  for (let k = 0; tensors.has(`p${k}.input_ids`); k++) {
    const get = (name: string): TensorData => {
      const t = tensors.get(`p${k}.${name}`);
      if (!t) throw new ReferenceFileError(`"${path}" has no reference "p${k}.${name}"`);
      return t;
    };
    prompts.push({
      index: k,
      text: texts[k]?.text,
      ids: [...get("input_ids").data],
      generated: tensors.has(`p${k}.generated_ids`) ? [...get("generated_ids").data] : [],
      tensor: get,
    });
  }
  if (prompts.length === 0) {
    throw new ReferenceFileError(`"${path}" holds no prompts (no "p0.input_ids")`);
  }
  return { path, metadata, prompts };
}

/** The metadata `format` the layer fixtures file declares. */
export const LAYER_FIXTURES_FORMAT = "gpt2-kit-layers/1";

/** The layer fixtures file, made by `pytorch/reference.py` (PyTorch, computed in float64). */
export const LAYER_FIXTURES_PATH: string = kitPath("data", "reference", "layers.safetensors");

let layerFixtures: Map<string, TensorData> | undefined;

/**
 * One tensor of the layer fixtures (the file is read once per process, on first use).
 *
 * @param name e.g. `"conv1d.weight"`, `"gelu_tanh.out"`
 * @returns the tensor
 * @throws {ReferenceFileError} when the file is not the layer fixtures or lacks `name`
 * @example
 * ```ts
 * import { layerFixture } from "./references.ts";
 * layerFixture("conv1d.weight").shape; // [7, 3]
 * ```
 */
export function layerFixture(name: string): TensorData {
  if (!layerFixtures) {
    using file = SafetensorsFile.open(LAYER_FIXTURES_PATH);
    if (file.metadata.format !== LAYER_FIXTURES_FORMAT) {
      throw new ReferenceFileError(
        `Cannot use "${LAYER_FIXTURES_PATH}" as layer fixtures: its metadata "format" is ${
          JSON.stringify(file.metadata.format ?? null)
        }, expected "${LAYER_FIXTURES_FORMAT}"`,
      );
    }
    layerFixtures = new Map(file.names().map((n) => [n, file.readFloat32(n)]));
  }
  const t = layerFixtures.get(name);
  if (!t) throw new ReferenceFileError(`"${LAYER_FIXTURES_PATH}" has no fixture "${name}"`);
  return t;
}
