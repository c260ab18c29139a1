/// <reference lib="dom" />
/**
 * The Stages panel: each stage's report as `deno task check` prints it, coloured by the marks
 * it already has (✓ ✗ ○).
 *
 * @module
 */
import type { StagesView } from "../api.ts";
import { fill, h } from "./dom.ts";

const MARKS: [RegExp, string][] = [
  [/^\s*✓/, "pass"],
  [/^\s*✗/, "fail"],
  [/^\s*(○|hint:)/, "todo"],
  [/^\s*(·|–|│|your code printed)/, "dim"],
  [/^\s+hint:/, "todo"],
];

function line(text: string): HTMLElement {
  const kind = MARKS.find(([re]) => re.test(text))?.[1];
  return h("span", { class: kind }, `${text}\n`);
}

/**
 * Draws the Stages panel.
 *
 * @param body the panel's body
 * @param view the stages
 */
export function drawStages(body: Element, view: StagesView): void {
  fill(
    body,
    view.problem ? h("p", { class: "error" }, view.problem) : null,
    ...view.stages.map((s) =>
      h(
        "article",
        { class: `stage ${s.state}`, "data-stage": s.number, "data-state": s.state },
        h("pre", {}, ...s.lines.map(line)),
        s.state === "grading" || s.stale ? h("p", { class: "dim" }, "grading…") : null,
      )
    ),
  );
}
