/// <reference lib="dom" />
/**
 * The Embeddings panel (stage 2): a word list the learner edits, and the cosine similarity of
 * their embeddings of every pair, as a heatmap.
 *
 * @module
 */
import type { EmbeddingsView } from "../api.ts";
import { api, drawing, fill, h, textInput } from "./dom.ts";
import { diverging, heatmap, labelled, short } from "./heatmap.ts";
import { learnerSide } from "./learner.ts";
import { visible } from "./tokens_panel.ts";

/** The lecture's words. */
const WORDS = "fruit, apple, man, woman";
const CELL = 56;

function draw(out: Element, view: EmbeddingsView): void {
  const names = view.words.map((w) =>
    w.tokens.length === 1
      ? w.word
      : `${w.word} (${w.tokens.map((t) => visible(t.piece)).join("|")})`
  );
  fill(
    out,
    learnerSide(view.similarities, (matrix) => {
      const n = matrix.length;
      const canvas = heatmap({
        rows: n,
        cols: n,
        values: matrix.flat(),
        color: diverging,
        cell: CELL,
        text: (v) => (v === null ? "?" : v.toFixed(2)),
        describe: (i, j, v) => `cos(${names[i]}, ${names[j]}) = ${short(v)}`,
        data: { kind: "similarity" },
      });
      return labelled(canvas, names, names, CELL);
    }),
    h(
      "p",
      { class: "dim" },
      'Each word is embedded after a space, as inside a sentence (" apple"); a word of ' +
        "several tokens is the mean of their vectors. Red: similar; blue: opposite.",
    ),
  );
}

/** The panel. */
export class EmbeddingsPanel {
  readonly #input: HTMLInputElement;
  readonly #out = h("div", { class: "embeddings-out" });

  /** @param body the panel's body */
  constructor(readonly body: Element) {
    this.#input = textInput(
      { value: WORDS, class: "wide", "aria-label": "words, separated by commas" },
      () => this.refresh(),
    );
    fill(body, h("label", {}, "Words (comma-separated): ", this.#input), this.#out);
  }

  /** Computes the similarities again. */
  refresh(): Promise<void> {
    const words = this.#input.value.split(",").map((w) => w.trim()).filter((w) => w).slice(0, 16);
    if (!words.length) {
      fill(this.#out, h("p", { class: "dim" }, "Type some words."));
      return Promise.resolve();
    }
    return drawing(this.#out, async () => {
      draw(this.#out, await api<EmbeddingsView>("/api/embeddings", { words }));
    });
  }
}
