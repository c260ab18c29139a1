// gpt2-kit: reveals-solutions (exports the solutions' model)
import { assertEquals, assertStringIncludes } from "@std/assert";
import { openSession } from "../lib/backends.ts";
import { generate } from "../lib/generate.ts";
import { kitPath } from "../lib/paths.ts";
import { sessionLogits } from "../lib/session_runner.ts";
import { TINY } from "../grader/context.ts";
import { englishReference } from "../grader/english.ts";
import { loadReferences } from "../grader/references.ts";
import type { ModelView } from "./api.ts";
import { ModelStore } from "./models.ts";
import { StudioSession } from "./session.ts";

const refs = loadReferences(TINY.refsPath);

/** Runs an export as the page does (onnxruntime-web, WASM), fetching its files from the store. */
async function greedy(
  store: ModelStore,
  model: ModelView,
  prompts: { ids: number[]; n: number }[],
) {
  const exported = {
    bytes: store.file(model.graph)!,
    externalData: model.external.map((f) => ({ path: f.path, data: store.file(f.url)! })),
  };
  const open = await openSession(exported, "wasm");
  const runner = {
    backend: "wasm" as const,
    notices: [],
    cached: model.cached,
    threads: 1,
    nextLogits: sessionLogits(open.api, open.session, model.config, model.cached),
    close: () => open.session.release(),
  };
  try {
    const nPositions = model.config.n_positions;
    return await Promise.all(prompts.map(async (p) => {
      return (await generate(runner, p.ids, { maxNewTokens: p.n, nPositions })).ids;
    }));
  } finally {
    await runner.close();
  }
}

const tinyPrompts = refs.prompts.map((p) => ({ ids: p.ids, n: p.generated.length }));

Deno.test("the exported solutions generate the reference ids, the weights read from the checkpoint", async () => {
  using session = new StudioSession({ learnerDir: kitPath("solutions"), files: TINY });
  const store = new ModelStore(session);
  const exported = await store.export("studio");
  if (exported.state !== "ready") throw new Error(JSON.stringify(exported));
  const model = exported.value;
  assertEquals(model.cached, false);
  assertStringIncludes(model.notes[0], "recomputes the whole sequence");
  assertEquals(await greedy(store, model, tinyPrompts), refs.prompts.map((p) => p.generated));
});

Deno.test("once stage 6 passes, the export carries the KV cache and still generates the reference ids", async () => {
  using session = new StudioSession({ learnerDir: kitPath("solutions"), files: TINY });
  await session.regrade([session.stage(6)]);
  assertEquals(session.result(6)?.status, "pass");
  const store = new ModelStore(session);
  const exported = await store.export("studio");
  if (exported.state !== "ready") throw new Error(JSON.stringify(exported));
  assertEquals(exported.value.cached, true);
  assertEquals(
    await greedy(store, exported.value, tinyPrompts),
    refs.prompts.map((p) => p.generated),
  );
});

Deno.test("on the bundled English model, the exported solutions continue as PyTorch does", async () => {
  using session = new StudioSession({ learnerDir: kitPath("solutions"), files: TINY });
  const store = new ModelStore(session);
  assertEquals(store.models().map((m) => m.id), ["english", "studio"]);
  const exported = await store.export("english");
  if (exported.state !== "ready") throw new Error(JSON.stringify(exported));
  assertEquals(exported.value.config.n_embd, 128);
  const r = englishReference();
  const [ids] = await greedy(store, exported.value, [{
    ids: r.prompt_ids,
    n: r.generated_ids.length,
  }]);
  assertEquals(ids, r.generated_ids);
});

Deno.test("the stubs' export says stage 5 is not started; unknown model files are not found", async () => {
  using session = new StudioSession({ learnerDir: kitPath("exercises"), files: TINY });
  const store = new ModelStore(session);
  const exported = await store.export("studio");
  assertEquals(exported.state === "not-started" && exported.stage, 5);
  assertEquals(store.file("/api/model/00000000-0000-0000-0000-000000000000/graph.onnx"), undefined);
  assertEquals(store.file("/api/model/../graph.onnx"), undefined);
});
