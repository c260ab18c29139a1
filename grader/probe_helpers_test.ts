import { assert, assertEquals } from "@std/assert";
import { loadConfig } from "../lib/config.ts";
import { Module } from "../lib/module.ts";
import { Tensor } from "../lib/tensor.ts";
import { builtModule, loadedModule, stateShapes } from "./probe_helpers.ts";
import type { ProbeEnv } from "./stage.ts";

let built = 0;
class Scale extends Module {
  weight: Tensor;
  constructor() {
    super();
    built++;
    this.weight = Tensor.zeros([2]);
  }
}

const env: ProbeEnv = {
  config: loadConfig("data/tiny/config.json"),
  weights: () => ({ "a.weight": Tensor.ones([2]), "b.weight": Tensor.full([2], 3) }),
  tokenizerDir: "",
  learnerModule: () => Promise.resolve({}),
};

Deno.test("`loadedModule()` loads the module the keys probe built, then builds anew", () => {
  built = 0;
  const learner = { Scale };
  assertEquals(stateShapes(learner, env, "Scale"), { weight: [2] });
  const fresh = builtModule<Scale>(learner, env, "Scale");
  assertEquals(built, 2);
  const a = loadedModule<Scale>(learner, env, "Scale", "a.");
  assert(a === fresh, "the last module built is the one loaded");
  assertEquals([...a.weight.data], [1, 1]);
  assertEquals(built, 2);
  assert(loadedModule(learner, env, "Scale", "a.") === a, "loaded once per prefix");
  const b = loadedModule<Scale>(learner, env, "Scale", "b.");
  assert(b !== a && built === 3, "another prefix gets a module of its own");
  assertEquals([...b.weight.data], [3, 3]);
});
