/**
 * The Generate panel's server side: the learner's model exported to ONNX in the sandbox (with
 * stage 6's KV cache once that stage passes), kept in memory and served to the page by exact
 * name. The weights the export shares with the checkpoint are read from the model file the
 * studio was started with when the page asks for them, so hundreds of megabytes never cross the
 * sandbox's channel, nor sit in the server's memory.
 *
 * @module
 */
import { SafetensorsFile } from "../lib/safetensors.ts";
import type { Learner, ModelView } from "./api.ts";
import type { BrowserExport } from "./probes.ts";
import { learnerOutcome, type StudioSession } from "./session.ts";

/** Exports kept at once: the page may still be running the previous one. */
const KEPT = 2;

interface Stored {
  graph: Uint8Array<ArrayBuffer>;
  files: Map<string, () => Uint8Array<ArrayBuffer>>;
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
   * Exports the learner's model: with the KV cache when stage 6 passes (or, on weights without
   * references to grade it, when it exports), falling back to stage 5's model.
   *
   * @returns where the page fetches the graph and its weights, or why there is none
   */
  async export(): Promise<Learner<ModelView>> {
    const notes: string[] = [];
    const ungraded = this.session.problem !== undefined;
    if (ungraded || this.session.result(6)?.status === "pass") {
      const cached = await this.#export(6);
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
    const whole = await this.#export(5);
    return whole.state === "ready" ? { ...whole, value: { ...whole.value, notes } } : whole;
  }

  async #export(n: number): Promise<Learner<ModelView>> {
    const stage = this.session.stage(n);
    const run = await this.session.probe(stage, [{ id: "export", probe: "export" }]);
    const exported = learnerOutcome(run, "export", stage, exportOf);
    if (exported.state !== "ready") return exported;
    const id = crypto.randomUUID();
    const files = new Map<string, () => Uint8Array<ArrayBuffer>>();
    using checkpoint = SafetensorsFile.open(this.session.options.files.weightsPath);
    for (const f of exported.value.external) {
      if (!/^\w[\w.-]*$/.test(f.path)) throw new TypeError(`The export named a file "${f.path}"`);
      if ("checkpoint" in f) {
        const name = f.checkpoint;
        if (!checkpoint.has(name)) throw new TypeError(`The export named a weight "${name}"`);
        files.set(f.path, () => this.#weight(name));
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
        graph: `${base}/graph.onnx`,
        external: [...files.keys()].map((path) => ({ path, url: `${base}/${path}` })),
        cached: exported.value.cached,
        notes: [],
      },
    };
  }

  // A checkpoint entry's float32 bytes, read from the model file when the page asks for them.
  #weight(name: string): Uint8Array<ArrayBuffer> {
    using checkpoint = SafetensorsFile.open(this.session.options.files.weightsPath);
    const { data } = checkpoint.readFloat32(name);
    return new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
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
