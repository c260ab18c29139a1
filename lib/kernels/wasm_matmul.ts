/**
 * Matrix product on the WebAssembly kernels (`kernels.wat`): stages the operands where the
 * kernels can read them, runs `matmul_nn` or `matmul_nt`, and copies C out.
 *
 * An operand that already lies in the kernels' memory (a weight read by `loadStateDict`) is
 * read in place when its layout is one the kernels take: rows contiguous (`[K, N]`, as Conv1D
 * weights) or columns contiguous (`Wᵀ`, as the tied LM head's `wteᵀ`). Anything else is copied
 * into a scratch block first: activations, which are small beside the weights, and odd views.
 *
 * @module
 */
import type { Matrix } from "./matmul.ts";
export type { Matrix };
import { JOB, kernelThreads, runJobs } from "./threads.ts";
import type { Kernels } from "./wasm.ts";

/** The fewest columns `matmul_nn` takes; narrower products are padded to this. */
const MIN_COLS = 4;
/** `matmul_nn`'s panels are this many columns wide. */
const PANEL = 12;
/**
 * From this many rows of A on, `matmul_nn` packs each panel of B first (see `kernels.wat`): the
 * copy costs about one block of rows' reading of it, repaid when four or more blocks read it.
 */
const PACK_MIN_ROWS = 12;

const align = (x: number) => Math.ceil(x / 64) * 64;

/** The fewest columns `matmul_nt` takes (narrower ones go through `matmul_nn`). */
const MIN_COLS_NT = 8;

/**
 * Products with fewer multiply-adds than this stay on one thread: waking another and waiting for
 * it costs more than it saves. One decoded token's products in GPT-2 124M (0.6M to 2.4M each)
 * took 70 ms a token on two threads against 46 ms on one when they were shared; the tied head
 * (39M) and a prefill's products still are.
 */
const MIN_SHARED = 1 << 23;

// The columns [0, width) in `parts` ranges of whole `unit`s (the kernels' panel widths, so that
// no range is narrower than a kernel takes), for as many threads as the product is worth.
function columnRanges(width: number, unit: number, work: number): [number, number][] {
  const parts = work < MIN_SHARED
    ? 1
    : Math.max(1, Math.min(kernelThreads(), Math.floor(width / unit)));
  const units = Math.floor(width / unit);
  return Array.from({ length: parts }, (_, p) => [
    Math.round((units * p) / parts) * unit,
    p === parts - 1 ? width : Math.round((units * (p + 1)) / parts) * unit,
  ]);
}

// Copies the rows x cols matrix m (strided) into the heap at byte address `to`, row-major with
// rows `ld` floats apart.
function copyIn(
  heap: Float32Array,
  to: number,
  ld: number,
  m: Matrix,
  rows: number,
  cols: number,
): void {
  const { data, offset, rowStride, colStride } = m;
  let q = to >> 2;
  for (let i = 0; i < rows; i++, q += ld) {
    const p = offset + i * rowStride;
    if (colStride === 1) heap.set(data.subarray(p, p + cols), q);
    else for (let j = 0; j < cols; j++) heap[q + j] = data[p + j * colStride];
  }
}

// The byte address of element [0, 0] of a matrix that lies in the heap.
function address(m: Matrix): number {
  return m.data.byteOffset + 4 * m.offset;
}

/**
 * Computes `C = A · B` for one pair of matrices into `out` (row-major, `N` columns), like
 * `matmulInto`, on the WebAssembly kernels.
 *
 * @param k the loaded kernels
 * @param out the output buffer
 * @param outOffset where `C[0, 0]` goes in `out`
 * @param M rows of A and C
 * @param N columns of B and C
 * @param K columns of A, rows of B
 * @param a the left operand
 * @param b the right operand
 */
export function wasmMatmulInto(
  k: Kernels,
  out: Float32Array,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  a: Matrix,
  b: Matrix,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    out.fill(0, outOffset, outOffset + M * N);
    return;
  }
  const { heap } = k;
  const width = Math.max(N, MIN_COLS);
  const aInPlace = heap.holds(a.data) && a.colStride === 1;
  const bHeld = heap.holds(b.data) && N >= MIN_COLS;
  const nn = bHeld && b.colStride === 1;
  const nt = !nn && N >= MIN_COLS_NT &&
    ((bHeld && b.rowStride === 1) || (b.rowStride === 1 && b.colStride !== 1));
  const bInPlace = nn || (nt && bHeld);
  const ranges = columnRanges(width, nt ? MIN_COLS_NT : PANEL, M * N * K);
  // each thread's room to pack its panels of B in (see `kernels.wat`), when enough rows reuse them
  const packBytes = !nt && M >= PACK_MIN_ROWS ? align(4 * PANEL * K) : 0;
  // scratch layout: C, then A's copy, then B's copy, then the packed panels
  const cBytes = 4 * M * width;
  const aBytes = aInPlace ? 0 : 4 * M * K;
  const bBytes = bInPlace ? 0 : 4 * K * width;
  const base = k.heap.scratch(cBytes + aBytes + bBytes + ranges.length * packBytes + 256);
  const c = base, aAt = align(c + cBytes), bAt = align(aAt + aBytes);
  const packAt = align(bAt + bBytes);
  const f32 = new Float32Array(heap.buffer());
  let aAddr = address(a), lda = a.rowStride;
  if (!aInPlace) {
    copyIn(f32, aAt, K, a, M, K);
    aAddr = aAt, lda = K;
  }
  let args: number[];
  if (nt) {
    // W = Bᵀ: [N, K], row j is column j of B
    let wAddr = address(b), ldw = b.colStride;
    if (!bInPlace) {
      copyIn(f32, bAt, K, { ...b, rowStride: b.colStride, colStride: b.rowStride }, N, K);
      wAddr = bAt, ldw = K;
    }
    args = [JOB.nt, aAddr, lda, wAddr, ldw, c, width, M, K];
  } else {
    let bAddr = address(b), ldb = b.rowStride;
    if (!bInPlace) {
      if (width > N) f32.fill(0, bAt >> 2, (bAt >> 2) + K * width);
      copyIn(f32, bAt, width, b, K, N);
      bAddr = bAt, ldb = width;
    }
    args = [JOB.nn, aAddr, lda, bAddr, ldb, c, width, M, K];
  }
  runJobs(
    k,
    ranges.map(([j0, j1], p) => [...args, j0, j1, packBytes && packAt + p * packBytes]),
  );
  if (width === N) out.set(f32.subarray(c >> 2, (c >> 2) + M * N), outOffset);
  else {
    for (let i = 0; i < M; i++) {
      const p = (c >> 2) + i * width;
      out.set(f32.subarray(p, p + N), outOffset + i * N);
    }
  }
}
