/// <reference lib="dom" />
/**
 * The "where your numbers diverge" panel: a failing numeric check's error as a heatmap of
 * positions (rows) × channels (columns), the rows with values outside the tolerance marked, and
 * the check's message beside it.
 *
 * @module
 */
import type { DivergenceItem, DivergenceView } from "../api.ts";
import { fill, h } from "./dom.ts";
import { errorScale, heatmap, short } from "./heatmap.ts";

function cellSize(item: DivergenceItem): { w: number; h: number } {
  return {
    w: Math.max(2, Math.min(24, Math.floor(640 / item.columns))),
    h: Math.max(6, Math.min(24, Math.floor(480 / item.rowLabels.length))),
  };
}

function drawItem(out: Element, item: DivergenceItem): void {
  const max = item.errors.reduce<number>((m, e) => Math.max(m, e ?? Infinity), 0);
  const size = cellSize(item);
  const bad = new Set(item.badRows);
  const canvas = heatmap({
    rows: item.rowLabels.length,
    cols: item.columns,
    values: item.errors,
    color: errorScale(Number.isFinite(max) ? max : 1),
    cell: size.w,
    cellHeight: size.h,
    describe: (i, j, v) => {
      const from = j * item.perColumn;
      const channels = item.perColumn > 1
        ? `channels ${from}–${from + item.perColumn - 1}`
        : `channel ${from}`;
      return `position ${item.rowLabels[i]}, ${channels}: |yours − reference| = ${short(v)}`;
    },
    data: { kind: "error", badRows: item.badRows.join(","), shape: item.shape.join(",") },
  });
  const rows = h(
    "ol",
    { class: "error-rows" },
    ...item.rowLabels.map((label, i) => {
      const li = h("li", { class: bad.has(i) ? "bad" : "good", "data-row": i }, label);
      li.style.setProperty("--row", `${size.h}px`);
      return li;
    }),
  );
  fill(
    out,
    h("pre", { class: "check-text" }, item.text),
    item.factor !== undefined
      ? h(
        "p",
        { class: "note" },
        `Every value of yours is the reference's × ${short(item.factor)}.`,
      )
      : null,
    h(
      "p",
      { class: "dim" },
      `${item.badRows.length} of ${item.rowLabels.length} positions are outside the tolerance ` +
        `(marked ✗); shape [${item.shape.join(", ")}], ` +
        (item.perColumn > 1 ? `${item.perColumn} channels a column, ` : "") +
        `largest error ${short(max)}.`,
    ),
    h("div", { class: "error-map" }, rows, canvas),
  );
}

/**
 * Draws the panel.
 *
 * @param body the panel's body
 * @param view the failing checks
 * @param grading whether stages are still being graded
 */
export function drawDivergence(body: Element, view: DivergenceView, grading: boolean): void {
  if (!view.items.length) {
    return fill(
      body,
      h(
        "p",
        { class: "dim", "data-state": "empty" },
        grading
          ? "Waiting for the grader…"
          : "No numeric check fails: when one does, its error is drawn here.",
      ),
    );
  }
  const out = h("div", {});
  const buttons = view.items.map((item, i) => {
    const b = h("button", { type: "button", "data-item": i }, `Stage ${item.stage}: ${item.check}`);
    b.addEventListener("click", () => {
      for (const other of buttons) other.classList.toggle("selected", other === b);
      drawItem(out, item);
    });
    return b;
  });
  buttons[0].classList.add("selected");
  drawItem(out, view.items[0]);
  fill(body, h("div", { class: "items" }, ...buttons), out);
}
