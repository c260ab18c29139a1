import { assert, assertEquals, assertRejects } from "@std/assert";
import { type Layout, makeMatrix } from "./test_matrices.ts";
import { kernelThreads, setKernelThreads } from "./threads.ts";
import { kernels } from "./wasm.ts";
import { wasmMatmulInto } from "./wasm_matmul.ts";

Deno.test("two threads give the bits of one, on products large enough to share", async () => {
  // each at least MIN_SHARED (2^23) multiply-adds: smaller products stay on one thread
  const shapes = [[1, 50257, 768], [2, 4099, 1031], [32, 2304, 768], [5, 50257, 40]];
  for (const [M, N, K] of shapes) {
    for (const lb of ["rowMajor", "transposed"] as Layout[]) {
      const a = makeMatrix(M, K, "rowMajor"), b = makeMatrix(K, N, lb, "heap");
      const outputs = [];
      for (const threads of [1, 2]) {
        assertEquals(await setKernelThreads(threads), threads);
        assertEquals(kernelThreads(), threads);
        const out = new Float32Array(M * N);
        wasmMatmulInto(kernels!, out, 0, M, N, K, a, b);
        outputs.push(out);
      }
      const [one, two] = outputs;
      assert(one.every((v, j) => Object.is(v, two[j])), `${M}x${N}x${K}, B ${lb}`);
    }
  }
  await setKernelThreads(1);
});

Deno.test("`setKernelThreads()` takes whole numbers from 1", async () => {
  await assertRejects(() => setKernelThreads(0), RangeError);
  await assertRejects(() => setKernelThreads(1.5), RangeError);
  assertEquals(kernelThreads(), 1);
});

Deno.test("helper threads do not keep the process alive", async () => {
  const script = `
    import { setKernelThreads } from "./lib/kernels/threads.ts";
    import { Tensor } from "./lib/tensor.ts";
    await setKernelThreads(2);
    console.log(Tensor.ones([64, 512]).matmul(Tensor.ones([512, 512])).sum().item());`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(new TextDecoder().decode(out.stdout).trim(), String(64 * 512 * 512));
  assertEquals(out.code, 0);
});
