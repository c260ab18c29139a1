import { assert, assertEquals } from "@std/assert";
import { kernelFloats, kernels, NO_SIMD_NOTICE } from "./wasm.ts";

Deno.test("`kernelFloats()` gives zeroed arrays in the kernels' memory", () => {
  const a = kernelFloats(10);
  assertEquals([...a], new Array(10).fill(0));
  assert(kernels!.heap.holds(a));
  assert(!kernels!.heap.holds(new Float32Array(10)));
});

Deno.test("without WebAssembly SIMD the library says so once and multiplies in TypeScript", async () => {
  // V8 offers WebAssembly SIMD only with SSE4.1: without it, neither build compiles
  const script = `
    import { Tensor } from "./lib/tensor.ts";
    import { loadStateDict } from "./lib/checkpoint.ts";
    const sd = loadStateDict("data/tiny/model.safetensors");
    const x = Tensor.ones([3, 64]);
    console.log(JSON.stringify(x.matmul(sd["wte.weight"].transpose(0, 1)).sum().item()));
    console.log(JSON.stringify(x.matmul(sd["h.0.mlp.c_fc.weight"]).sum().item()));`;
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", ...flags, script],
      cwd: new URL("../..", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const without = await run(["--v8-flags=--no-enable-sse4-1"]);
  const withSimd = await run([]);
  assertEquals(without.stderr.split(NO_SIMD_NOTICE).length - 1, 1, without.stderr);
  assertEquals(withSimd.stderr, "");
  const [a, b] = without.stdout.trim().split("\n").map(Number);
  const [c, d] = withSimd.stdout.trim().split("\n").map(Number);
  assert(
    Math.abs(a - c) <= 1e-4 * Math.abs(c) && Math.abs(b - d) <= 1e-4 * Math.abs(d),
    `${a} ${b} vs ${c} ${d}`,
  );
});
