/// <reference lib="dom" />
/**
 * The Attention panel (stages 3 and 5): for a prompt, each head's attention weights as a T × T
 * heatmap (row: the token that looks, column: the token looked at), the learner's beside the
 * reference's and their difference, one layer at a time.
 *
 * @module
 */
import type { AttentionView, AttentionWeights, Chip } from "../api.ts";
import { api, drawing, fill, h, textInput } from "./dom.ts";
import { diverging, heatmap, labelled, sequential, short } from "./heatmap.ts";
import { learnerSide } from "./learner.ts";
import { visible } from "./tokens_panel.ts";

const PROMPT = "The cat sat on the mat because it was tired.";

/** One head's `T × T` weights, row by row. */
function head(w: AttentionWeights, layer: number, h: number, T: number): Float32Array {
  const at = (layer * w.heads + h) * T * T;
  return Float32Array.from(w.weights.slice(at, at + T * T));
}

function cellSize(T: number): number {
  return Math.max(4, Math.min(24, Math.floor(200 / T)));
}

function drawLayer(
  out: Element,
  view: AttentionView,
  learner: AttentionWeights | undefined,
  layer: number,
): void {
  const T = view.tokens.length, cell = cellSize(T);
  const names = view.tokens.map((t: Chip) => visible(t.piece));
  const map = (kind: string, values: ArrayLike<number>, hd: number, diff = false) => {
    const canvas = heatmap({
      rows: T,
      cols: T,
      values,
      color: diff ? diverging : sequential,
      cell,
      describe: (i, j, v) => `“${names[i]}” (${i}) looks at “${names[j]}” (${j}): ${short(v)}`,
      data: { kind, layer, head: hd },
    });
    return h(
      "figure",
      { class: `attention-map ${kind}` },
      cell >= 12 ? labelled(canvas, names, names, cell) : canvas,
      h(
        "figcaption",
        {},
        kind === "difference" ? "yours − reference" : kind === "learner" ? "yours" : "reference",
      ),
    );
  };
  const heads = Array.from({ length: view.reference.heads }, (_, hd) => {
    const ref = head(view.reference, layer, hd, T);
    const mine = learner && layer < learner.layers ? head(learner, layer, hd, T) : undefined;
    return h(
      "div",
      { class: "attention-head", "data-head": hd },
      h("h4", {}, `head ${hd}`),
      mine
        ? map("learner", mine, hd)
        : learner
        ? h("p", { class: "dim" }, "yours: layer 0 only")
        : null,
      map("reference", ref, hd),
      mine ? map("difference", mine.map((x, i) => x - ref[i]), hd, true) : null,
    );
  });
  fill(out, h("div", { class: "attention-heads" }, ...heads));
}

/** The panel. */
export class AttentionPanel {
  readonly #input: HTMLInputElement;
  readonly #out = h("div", { class: "attention-out" });
  #layer = 0;

  /** @param body the panel's body */
  constructor(readonly body: Element) {
    this.#input = textInput(
      { value: PROMPT, class: "wide", "aria-label": "prompt" },
      () => this.refresh(),
      500,
    );
    fill(body, h("label", {}, "Prompt: ", this.#input), this.#out);
  }

  /** Computes the weights again. */
  refresh(): Promise<void> {
    return drawing(this.#out, async () => {
      this.#draw(await api<AttentionView>("/api/attention", { prompt: this.#input.value }));
    });
  }

  #draw(view: AttentionView): void {
    const layers = view.reference.layers;
    this.#layer = Math.min(this.#layer, layers - 1);
    const grid = h("div", {});
    const learner = view.learner.state === "ready" ? view.learner.value : undefined;
    const buttons = Array.from({ length: layers }, (_, l) => {
      const b = h("button", { type: "button", "data-layer": l }, `layer ${l}`);
      b.addEventListener("click", () => {
        this.#layer = l;
        for (const other of buttons) other.classList.toggle("selected", other === b);
        drawLayer(grid, view, learner, l);
      });
      b.classList.toggle("selected", l === this.#layer);
      return b;
    });
    drawLayer(grid, view, learner, this.#layer);
    fill(
      this.#out,
      h("div", { class: "tokens-line" }, `${view.tokens.length} tokens`),
      learnerSide(view.learner, () => h("span")),
      h("div", { class: "layers" }, ...buttons),
      grid,
    );
  }
}
