// gpt2-kit: reveals-solutions (generates with the reference solutions)
import { assertEquals, assertStringIncludes } from "@std/assert";
import { loadStateDict } from "../lib/checkpoint.ts";
import { kitPath } from "../lib/paths.ts";
import { runTask } from "./_test_helpers.ts";

const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));

Deno.test("`deno task generate` gives the reference greedy ids on wasm, native and cpu", async () => {
  const prompt = [...refs["p0.input_ids"].data];
  const expected = [...refs["p0.generated_ids"].data].slice(0, 6);
  for (const backend of ["wasm", "native", "cpu"]) {
    const { code, stdout, stderr } = await runTask("generate", [
      "--solutions",
      "--model=tiny",
      `--backend=${backend}`,
      `--prompt-ids=${prompt.join(",")}`,
      "--max-new-tokens=6",
      "--json",
    ]);
    assertEquals(code, 0, stderr);
    const out = JSON.parse(stdout);
    assertEquals([out.backend, out.kv_cache, out.generated_ids], [backend, true, expected]);
  }
});

Deno.test("`deno task generate` exits 2 for an unknown backend and lists the real ones", async () => {
  const { code, stdout, stderr } = await runTask("generate", ["--backend=tpu"]);
  assertEquals([code, stdout], [2, ""]);
  assertStringIncludes(stderr, 'Unknown --backend "tpu": use auto, webgpu, wasm, native, cpu.');
});

Deno.test("`deno task generate` past n_positions slides the window and says so", async () => {
  const prompt = Array.from({ length: 127 }, (_, i) => 464 + i);
  const run = (json: boolean) =>
    runTask("generate", [
      "--solutions",
      "--model=tiny",
      "--backend=cpu",
      `--prompt-ids=${prompt.join(",")}`,
      "--max-new-tokens=3",
      ...(json ? ["--json"] : []),
    ]);
  const json = await run(true);
  assertEquals(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assertEquals([out.model, out.window_from, out.generated_ids.length], ["tiny", 2, 3]);
  const text = await run(false);
  assertEquals(text.code, 0, text.stderr);
  assertStringIncludes(text.stdout, "note: From new token 3 on, the sequence was longer than the");
  assertStringIncludes(text.stdout, "model: tiny (random weights, made for grading");
});
