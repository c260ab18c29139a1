/// <reference lib="dom" />
/**
 * How a panel shows the learner's side when it is not ready: a stage not written yet says so
 * with its first hint; an error is shown in the grader's words.
 *
 * @module
 */
import type { Learner } from "../api.ts";
import { h } from "./dom.ts";

/**
 * The learner's side of a panel.
 *
 * @param learner what came back
 * @param ready draws the value when the learner's code ran
 * @returns the element
 */
export function learnerSide<T>(learner: Learner<T>, ready: (value: T) => Node): Node {
  if (learner.state === "not-started") {
    return h(
      "div",
      { class: "not-started", "data-state": "not-started" },
      h("p", {}, `○ Stage ${learner.stage} not started`),
      h("p", { class: "hint" }, `hint: ${learner.hint}`),
    );
  }
  if (learner.state === "error") {
    return h("div", { class: "error", "data-state": "error" }, h("p", {}, `✗ ${learner.message}`));
  }
  const notes = (learner.notes ?? []).map((n) => h("p", { class: "note" }, n));
  return h("div", { "data-state": "ready" }, ...notes, ready(learner.value));
}
