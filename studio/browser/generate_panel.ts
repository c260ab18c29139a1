/// <reference lib="dom" />
/**
 * The Generate panel (stage 5, and stage 6's cache once it passes): the learner's model,
 * exported to ONNX by the kit, runs in this browser with onnxruntime-web — on WebGPU when the
 * browser offers a hardware adapter, else on WASM, and the panel says which. Tokens stream in
 * with the five most likely next tokens at each step; temperature, top-k and the seed are
 * controls; the speed is shown in tokens per second.
 *
 * The loop is the kit's own (`lib/generate.ts`, `lib/sampling.ts`, `lib/session_runner.ts`),
 * the same as `deno task generate`'s.
 *
 * @module
 */
import type * as Ort from "onnxruntime-web/webgpu";
import { type Backend, chooseBackend } from "../../lib/backend_choice.ts";
import type { Runner } from "../../lib/session_runner.ts";
import { generate, type GenerateResult } from "../../lib/generate.ts";
import { Rng } from "../../lib/rng.ts";
import { topProbabilities } from "../../lib/sampling.ts";
import { sessionLogits } from "../../lib/session_runner.ts";
import type {
  DecodeView,
  EncodeView,
  Learner,
  ModelView,
  SessionView,
  StagesView,
} from "../api.ts";
import { api, fill, h } from "./dom.ts";
import { learnerSide } from "./learner.ts";
import { visible } from "./tokens_panel.ts";

const SVG = "http://www.w3.org/2000/svg";

/** onnxruntime-web's browser build, served by the studio. */
const ORT_URL = "/vendor/ort.webgpu.bundle.min.mjs";

let ort: Promise<typeof Ort> | undefined;

function loadOrt(): Promise<typeof Ort> {
  const url = ORT_URL; // a variable: loaded at run time, not bundled
  return ort ??= import(url);
}

/** A probability as a percentage with two significant digits (a random model's are tiny). */
function percent(p: number): string {
  return `${Number((100 * p).toPrecision(2))}%`;
}

/** Lets the page draw between two steps (a task boundary, without a timer's delay). */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** One generated token: its id, the five most likely at its step, and their texts once known. */
interface Step {
  id: number;
  top: { id: number; p: number }[];
  labels?: string[];
}

/** A model loaded into onnxruntime, for one version of the learner's files. */
interface Loaded {
  files: number;
  model: string;
  config: ModelView["config"];
  backend: Backend;
  notices: string[];
  cached: boolean;
  notes: string[];
  session: Ort.InferenceSession;
}

function control(label: string, input: HTMLInputElement): HTMLElement {
  return h("label", {}, `${label} `, input);
}

function numberInput(value: number, min: number, max: number, step: number, name: string) {
  return h("input", { type: "number", value, min, max, step, name, "aria-label": name });
}

/** The panel. */
export class GeneratePanel {
  readonly #prompt = h("input", {
    type: "text",
    value: "The dog",
    class: "wide",
    name: "prompt",
    "aria-label": "prompt",
  });
  readonly #tokens = numberInput(20, 1, 512, 1, "tokens");
  readonly #temperature = numberInput(0, 0, 2, 0.1, "temperature");
  readonly #topK = numberInput(40, 0, 50257, 1, "top-k");
  readonly #seed = numberInput(0, 0, 2 ** 31 - 1, 1, "seed");
  readonly #model = h("select", { name: "model", "aria-label": "model" });
  readonly #run = h("button", { type: "button", class: "primary" }, "Generate");
  readonly #stop = h("button", { type: "button", disabled: "" }, "Stop");
  readonly #status = h("p", { class: "backend" }, "Not loaded yet.");
  readonly #output = h("div", { class: "generated" });
  readonly #chart = h("div", { class: "top5" });
  readonly #speed = h("p", { class: "speed dim" });
  #loaded?: Loaded;
  #abort?: AbortController;

  /**
   * @param body the panel's body
   * @param session what the studio shows
   * @param files the version of the learner's files (to know when to export again)
   */
  constructor(
    readonly body: Element,
    readonly session: SessionView,
    readonly files: () => number,
  ) {
    for (const m of session.generateModels) {
      this.#model.append(h("option", { value: m.id }, m.label));
    }
    this.#run.addEventListener("click", () => this.generate());
    this.#stop.addEventListener("click", () => this.#abort?.abort());
    fill(
      body,
      h(
        "div",
        { class: "controls" },
        control("Prompt", this.#prompt),
        h("label", {}, "Model ", this.#model),
      ),
      h(
        "div",
        { class: "controls" },
        control("New tokens", this.#tokens),
        control("Temperature (0: greedy)", this.#temperature),
        control("Top-k (0: all)", this.#topK),
        control("Seed", this.#seed),
        this.#run,
        this.#stop,
      ),
      this.#status,
      h("div", { class: "generate-out" }, this.#output, this.#chart),
      this.#speed,
    );
  }

  /**
   * Says, before anything is generated, whether stage 5 is written yet.
   *
   * @param stages the latest grading
   */
  showStages(stages: StagesView): void {
    if (this.#loaded || this.#abort) return;
    const five = stages.stages.find((s) => s.number === 5);
    const stage = this.session.stages.find((s) => s.number === 5)!;
    fill(
      this.#status,
      five?.state === "not-started"
        ? learnerSide({ state: "not-started", stage: 5, hint: stage.hint }, () => h("span"))
        : "Press Generate: your model is exported to ONNX and loaded into this browser.",
    );
  }

  /**
   * Exports the learner's model (when their files changed since) and generates.
   *
   * @returns when generation has ended
   */
  async generate(): Promise<void> {
    this.#run.disabled = true;
    this.#stop.disabled = false;
    this.#abort = new AbortController();
    try {
      const loaded = await this.#load();
      if (!loaded) return;
      await this.#generate(loaded, this.#abort.signal);
    } catch (e) {
      if ((e as Error).name !== "AbortError") {
        fill(this.#output, h("p", { class: "error" }, `✗ ${(e as Error).message}`));
      }
    } finally {
      this.#run.disabled = false;
      this.#stop.disabled = true;
    }
  }

  async #load(): Promise<Loaded | undefined> {
    const files = this.files(), model = this.#model.value;
    if (this.#loaded?.files === files && this.#loaded.model === model) return this.#loaded;
    await this.#loaded?.session.release();
    this.#loaded = undefined;
    fill(this.#status, "Exporting your model to ONNX…");
    const exported = await api<Learner<ModelView>>("/api/model", { model });
    if (exported.state !== "ready") {
      fill(this.#status, learnerSide(exported, () => h("span")));
      return undefined;
    }
    const view = exported.value;
    const { backend, notices } = await chooseBackend("auto");
    fill(this.#status, `Loading it into onnxruntime-web (${backend.toUpperCase()})…`);
    const runtime = await loadOrt();
    runtime.env.wasm.numThreads = 1; // as deno task generate's default
    runtime.env.logLevel = "error";
    const session = await runtime.InferenceSession.create(view.graph, {
      executionProviders: [backend],
      logSeverityLevel: 3,
      externalData: view.external.map((f) => ({ path: f.path, data: f.url })),
    });
    this.#loaded = {
      files,
      model,
      config: view.config,
      backend,
      notices,
      cached: view.cached,
      notes: view.notes,
      session,
    };
    return this.#loaded;
  }

  async #generate(loaded: Loaded, signal: AbortSignal): Promise<void> {
    const { config } = loaded;
    const runtime = await loadOrt();
    const next = sessionLogits(runtime, loaded.session, config, loaded.cached);
    let last: Float32Array = new Float32Array(0);
    const runner: Runner = {
      backend: loaded.backend,
      notices: loaded.notices,
      cached: loaded.cached,
      threads: 1,
      nextLogits: async (ids) => {
        await yieldToPage();
        if (signal.aborted) throw new DOMException("stopped", "AbortError");
        return last = await next(ids);
      },
      close: () => Promise.resolve(),
    };
    fill(
      this.#status,
      h(
        "span",
        { "data-backend": loaded.backend },
        `Running in this browser on ${loaded.backend === "webgpu" ? "WebGPU" : "WASM"}` +
          `${loaded.cached ? ", with your KV cache" : ""}, on the ` +
          `${this.#model.selectedOptions[0]?.textContent ?? ""} model.`,
      ),
      ...[...loaded.notices, ...loaded.notes].map((n) => h("span", { class: "note" }, ` ${n}`)),
    );
    const prompt = await api<EncodeView>("/api/encode", { text: this.#prompt.value });
    const temperature = Number(this.#temperature.value) || 0;
    const steps: Step[] = [];
    const started = performance.now();
    let firstAt = 0;
    this.#output.removeAttribute("data-done");
    const show = this.#shower(prompt.ids);
    const result: GenerateResult = await generate(runner, prompt.ids, {
      maxNewTokens: Math.max(1, Math.min(512, Number(this.#tokens.value) || 1)),
      nPositions: config.n_positions,
      temperature,
      topK: temperature > 0 ? Math.max(0, Number(this.#topK.value) || 0) : 0,
      rng: new Rng(Number(this.#seed.value) || 0),
      onToken: (id, all) => {
        if (all.length === 1) firstAt = performance.now();
        steps.push({ id, top: topProbabilities(last, 5) });
        show(steps);
        const s = (performance.now() - firstAt) / 1000;
        this.#speed.textContent = all.length > 1 && s > 0
          ? `${((all.length - 1) / s).toFixed(1)} tokens/s`
          : `first token after ${(performance.now() - started).toFixed(0)} ms`;
      },
    });
    this.#output.dataset.ids = result.ids.join(",");
    this.#output.dataset.promptIds = result.promptIds.join(",");
    this.#output.dataset.backend = loaded.backend;
    this.#output.dataset.tokensPerSecond = result.tokensPerSecond.toFixed(2);
    this.#output.dataset.done = "1";
    this.#speed.textContent =
      `${result.ids.length} tokens: prefill ${result.prefillMs.toFixed(0)} ` +
      `ms, then ${result.tokensPerSecond.toFixed(1)} tokens/s (${
        prompt.by === "yours" ? "your tokenizer" : "GPT-2's tokenizer"
      } for the prompt).`;
  }

  /**
   * Draws the text as it comes: the prompt, then a span per new token whose text (and the texts
   * of its step's five most likely tokens) the server gives when asked, while the loop goes on.
   *
   * @param promptIds the prompt's ids
   * @returns what to call after each step
   */
  #shower(promptIds: number[]): (steps: Step[]) => void {
    const prompt = h("span", { class: "prompt" });
    fill(this.#output, prompt);
    const decode = (ids: number[][]) => api<DecodeView>("/api/decode", { ids });
    decode([promptIds]).then((d) => prompt.textContent = d.texts[0]).catch(() => {});
    return (steps) => {
      const i = steps.length - 1, step = steps[i];
      const span = h("span", { class: "token", "data-id": step.id, title: `id ${step.id}` }, "…");
      span.addEventListener("mouseenter", () => this.#drawTop(step, i));
      this.#output.append(span);
      this.#drawTop(step, i);
      decode([[step.id], ...step.top.map((t) => [t.id])]).then((d) => {
        span.textContent = d.texts[0];
        step.labels = d.texts.slice(1);
        if (i === steps.length - 1) this.#drawTop(step, i);
      }).catch(() => {});
    };
  }

  #drawTop(step: Step, index: number): void {
    const width = 220, bar = 18;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", String(width + 160));
    svg.setAttribute("height", String(step.top.length * (bar + 4)));
    svg.setAttribute("class", "top5-chart");
    step.top.forEach((t, i) => {
      const y = i * (bar + 4);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", "0");
      rect.setAttribute("y", String(y));
      rect.setAttribute("width", String(Math.max(1, t.p * width)));
      rect.setAttribute("height", String(bar));
      rect.setAttribute("class", t.id === step.id ? "chosen" : "other");
      rect.dataset.id = String(t.id);
      rect.dataset.p = String(t.p);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", String(width + 6));
      text.setAttribute("y", String(y + bar - 5));
      const label = step.labels?.[i];
      text.textContent = `${percent(t.p)} ${
        label === undefined ? `id ${t.id}` : `“${visible(label)}”`
      }`;
      svg.append(rect, text);
    });
    fill(
      this.#chart,
      h("p", { class: "dim" }, `Step ${index + 1}: the 5 most likely next tokens`),
      svg,
    );
  }
}
