// gpt2-kit: reveals-solutions (runs the solutions' tokenizer, and a copy with a planted bug)
import { assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { TINY } from "../grader/context.ts";
import { withMutatedCopy } from "../grader/test_support.ts";
import { StudioSession } from "./session.ts";
import { decodeIds, encodeView, referenceIds, tokensView } from "./tokens.ts";

const session = (learnerDir: string) => new StudioSession({ learnerDir, files: TINY });

Deno.test("tokensView() gives the solutions' tokens, the same as GPT-2's, with their texts", async () => {
  const [cat, spiderman] = await tokensView(session(kitPath("solutions")), [" cat", "spiderman"]);
  assertEquals(cat.learner, { state: "ready", value: [{ id: 3797, piece: " cat" }] });
  assertEquals(spiderman.reference.map((c) => c.piece), ["sp", "ider", "man"]);
  assertEquals(spiderman.firstDifference, undefined);
});

Deno.test("tokensView() marks where a tokenizer merging the highest rank first leaves GPT-2's ids", async () => {
  const views = await withMutatedCopy("1_tokenizer.ts", [
    ["let bestRank = Infinity;", "let bestRank = -Infinity;"],
    ["rank < bestRank", "rank > bestRank"],
  ], (dir) => tokensView(session(dir), ["cat", "spiderman"]));
  for (const [i, text] of ["cat", "spiderman"].entries()) {
    const v = views[i];
    if (v.learner.state !== "ready") throw new Error(JSON.stringify(v.learner));
    const ids = v.learner.value.map((c) => c.id);
    const first = ids.findIndex((id, j) => id !== referenceIds(text)[j]);
    assertEquals(v.firstDifference, first >= 0 ? first : undefined, text);
  }
  assertEquals(views.some((v) => v.firstDifference !== undefined), true);
});

Deno.test("encodeView() uses the learner's tokenizer once it runs, else GPT-2's", async () => {
  assertEquals(await encodeView(session(kitPath("solutions")), "The dog"), {
    ids: [464, 3290],
    by: "yours",
  });
  assertEquals(await encodeView(session(kitPath("exercises")), "The dog"), {
    ids: [464, 3290],
    by: "reference",
  });
});

Deno.test("decodeIds() reads ids as text, and names an id outside the vocabulary", () => {
  assertEquals(decodeIds([464, 3290]), "The dog");
  assertEquals(decodeIds([464, 99999]), "<99999?>");
});
