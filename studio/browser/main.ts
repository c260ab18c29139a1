/// <reference lib="dom" />
/**
 * The studio's page: builds the panels, then asks the server every second whether the learner's
 * files changed (then the panels that run their code run it again) or a stage's grading did
 * (then the Stages and divergence panels are drawn again). `document.body.dataset.ready` is set
 * once the page is drawn.
 *
 * @module
 */
import type { DivergenceView, SessionView, StagesView, StatusView } from "../api.ts";
import { AttentionPanel } from "./attention_panel.ts";
import { drawDivergence } from "./divergence_panel.ts";
import { api, h } from "./dom.ts";
import { EmbeddingsPanel } from "./embeddings_panel.ts";
import { GeneratePanel } from "./generate_panel.ts";
import { drawStages } from "./stages_panel.ts";
import { TokensPanel } from "./tokens_panel.ts";

const POLL_MS = 1000;

function body(id: string): Element {
  return document.querySelector(`#${id} .body`)!;
}

async function main(): Promise<void> {
  const session = await api<SessionView>("/api/session");
  const c = session.config;
  document.getElementById("session")!.textContent = `${session.model} model (${c.n_layer} ` +
    `layers × ${c.n_head} heads, width ${c.n_embd}) · your files: ${session.learnerDir}`;
  const tokens = new TokensPanel(body("tokens"));
  const embeddings = new EmbeddingsPanel(body("embeddings"));
  const attention = new AttentionPanel(body("attention"));
  let files = -1, results = -1;
  const generate = new GeneratePanel(body("generate"), session, () => files);
  const poll = async () => {
    const status = await api<StatusView>("/api/status");
    if (status.files !== files) {
      files = status.files;
      for (const panel of [tokens, embeddings, attention]) panel.refresh();
    }
    if (status.results !== results || status.grading > 0) {
      results = status.results;
      const [stages, divergence] = await Promise.all([
        api<StagesView>("/api/stages"),
        api<DivergenceView>("/api/divergence"),
      ]);
      drawStages(body("stages"), stages);
      generate.showStages(stages);
      drawDivergence(body("divergence"), divergence, status.grading > 0);
    }
  };
  await poll();
  document.body.dataset.ready = "1";
  let polling = false;
  setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      await poll();
      document.body.classList.remove("offline");
    } catch {
      document.body.classList.add("offline");
    } finally {
      polling = false;
    }
  }, POLL_MS);
}

main().catch((e) => {
  document.querySelector("main")!.prepend(
    h("p", { class: "error" }, `The studio's page could not start: ${(e as Error).message}`),
  );
});
