/// <reference lib="dom" />
/**
 * The Tokens panel (stage 1): for each text, the learner's tokens as coloured chips with their
 * ids; where their ids differ from GPT-2's, GPT-2's row too, the first difference marked.
 *
 * @module
 */
import type { Chip, TokensView } from "../api.ts";
import { api, drawing, fill, h, textInput } from "./dom.ts";
import { learnerSide } from "./learner.ts";

/** The lecture's examples. */
const EXAMPLES = ["cat", " cat", "superman", "spiderman"];

/**
 * A token's text made visible: a space as `␣`, a newline as `↵`.
 *
 * @param piece the text
 * @returns what the chip shows
 */
export function visible(piece: string): string {
  return piece.replaceAll(" ", "␣").replaceAll("\n", "↵").replaceAll("\t", "⇥");
}

/**
 * A token as a chip, coloured by its id.
 *
 * @param chip the token
 * @param marked whether it is the first difference
 * @returns the element
 */
export function chipElement(chip: Chip, marked = false): HTMLElement {
  const el = h(
    "span",
    {
      class: marked ? "chip first-difference" : "chip",
      "data-id": chip.id,
      title: `id ${chip.id}`,
    },
    h("span", { class: "piece" }, visible(chip.piece)),
    h("span", { class: "id" }, String(chip.id)),
  );
  el.style.setProperty("--hue", String((chip.id * 137.508) % 360));
  return el;
}

function chipRow(kind: "learner" | "reference", label: string, chips: Chip[], first?: number) {
  return h(
    "div",
    { class: `chips ${kind}`, "data-ids": chips.map((c) => c.id).join(",") },
    h("span", { class: "label" }, label),
    ...chips.map((c, i) => chipElement(c, i === first)),
  );
}

function drawRow(out: Element, view: TokensView): void {
  const differs = view.firstDifference !== undefined;
  fill(
    out,
    learnerSide(view.learner, (chips) =>
      h(
        "div",
        {},
        chipRow("learner", "yours", chips, view.firstDifference),
        differs
          ? h("p", { class: "fail" }, `✗ differs from GPT-2 at token ${view.firstDifference! + 1}`)
          : h("p", { class: "pass" }, "✓ the same ids as GPT-2's tokenizer"),
      )),
    view.learner.state !== "ready" || differs
      ? chipRow("reference", "GPT-2", view.reference, view.firstDifference)
      : null,
  );
}

/** The panel: one row per text. */
export class TokensPanel {
  readonly #rows: { input: HTMLInputElement; out: HTMLElement }[] = [];

  /** @param body the panel's body */
  constructor(readonly body: Element) {
    const list = h("div", { class: "token-rows" });
    for (const text of [...EXAMPLES, ""]) {
      const out = h("div", { class: "token-out" });
      const row = {
        input: textInput(
          { value: text, placeholder: "type any text", "aria-label": "text to tokenize" },
          () => this.#run([row]),
          300,
        ),
        out,
      };
      list.append(h("div", { class: "token-row" }, row.input, out));
      this.#rows.push(row);
    }
    fill(body, list);
  }

  /** Tokenizes every text again (after the learner's files changed). */
  refresh(): Promise<void> {
    return this.#run(this.#rows);
  }

  async #run(rows: { input: HTMLInputElement; out: HTMLElement }[]): Promise<void> {
    const asked = rows.map((row) => ({ ...row, text: row.input.value })).filter((r) => {
      r.out.closest(".token-row")!.setAttribute("data-text", r.text);
      if (!r.text) fill(r.out);
      return r.text !== "";
    });
    if (!asked.length) return;
    await drawing(asked.map((r) => r.out), async () => {
      const views = await api<TokensView[]>("/api/tokens", { texts: asked.map((r) => r.text) });
      asked.forEach((r, i) => r.input.value === r.text && drawRow(r.out, views[i]));
    });
  }
}
