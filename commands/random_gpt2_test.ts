import { assert, assertEquals, assertFalse, assertMatch } from "@std/assert";
import { loadStateDict } from "../lib/checkpoint.ts";
import { GPT2_SMALL, type GPT2Config, loadConfig } from "../lib/config.ts";
import { SafetensorsFile } from "../lib/safetensors.ts";
import { Tensor } from "../lib/tensor.ts";
import { TINY } from "../grader/context.ts";
import { inCacheDir, runTask } from "./_test_helpers.ts";
import { GPT2 } from "../solutions/5_gpt2.ts";
import { checkpointShapes, randomGpt2, writeRandomGpt2 } from "./random_gpt2.ts";

const SMALL: GPT2Config = {
  vocab_size: 100,
  n_positions: 32,
  n_embd: 16,
  n_layer: 2,
  n_head: 4,
  layer_norm_epsilon: 1e-5,
};
const SMALL_ARGS = ["--vocab", "100", "--n-positions", "32", "--n-embd", "16", "--n-layer", "2"];
SMALL_ARGS.push("--n-head", "4", "--seed", "5");

Deno.test("checkpointShapes() gives exactly the bundled checkpoint's keys and shapes; 160 for GPT-2 small", () => {
  using file = SafetensorsFile.open(TINY.weightsPath);
  const tiny = Object.fromEntries(file.names().map((n) => [n, file.info(n).shape]));
  assertEquals(checkpointShapes(loadConfig(TINY.configPath)), tiny);
  const small = checkpointShapes(GPT2_SMALL);
  assertEquals(Object.keys(small).length, 160);
  assertEquals(small["h.11.attn.bias"], [1, 1, 1024, 1024]);
  assertEquals(small["h.11.mlp.c_fc.weight"], [768, 3072]);
  assertFalse("lm_head.weight" in small);
});

Deno.test("`deno task random-gpt2` writes a small model that loads strictly into the solution's GPT2", async () => {
  await inCacheDir(async (dir) => {
    const run = await runTask("random-gpt2", ["--out-dir", `${dir}/model`, ...SMALL_ARGS]);
    assertEquals(run.code, 0, run.stderr);
    const weights = `${dir}/model/model.safetensors`;
    assertEquals(loadConfig(`${dir}/model/config.json`), SMALL);
    using file = SafetensorsFile.open(weights);
    const expected = checkpointShapes(SMALL);
    assertEquals(file.names(), Object.keys(expected).sort());
    for (const name of file.names()) {
      assertEquals(file.info(name).dtype, "F32", name);
      assertEquals(file.info(name).shape, expected[name], name);
    }
    assertEquals(file.metadata.seed, "5");

    const sd = loadStateDict(weights);
    const model = new GPT2(SMALL);
    assertEquals(String(model.loadStateDict(sd)), "<All keys matched successfully>");
    const logits = model.forward(new Tensor(Float32Array.from([1, 2, 3]), [1, 3]));
    assertEquals(logits.shape, [1, 3, 100]);
    assert(logits.data.every(Number.isFinite));

    // GPT-2's initialisation: matrices N(0, 0.02), biases 0, LayerNorm weights 1, causal mask
    const wte = sd["wte.weight"].data;
    const mean = wte.reduce((a, b) => a + b, 0) / wte.length;
    const std = Math.sqrt(wte.reduce((a, b) => a + (b - mean) ** 2, 0) / wte.length);
    assert(Math.abs(mean) < 0.002 && Math.abs(std - 0.02) < 0.002, `mean ${mean}, std ${std}`);
    assert(sd["h.1.ln_2.weight"].data.every((x) => x === 1));
    assert(sd["h.1.mlp.c_fc.bias"].data.every((x) => x === 0));
    assertEquals(sd["h.0.attn.bias"].data, Tensor.ones([32, 32]).tril().data);
  });
});

Deno.test("randomGpt2() is deterministic per seed, and seeds differ", async () => {
  const a = randomGpt2(SMALL, 1), b = randomGpt2(SMALL, 1), c = randomGpt2(SMALL, 2);
  for (const key of Object.keys(a)) assertEquals(a[key].data, b[key].data, key);
  assertFalse(
    a["h.0.attn.c_attn.weight"].data.every((x, i) => x === c["h.0.attn.c_attn.weight"].data[i]),
  );
  await inCacheDir(async (dir) => {
    await writeRandomGpt2(`${dir}/a`, SMALL, 3);
    await writeRandomGpt2(`${dir}/b`, SMALL, 3);
    for (const name of ["model.safetensors", "config.json"]) {
      assertEquals(
        await Deno.readFile(`${dir}/a/${name}`),
        await Deno.readFile(`${dir}/b/${name}`),
      );
    }
  });
});

Deno.test("`deno task random-gpt2` rejects bad sizes with a message and exit code 2", async () => {
  await inCacheDir(async (dir) => {
    const out = `${dir}/model`;
    const cases: [string[], RegExp][] = [
      [
        ["--out-dir", out, "--n-embd", "10", "--n-head", "3"],
        /n_embd 10 is not divisible by n_head 3/,
      ],
      [["--out-dir", out, "--n-layer", "0"], /--n-layer takes an integer >= 1, got "0"/],
      [["--out-dir", out, "--seed", "x"], /--seed takes an integer >= 0, got "x"/],
      [["--out-dir", out, "--layers", "2"], /Unknown option '--layers'/],
      [["--seed", "1"], /--out-dir DIR/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runTask("random-gpt2", args)));
    runs.forEach((run, i) => {
      assertEquals(run.code, 2, run.stderr);
      assertMatch(run.stderr, cases[i][1]);
      assertMatch(run.stderr, /Usage: deno task random-gpt2/);
    });
    assertEquals([...Deno.readDirSync(dir)], [], "nothing is written");
  });
});
