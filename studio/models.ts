/**
 * The Generate panel's server side: the learner's model exported to ONNX in the sandbox (with
 * stage 6's KV cache once that stage passes), on the studio's weights or the bundled English
 * GPT-2's, kept in memory and served to the page by exact name. The weights the export shares
 * with the checkpoint are read from the model file when the page asks for them, so hundreds of
 * megabytes never cross the sandbox's channel, nor sit in the server's memory.
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import { ENGLISH, type ModelFiles } from "../grader/context.ts";
import type { GenerateModel, Learner, ModelView, SessionView } from "./api.ts";
import type { BrowserExport } from "./probes.ts";
import { learnerOutcome, type StudioSession } from "./session.ts";

/** Exports kept at once: the page may still be running the previous one. */
const KEPT = 2;

interface Stored {
  graph: Uint8Array<ArrayBuffer>;
  files: Map<string, () => Uint8Array<ArrayBuffer>>;
}

// A checkpoint entry's float32 bytes, read from the model file when the page asks for them.
function weight(path: string, name: string): Uint8Array<ArrayBuffer> {
  using checkpoint = SafetensorsFile.open(path);
  const { data } = checkpoint.readFloat32(name);
  return new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

function exportOf(value: unknown): BrowserExport {
  const v = value as BrowserExport;
  if (typeof v?.graph !== "string" || !Array.isArray(v.external)) {
    throw new TypeError("The export did not give a graph");
  }
  return v;
}

/** The exports of the learner's model, by id. */
export class ModelStore {
  readonly #models = new Map<string, Stored>();

  /** @param session the studio */
  constructor(readonly session: StudioSession) {}

  /**
   * The models the Generate panel offers, the default first: the bundled English GPT-2 when
   * the studio runs on the tiny model (whose random weights write no English), and the
   * studio's own.
   *
   * @returns their ids and names
   */
  models(): SessionView["generateModels"] {
    const own = { id: "studio" as const, label: `${this.session.options.files.model} (graded)` };
    if (this.session.options.files.model !== "tiny") return [own];
    return [{ id: "english", label: "English (bundled, trained on Jane Austen)" }, own];
  }

  /**
   * Exports the learner's model: with the KV cache when stage 6 passes (or, on weights without
   * references to grade it, when it exports), falling back to stage 5's model.
   *
   * @param model on which weights
   * @returns where the page fetches the graph and its weights, or why there is none
   */
  async export(model: GenerateModel): Promise<Learner<ModelView>> {
    const files = model === "english" ? ENGLISH : this.session.options.files;
    const notes: string[] = [];
    const ungraded = this.session.problem !== undefined;
    if (ungraded || this.session.result(6)?.status === "pass") {
      const cached = await this.#export(6, files);
      if (cached.state === "ready") {
        if (ungraded) {
          cached.value.notes.push(
            "Your KV cache is used without being graded (no references for these weights).",
          );
        }
        return cached;
      }
      notes.push(
        `Your KV cache could not be exported (${
          cached.state === "error" ? cached.message : "stage 6 is not started"
        }): every step recomputes the whole sequence.`,
      );
    } else {
      notes.push(
        "Every step recomputes the whole sequence: stage 6's KV cache is used once it passes.",
      );
    }
    const whole = await this.#export(5, files);
    return whole.state === "ready" ? { ...whole, value: { ...whole.value, notes } } : whole;
  }

  async #export(n: number, model: ModelFiles): Promise<Learner<ModelView>> {
    const stage = this.session.stage(n);
    const run = await this.session.probe(stage, [{ id: "export", probe: "export" }], model);
    const exported = learnerOutcome(run, "export", stage, exportOf);
    if (exported.state !== "ready") return exported;
    const id = crypto.randomUUID();
    const files = new Map<string, () => Uint8Array<ArrayBuffer>>();
    using checkpoint = SafetensorsFile.open(model.weightsPath);
    for (const f of exported.value.external) {
      if (!/^\w[\w.-]*$/.test(f.path)) throw new TypeError(`The export named a file "${f.path}"`);
      if ("checkpoint" in f) {
        const name = f.checkpoint;
        if (!checkpoint.has(name)) throw new TypeError(`The export named a weight "${name}"`);
        files.set(f.path, () => weight(model.weightsPath, name));
      } else {
        const bytes = Uint8Array.fromBase64(f.base64);
        files.set(f.path, () => bytes);
      }
    }
    this.#models.set(id, { graph: Uint8Array.fromBase64(exported.value.graph), files });
    while (this.#models.size > KEPT) this.#models.delete(this.#models.keys().next().value!);
    const base = `/api/model/${id}`;
    return {
      state: "ready",
      value: {
        config: loadConfig(model.configPath),
        graph: `${base}/graph.onnx`,
        external: [...files.keys()].map((path) => ({ path, url: `${base}/${path}` })),
        cached: exported.value.cached,
        notes: [],
      },
    };
  }

  /**
   * The bytes behind a URL path of an export, looked up by exact name.
   *
   * @param pathname e.g. `/api/model/<id>/graph.onnx`
   * @returns the bytes, or undefined when there is no such file
   */
  file(pathname: string): Uint8Array<ArrayBuffer> | undefined {
    const m = pathname.match(/^\/api\/model\/([0-9a-f-]{36})\/(\w[\w.-]*)$/);
    const model = m ? this.#models.get(m[1]) : undefined;
    if (!model) return undefined;
    return m![2] === "graph.onnx" ? model.graph : model.files.get(m![2])?.();
  }
}
