/**
 * Loads the WebAssembly kernels (`kernels.wat`, assembled by `deno task build-kernels`): the
 * relaxed-SIMD build where the engine has relaxed SIMD, the plain-SIMD build where it has only
 * SIMD, and none where it has no WebAssembly SIMD at all — then the library says so once, on
 * stderr, and runs its TypeScript kernels.
 *
 * The binaries are imported as module sources (`import.source`), so loading them needs no
 * permission beyond importing the library.
 *
 * @module
 */
import { Heap } from "./heap.ts";

/** The functions `kernels.wat` exports (addresses in bytes, sizes and strides in floats). */
export interface KernelExports {
  /**
   * `C[0..M, j0..j1] = A · B`, B `[K, N]` row-major with rows `ldb` apart; `pack` is the
   * address of `K` x 48 bytes to copy each panel of 12 columns of B to first, or 0.
   */
  matmul_nn(
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    M: number,
    K: number,
    j0: number,
    j1: number,
    pack: number,
  ): void;
  /** `C[0..M, j0..j1] = A · Wᵀ`, W `[N, K]` row-major with rows `ldw` apart. */
  matmul_nt(
    a: number,
    lda: number,
    w: number,
    ldw: number,
    c: number,
    ldc: number,
    M: number,
    K: number,
    j0: number,
    j1: number,
  ): void;
  /** `y[0..n] = tanh(x[0..n])` for `n` a multiple of 4 (Eigen's float rational; may be in place). */
  tanh(x: number, y: number, n: number): void;
}

/** The loaded kernels. */
export interface Kernels {
  /** The compiled module (threads instantiate it on the same memory). */
  module: WebAssembly.Module;
  /** Its instance on this thread. */
  exports: KernelExports;
  /** The shared memory it works in. */
  heap: Heap;
  /** Whether this is the relaxed-SIMD build (fused multiply-adds). */
  relaxed: boolean;
}

/** What the library prints, once, when it cannot use its WebAssembly kernels. */
export const NO_SIMD_NOTICE: string =
  "WebAssembly SIMD is not available here: the library runs its " +
  "TypeScript kernels instead (correct, but several times slower).";

async function load(): Promise<Kernels | null> {
  let module: WebAssembly.Module, relaxed = true;
  try {
    // @ts-ignore: TypeScript does not know source-phase imports yet (Deno does)
    module = await import.source("./kernels.wasm");
  } catch {
    relaxed = false;
    try {
      // @ts-ignore: as above
      module = await import.source("./kernels_simd128.wasm");
    } catch {
      return null;
    }
  }
  let heap: Heap;
  try {
    heap = new Heap();
  } catch {
    return null; // no shared memory here
  }
  const instance = new WebAssembly.Instance(module, { env: { memory: heap.memory } });
  const exports = instance.exports as unknown as KernelExports;
  return Object.freeze({ module, exports, heap, relaxed });
}

/** The kernels, or null where WebAssembly SIMD is unavailable (then the notice was printed). */
export const kernels: Kernels | null = await load();

if (!kernels) console.warn(NO_SIMD_NOTICE);

/**
 * A new `Float32Array` of `n` zeros that the kernels read in place: inside their memory where
 * they run (freed when the array is collected), else an ordinary one. Meant for long-lived
 * tensors that products read often, such as weights.
 *
 * @param n the number of floats
 * @returns the array
 */
export function kernelFloats(n: number): Float32Array {
  return kernels?.heap.floats(n) ?? new Float32Array(n);
}
