/**
 * The Attention panel (stages 3 and 5): the attention weights of the learner's own model for a
 * prompt, every layer and head, beside the reference model's. The learner's weights are the
 * ones their code computed, captured in the sandbox (`attention_capture.ts`): from their whole
 * `GPT2` once it runs, else layer 0 from their `CausalSelfAttention`, fed the reference's
 * input to that layer.
 *
 * @module
 */
import { END_OF_TEXT } from "../lib/generate.ts";
import { Tensor } from "../lib/tensor.ts";
import type { TensorData } from "../grader/wire.ts";
import type { AttentionView, AttentionWeights, Learner } from "./api.ts";
import { learnerOutcome, MAX_ATTENTION_TOKENS, type StudioSession } from "./session.ts";
import { chips, referenceIds } from "./tokens.ts";

function weightsOf(layers: number, heads: number, T: number) {
  return (value: unknown): AttentionWeights => {
    const v = value as { weights?: TensorData; found?: number };
    if (
      v?.weights?.data instanceof Float32Array && v.weights.data.length === layers * heads * T * T
    ) {
      return { layers, heads, weights: [...v.weights.data] };
    }
    throw new TypeError(
      `Could not find your attention weights: expected ${layers * heads} matrices of ${T} × ${T} ` +
        `(${layers === 1 ? "" : `${layers} layers × `}${heads} heads) that multiply the values ` +
        `v, found ${v?.found ?? "none"}. Does your attention compute softmax(q kᵀ / sqrt(d)) and ` +
        "then multiply it by v, with one head per slice of its [B, nh, T, T] weights?",
    );
  };
}

/**
 * The Attention panel for a prompt (cut to {@linkcode MAX_ATTENTION_TOKENS} tokens).
 *
 * @param session the studio
 * @param prompt the prompt's text
 * @returns the tokens, the reference's weights and the learner's
 */
export async function attentionView(
  session: StudioSession,
  prompt: string,
): Promise<AttentionView> {
  const { n_layer: L, n_head: H, n_positions } = session.config;
  const found = referenceIds(prompt);
  const ids = (found.length ? found : [END_OF_TEXT]).slice(
    0,
    Math.min(MAX_ATTENTION_TOKENS, n_positions),
  );
  const T = ids.length;
  const reference = await session.reference(ids);
  const view = (learner: Learner<AttentionWeights>): AttentionView => ({
    tokens: chips(ids),
    reference: { layers: L, heads: H, weights: [...reference.weights] },
    learner,
  });

  const stage5 = session.stage(5);
  const whole = await session.probe(stage5, [{
    id: "attention",
    probe: "attention",
    args: { ids },
  }]);
  const model = learnerOutcome(whole, "attention", stage5, weightsOf(L, H, T));
  if (model.state === "ready") return view(model);

  const stage3 = session.stage(3);
  const x = new Tensor(reference.input, [1, T, session.config.n_embd]);
  const one = await session.probe(stage3, [{ id: "attention", probe: "attention", args: { x } }]);
  const layer = learnerOutcome(one, "attention", stage3, weightsOf(1, H, T));
  if (layer.state !== "ready") return view(layer);
  const why = model.state === "not-started"
    ? "every layer once your GPT2 (stage 5) runs"
    : `your GPT2 could not run: ${model.message}`;
  return view({ ...layer, notes: [`Layer 0 only, from your CausalSelfAttention (${why}).`] });
}
