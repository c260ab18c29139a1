import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  assembleKernels,
  KERNELS_BINARIES,
  KERNELS_SOURCE,
  withoutRelaxedMadd,
} from "./build_kernels.ts";

Deno.test("the committed kernel binaries are what `deno task build-kernels` makes of kernels.wat", async () => {
  const built = await assembleKernels(await Deno.readTextFile(KERNELS_SOURCE));
  for (const kind of ["relaxed", "simd128"] as const) {
    const committed = await Deno.readFile(KERNELS_BINARIES[kind]);
    assertEquals(committed, built[kind], `${kind}: run deno task build-kernels`);
  }
});

Deno.test("`withoutRelaxedMadd()` rewrites nested fused multiply-adds, and nothing else", () => {
  const wat = "(v128.store (local.get $q)\n" +
    "  (f32x4.relaxed_madd (local.get $x) (v128.load (local.get $p))\n" +
    "    (f32x4.relaxed_madd (local.get $y) (local.get $b) (local.get $c))))";
  assertEquals(
    withoutRelaxedMadd(wat),
    "(v128.store (local.get $q)\n" +
      "  (f32x4.add (f32x4.mul (local.get $x) (v128.load (local.get $p))) " +
      "(f32x4.add (f32x4.mul (local.get $y) (local.get $b)) (local.get $c))))",
  );
  assertEquals(
    withoutRelaxedMadd("(f32x4.add (local.get 0) (local.get 1))"),
    "(f32x4.add (local.get 0) (local.get 1))",
  );
  assertThrows(
    () => withoutRelaxedMadd("(f32x4.relaxed_madd $x (local.get 1) (local.get 2))"),
    SyntaxError,
  );
});

Deno.test("the plain-SIMD build is assembled from a source without relaxed-SIMD instructions", async () => {
  const source = await Deno.readTextFile(KERNELS_SOURCE);
  const plain = withoutRelaxedMadd(source);
  assert(source.includes("(f32x4.relaxed_madd"));
  assertEquals(plain.includes("(f32x4.relaxed"), false);
  const { simd128 } = await assembleKernels(source);
  assertEquals(WebAssembly.validate(simd128), true);
});
