/**
 * The Stages panel: every stage's latest grading, in the words of `deno task check`.
 *
 * @module
 */
import { formatStage, styles } from "../grader/report/pretty.ts";
import type { StagesView } from "./api.ts";
import type { StudioSession } from "./session.ts";

/**
 * The Stages panel.
 *
 * @param session the studio
 * @returns each stage's state and report
 */
export function stagesView(session: StudioSession): StagesView {
  const plain = styles(false);
  const stages = session.stages.map((stage) => {
    const r = session.result(stage.number);
    const base = { number: stage.number, name: stage.name, stale: session.grading(stage.number) };
    return r
      ? { ...base, state: r.status, lines: formatStage(r, plain, false) }
      : { ...base, state: "grading" as const, lines: [`Stage ${stage.number} · ${stage.name}`] };
  });
  return { stages, ...(session.problem ? { problem: session.problem } : {}) };
}
