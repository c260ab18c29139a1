// gpt2-kit: reveals-solutions (exports the solutions' model in the sandbox)
import { assert, assertEquals } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import { TINY } from "../grader/context.ts";
import { STAGES } from "../grader/stages/mod.ts";
import type { BrowserExport } from "./probes.ts";
import { STUDIO_PROBES } from "./probes.ts";
import { StudioSession } from "./session.ts";

Deno.test("the studio's probes never take the name of a stage's own probe", () => {
  for (const [n, probes] of Object.entries(STUDIO_PROBES)) {
    const stage = STAGES.find((s) => s.number === Number(n))!;
    const shared = Object.keys(probes).filter((name) => name in stage.probes);
    assertEquals(shared, [], `stage ${n}`);
  }
});

Deno.test("the export names every large weight by its checkpoint key: no weight crosses the sandbox's channel", async () => {
  using session = new StudioSession({ learnerDir: kitPath("solutions"), files: TINY });
  const run = await session.probe(session.stage(5), [{ id: "export", probe: "export" }]);
  const outcome = run.outcomes.get("export");
  if (!outcome?.ok) throw new Error(JSON.stringify(outcome ?? run));
  const value = outcome.value as BrowserExport;
  const keys = value.external.map((f) => "checkpoint" in f ? f.checkpoint : "(bytes)");
  assert(keys.includes("wte.weight") && keys.includes("h.0.attn.c_attn.weight"), String(keys));
  using checkpoint = SafetensorsFile.open(TINY.weightsPath);
  assertEquals(keys.filter((k) => !checkpoint.has(k)), []);
  assert(value.graph.length < 1_000_000, `graph of ${value.graph.length} base64 characters`);
});
