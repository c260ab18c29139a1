/**
 * The kernels' two builds for their tests: the one this engine loaded (relaxed SIMD here) and
 * the build for engines without relaxed SIMD, instantiated on the same memory. Not part of the
 * library.
 *
 * @module
 */
import { type KernelExports, type Kernels, kernels } from "./wasm.ts";

/** The kernels this engine loaded. */
export const k: Kernels = kernels!;

// @ts-ignore: TypeScript does not know source-phase imports yet (Deno does)
const simd128Module: WebAssembly.Module = await import.source("./kernels_simd128.wasm");

/** The build for engines without relaxed SIMD, on the same memory as {@linkcode k}. */
export const simd128: Kernels = {
  ...k,
  module: simd128Module,
  exports: new WebAssembly.Instance(simd128Module, { env: { memory: k.heap.memory } })
    .exports as unknown as KernelExports,
  relaxed: false,
};
