import { assertEquals, assertThrows } from "@std/assert";
import { UsageError } from "../commands/_usage.ts";
import {
  absolute,
  gradeContext,
  hasRealModel,
  hiddenReferences,
  ModelMissingError,
  selectModel,
  TINY,
} from "./context.ts";

Deno.test("selectModel(): --refs alone grades the named model against other references", () => {
  const files = selectModel({ model: "tiny", refs: "hidden.safetensors" }, true);
  assertEquals(files, { ...TINY, refsPath: absolute("hidden.safetensors") });
  assertEquals(hiddenReferences(files), true);
  assertEquals(hiddenReferences(TINY), false);
  // the kit's own references, named as files, are not hidden
  const named = selectModel({
    weights: TINY.weightsPath,
    config: TINY.configPath,
    refs: TINY.refsPath,
  }, true);
  assertEquals([named.model, hiddenReferences(named)], ["custom", false]);
  // generating needs no references: --refs is not read
  assertEquals(selectModel({ model: "tiny", refs: "x" }, false), TINY);
});

Deno.test("selectModel() refuses options that do not go together", () => {
  assertThrows(() => selectModel({ weights: "w" }, true), UsageError, "go together");
  assertThrows(() => selectModel({ weights: "w", config: "c" }, true), UsageError, "go together");
  assertThrows(
    () => selectModel({ model: "tiny", weights: "w", config: "c", refs: "r" }, true),
    UsageError,
    "not both",
  );
  assertThrows(() => selectModel({ model: "big" }, true), UsageError, 'Unknown --model "big"');
  if (!hasRealModel()) {
    assertThrows(() => selectModel({ model: "gpt2" }, true), ModelMissingError, "deno task setup");
  }
});

Deno.test("gradeContext() says which of the model's files is missing or broken", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = { ...TINY, weightsPath: `${dir}/model.safetensors` };
    assertThrows(() => gradeContext(missing), Error, "model.safetensors does not exist");
    await Deno.writeTextFile(`${dir}/model.safetensors`, "not a checkpoint");
    assertThrows(() => gradeContext(missing));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
