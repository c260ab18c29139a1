import { assertEquals, assertStrictEquals } from "@std/assert";
import { lazyCheckpoint, loadStateDict } from "./checkpoint.ts";
import { kitPath } from "./paths.ts";

const TINY = kitPath("data", "tiny", "model.safetensors");

Deno.test("lazyCheckpoint reads the parts asked for, each once, and the whole file once", () => {
  const weights = lazyCheckpoint(TINY);
  const mlp = weights(["h.0.mlp."]);
  assertEquals(Object.keys(mlp).sort(), [
    "h.0.mlp.c_fc.bias",
    "h.0.mlp.c_fc.weight",
    "h.0.mlp.c_proj.bias",
    "h.0.mlp.c_proj.weight",
  ]);
  assertStrictEquals(weights(["h.0.mlp."]), mlp, "a part is read once");
  const embeddings = weights(["wte.", "wpe."]);
  assertEquals(Object.keys(embeddings).sort(), ["wpe.weight", "wte.weight"]);
  const all = weights();
  assertEquals(Object.keys(all).length, Object.keys(loadStateDict(TINY)).length);
  assertStrictEquals(weights(["h.0.mlp."]), all, "once read whole, the whole serves every part");
  assertEquals([...all["h.0.mlp.c_fc.weight"].data], [...mlp["h.0.mlp.c_fc.weight"].data]);
});
