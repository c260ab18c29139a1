// gpt2-kit: reveals-solutions (runs the reference GPT-2 of solutions/)
import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "./paths.ts";
import { useWasmThreads } from "./wasm_threads.ts";

Deno.test("without the extern-wasm build, more WASM threads fall back to one and say why", () => {
  // `deno test` runs without --conditions onnxruntime-web-use-extern-wasm
  const r = useWasmThreads(2);
  assertEquals(r.threads, 1);
  assertStringIncludes(r.notice ?? "", "--conditions onnxruntime-web-use-extern-wasm");
  assertEquals(useWasmThreads(1), { threads: 1 });
  // the first call settled the count for the process: another one is not pretended
  const later = useWasmThreads(3);
  assertEquals(later.threads, 1);
  assertStringIncludes(later.notice ?? "", "already runs on 1 WASM thread(s)");
});

Deno.test("with the extern-wasm build, two WASM threads give the reference tokens", async () => {
  const script = `
    import { createRunner } from "${kitPath("lib", "backends.ts")}";
    import { generate } from "${kitPath("lib", "generate.ts")}";
    import { loadConfig, loadStateDict } from "${kitPath("mod.ts")}";
    import { GPT2 } from "${kitPath("solutions", "5_gpt2.ts")}";
    import { gpt2WithCache } from "${kitPath("solutions", "6_kv_cache.ts")}";
    const config = loadConfig("${kitPath("data", "tiny", "config.json")}");
    const model = new GPT2(config);
    model.loadStateDict(loadStateDict("${kitPath("data", "tiny", "model.safetensors")}"));
    const step = (ids, past) => gpt2WithCache(model, ids, past, config);
    const runner = await createRunner(model, config, { backend: "wasm", step, threads: 2 });
    const { ids } = await generate(runner, [464, 3290], { maxNewTokens: 20, nPositions: 128 });
    console.log(JSON.stringify({ threads: runner.threads, ids }));
    Deno.exit(0);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--conditions",
      "onnxruntime-web-use-extern-wasm",
      `--config=${kitPath("deno.json")}`,
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.success, true, new TextDecoder().decode(out.stderr));
  const run = JSON.parse(text.trim().split("\n").pop()!);
  const { loadStateDict } = await import("./checkpoint.ts");
  const refs = loadStateDict(kitPath("data", "reference", "tiny.safetensors"));
  assertEquals(run.threads, 2);
  assertEquals(run.ids, [...refs["p2.generated_ids"].data]);
});
