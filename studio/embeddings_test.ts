// gpt2-kit: reveals-solutions (runs the solutions' embeddings)
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { loadStateDict } from "../lib/checkpoint.ts";
import { kitPath } from "../lib/paths.ts";
import { TINY } from "../grader/context.ts";
import { DEFAULT_WORDS, embeddingsView } from "./embeddings.ts";
import { StudioSession } from "./session.ts";

const session = (learnerDir: string) => new StudioSession({ learnerDir, files: TINY });

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  a.forEach((x, i) => (ab += x * b[i], aa += x * x, bb += b[i] * b[i]));
  return ab / Math.sqrt(aa * bb);
}

Deno.test("embeddingsView() gives the cosine similarity of the words' wte rows, word by word", async () => {
  const s = session(kitPath("solutions"));
  const view = await embeddingsView(s, [...DEFAULT_WORDS, "superman"]);
  assertEquals(view.words.map((w) => w.tokens.map((t) => t.id)), [
    [8234],
    [17180],
    [582],
    [2415],
    [2208, 805],
  ]);
  if (view.similarities.state !== "ready") throw new Error(JSON.stringify(view.similarities));
  const wte = loadStateDict(TINY.weightsPath, ["wte.weight"])["wte.weight"];
  const row = (ids: number[]) => {
    const v = new Float32Array(wte.shape[1]);
    for (const id of ids) {
      wte.select(0, id).contiguous().data.forEach((x, i) => (v[i] += x / ids.length));
    }
    return v;
  };
  const vectors = view.words.map((w) => row(w.tokens.map((t) => t.id)));
  view.similarities.value.forEach((r, i) =>
    r.forEach((c, j) => assertAlmostEquals(c, cosine(vectors[i], vectors[j]), 1e-5))
  );
});

Deno.test("embeddingsView() on the stubs says stage 2 is not started, with its first hint", async () => {
  const view = await embeddingsView(session(kitPath("exercises")), DEFAULT_WORDS);
  assertEquals(view.similarities.state, "not-started");
});
