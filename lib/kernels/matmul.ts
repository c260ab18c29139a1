/**
 * Single-threaded float32 matrix multiply for strided operands.
 *
 * `C[M, N] = A[M, K] · B[K, N]`, where A and B are read through strides, so a transposed or
 * sliced operand needs no copy. For M >= 4 both operands are packed into panels of four rows
 * (A) and four columns (B) and a 4x4 block of C is kept in sixteen local variables while `k`
 * runs: sixteen multiply-adds for every eight loads, about twice the naive loop's rate.
 * For a few rows (decoding one token at a time) packing B would cost as much as the product,
 * so rows of B are streamed instead.
 *
 * @module
 */
import type { StridedView } from "./strided.ts";

/** A 2-d strided operand: element `[i, j]` is `data[offset + i * rowStride + j * colStride]`. */
export interface Matrix {
  /** The storage buffer. */
  readonly data: Float32Array;
  /** Index of element `[0, 0]`. */
  readonly offset: number;
  /** Step between rows. */
  readonly rowStride: number;
  /** Step between columns. */
  readonly colStride: number;
}

/**
 * Views the last two dimensions of a strided view, at a given offset, as a matrix.
 *
 * @param v the view (at least 2-d strides)
 * @param offset the element offset of this matrix inside `v.data`
 * @returns the matrix
 */
export function matrixOf(v: StridedView, offset: number): Matrix {
  const n = v.strides.length;
  return { data: v.data, offset, rowStride: v.strides[n - 2], colStride: v.strides[n - 1] };
}

const TILE = 4;

// Copies rows [i0, i0 + 4) of A (zero-padded past M) into `pa` as K groups of 4.
function packA(a: Matrix, i0: number, M: number, K: number, pa: Float32Array): void {
  const { data, rowStride, colStride } = a;
  for (let r = 0; r < TILE; r++) {
    let p = a.offset + (i0 + r) * rowStride;
    if (i0 + r >= M) {
      for (let k = 0; k < K; k++) pa[k * TILE + r] = 0;
      continue;
    }
    for (let k = 0; k < K; k++, p += colStride) pa[k * TILE + r] = data[p];
  }
}

// Copies B into column panels: panel j0/4 holds K groups of the 4 columns [j0, j0 + 4).
function packB(b: Matrix, N: number, K: number, pb: Float32Array): void {
  const { data, rowStride, colStride } = b;
  const panels = Math.ceil(N / TILE);
  for (let jp = 0; jp < panels; jp++) {
    const base = jp * K * TILE;
    for (let c = 0; c < TILE; c++) {
      const j = jp * TILE + c;
      if (j >= N) {
        for (let k = 0; k < K; k++) pb[base + k * TILE + c] = 0;
        continue;
      }
      let p = b.offset + j * colStride;
      for (let k = 0; k < K; k++, p += rowStride) pb[base + k * TILE + c] = data[p];
    }
  }
}

function packedProduct(
  out: Float32Array,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  a: Matrix,
  pb: Float32Array,
): void {
  const pa = new Float32Array(K * TILE);
  const panels = Math.ceil(N / TILE);
  for (let i0 = 0; i0 < M; i0 += TILE) {
    packA(a, i0, M, K, pa);
    const rows = Math.min(TILE, M - i0);
    for (let jp = 0; jp < panels; jp++) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pbi = jp * K * TILE;
      for (let pai = 0, end = K * TILE; pai < end; pai += TILE, pbi += TILE) {
        const a0 = pa[pai], a1 = pa[pai + 1], a2 = pa[pai + 2], a3 = pa[pai + 3];
        const b0 = pb[pbi], b1 = pb[pbi + 1], b2 = pb[pbi + 2], b3 = pb[pbi + 3];
        c00 += a0 * b0, c01 += a0 * b1, c02 += a0 * b2, c03 += a0 * b3;
        c10 += a1 * b0, c11 += a1 * b1, c12 += a1 * b2, c13 += a1 * b3;
        c20 += a2 * b0, c21 += a2 * b1, c22 += a2 * b2, c23 += a2 * b3;
        c30 += a3 * b0, c31 += a3 * b1, c32 += a3 * b2, c33 += a3 * b3;
      }
      const o = outOffset + i0 * N + jp * TILE;
      if (rows === TILE && jp * TILE + TILE <= N) {
        out[o] = c00, out[o + 1] = c01, out[o + 2] = c02, out[o + 3] = c03;
        out[o + N] = c10, out[o + N + 1] = c11, out[o + N + 2] = c12, out[o + N + 3] = c13;
        const o2 = o + 2 * N, o3 = o + 3 * N;
        out[o2] = c20, out[o2 + 1] = c21, out[o2 + 2] = c22, out[o2 + 3] = c23;
        out[o3] = c30, out[o3 + 1] = c31, out[o3 + 2] = c32, out[o3 + 3] = c33;
      } else {
        const block = [
          c00,
          c01,
          c02,
          c03,
          c10,
          c11,
          c12,
          c13,
          c20,
          c21,
          c22,
          c23,
          c30,
          c31,
          c32,
          c33,
        ];
        const cols = Math.min(TILE, N - jp * TILE);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) out[o + r * N + c] = block[r * TILE + c];
        }
      }
    }
  }
}

// For each row of A: C[i, :] = sum_k A[i, k] * B[k, :], streaming B in its memory order —
// by rows when its rows are contiguous, else (a transposed weight, such as the tied LM head's
// wteᵀ) as one dot product per column, which then is contiguous.
function streamedProduct(
  out: Float32Array,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  a: Matrix,
  b: Matrix,
): void {
  const row = new Float64Array(K);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) row[k] = a.data[a.offset + i * a.rowStride + k * a.colStride];
    const o = outOffset + i * N;
    if (b.rowStride === 1 && b.colStride !== 1) {
      for (let j = 0; j < N; j++) {
        const p = b.offset + j * b.colStride;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
        for (; k + 3 < K; k += 4) {
          s0 += row[k] * b.data[p + k];
          s1 += row[k + 1] * b.data[p + k + 1];
          s2 += row[k + 2] * b.data[p + k + 2];
          s3 += row[k + 3] * b.data[p + k + 3];
        }
        for (; k < K; k++) s0 += row[k] * b.data[p + k];
        out[o + j] = s0 + s1 + s2 + s3;
      }
      continue;
    }
    const acc = new Float64Array(N);
    for (let k = 0; k < K; k++) {
      const aik = row[k];
      const cs = b.colStride;
      for (let j = 0, p = b.offset + k * b.rowStride; j < N; j++, p += cs) {
        acc[j] += aik * b.data[p];
      }
    }
    out.set(acc, o);
  }
}

/**
 * Computes `C = A · B` for one pair of matrices into `out` (row-major, `N` columns).
 *
 * @param out the output buffer
 * @param outOffset where `C[0, 0]` goes in `out`
 * @param M rows of A and C
 * @param N columns of B and C
 * @param K columns of A, rows of B
 * @param a the left operand
 * @param b the right operand
 * @param packedB B already packed by {@linkcode packRight} (reused across a batch), if any
 * @example
 * ```ts
 * import { matmulInto } from "./matmul.ts";
 * const out = new Float32Array(1);
 * const a = { data: new Float32Array([1, 2]), offset: 0, rowStride: 2, colStride: 1 };
 * const b = { data: new Float32Array([3, 4]), offset: 0, rowStride: 1, colStride: 1 };
 * matmulInto(out, 0, 1, 1, 2, a, b); // out = [11]
 * ```
 */
export function matmulInto(
  out: Float32Array,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  a: Matrix,
  b: Matrix,
  packedB?: Float32Array,
): void {
  if (M < TILE && !packedB) return streamedProduct(out, outOffset, M, N, K, a, b);
  packedProduct(out, outOffset, M, N, K, a, packedB ?? packRight(b, N, K));
}

/**
 * Packs a right operand into the panel layout {@linkcode matmulInto} uses, so a B shared by
 * several products (a broadcast batch) is packed once.
 *
 * @param b the right operand
 * @param N its columns
 * @param K its rows
 * @returns the packed panels
 */
export function packRight(b: Matrix, N: number, K: number): Float32Array {
  const pb = new Float32Array(Math.ceil(N / TILE) * TILE * K);
  packB(b, N, K, pb);
  return pb;
}
