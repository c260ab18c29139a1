// gpt2-kit: reveals-solutions (generates with the reference solutions)
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { loadStateDict } from "../lib/checkpoint.ts";
import { kitPath } from "../lib/paths.ts";
import { hasRealModel } from "../grader/context.ts";
import { cacheNote } from "./generate.ts";
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

/** The English bar: of the words of `text`, how many are in `list` (lower-cased). */
function wordShare(text: string, list: Set<string>): { words: number; known: number } {
  const words = text.match(/[A-Za-z]+(?:'[A-Za-z]+)*/g) ?? [];
  const known = words.filter((w) => {
    const lower = w.toLowerCase();
    return list.has(lower) || list.has(lower.replace(/'s$/, ""));
  });
  return { words: words.length, known: known.length };
}

Deno.test("wordShare() counts the words found in the list", () => {
  const list = new Set(["the", "cat", "sat"]);
  assertEquals(wordShare("The cat's zqx sat, 12 zz.", list), { words: 5, known: 3 });
});

Deno.test("the solutions on the English model write words: 80% or more in wamerican's list", async () => {
  // Debian's wamerican (.ci/run installs it)
  const list = new Set(
    (await Deno.readTextFile("/usr/share/dict/words")).split("\n").map((w) => w.toLowerCase()),
  );
  const { code, stdout, stderr } = await runTask("generate", [
    "--solutions",
    "--model=english",
    "--prompt=The",
    "--temperature=0.8",
    "--seed=1",
    "--max-new-tokens=100",
    "--json",
  ]);
  assertEquals(code, 0, stderr);
  const out = JSON.parse(stdout);
  assertEquals([out.model, out.generated_ids.length], ["english", 100]);
  const { words, known } = wordShare(out.text, list);
  console.log(`${known} of ${words} words (${(100 * known / words).toFixed(1)}%):\n${out.text}`);
  assert(known >= 0.8 * words, `${known} of ${words} words are in the list:\n${out.text}`);
});

Deno.test("`deno task generate` runs the English model unless the real GPT-2 is set up", async () => {
  const { code, stdout, stderr } = await runTask("generate", [
    "--solutions",
    "--max-new-tokens=2",
    "--json",
  ]);
  assertEquals(code, 0, stderr);
  assertEquals(JSON.parse(stdout).model, hasRealModel() ? "gpt2" : "english");
});

Deno.test("cacheNote() explains a small cache gain where the LM head dominates, not on GPT-2", () => {
  const english = { vocab_size: 50257, n_embd: 128, n_layer: 4 };
  assertStringIncludes(cacheNote(english)!, "LM head (50257 x 128) is 89% of the weights");
  assertEquals(cacheNote({ vocab_size: 50257, n_embd: 768, n_layer: 12 }), undefined);
});
