;; The library's float32 matrix product in WebAssembly with 128-bit SIMD.
;;
;; `C = A · B`: A is [M, K] with rows `lda` floats apart, C is [M, N] with rows `ldc` floats
;; apart, and B comes in one of two layouts, both read where they lie (weights are not copied):
;;
;; - `matmul_nn`: B [K, N] row-major, rows `ldb` floats apart (a Conv1D weight, attention's V);
;; - `matmul_nt`: B = Wᵀ with W [N, K] row-major, rows `ldw` floats apart (the tied LM head's
;;   wteᵀ, attention's Kᵀ).
;;
;; Each call computes the columns [j0, j1) of C, so that threads can share a product by columns.
;; Addresses are in bytes, strides and sizes in floats. In `matmul_nn` every C[i, j] is the same
;; sum on every path: acc = A[i, k]·B[k, j] + acc for k = 0 .. K-1 in order; in `matmul_nt` it is
;; four partial sums over k mod 4, added up at the end. So a row of C has the same bits whether
;; it is computed alone (decoding one token) or among many, on one thread or two.
;;
;; The multiply-adds are `f32x4.relaxed_madd` (fused where the CPU has FMA); the build also
;; writes a variant for engines without relaxed SIMD, with `f32x4.add (f32x4.mul ..)` instead.
;; Reads may run up to 12 bytes past the end of a row: the library pads every block it hands to
;; these kernels (see `heap.ts`), and what is read there never reaches C.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; A 3 x 12 block of C: C[0..3, 0..12] = A[0..3, :] · B[:, 0..12] (`lda`, `ldb`, `ldc` in bytes).
  ;;
  ;; The register-blocking scheme: nine accumulators (3 rows x 3 vectors of 4 columns) stay in
  ;; registers while k runs. Each step loads the block's 12 columns of row k of B (three
  ;; vectors) and broadcasts A[i, k] for each of the 3 rows: 6 loads for 9 multiply-adds of 4
  ;; lanes, and 9 independent sums keep both multiply-add units busy. (4 x 12 needs more than
  ;; the 16 vector registers of x86-64 and runs slower.)
  (func $block_3x12
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $K i32)
    (local $a1 i32) (local $a2 i32) (local $end i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $c20 v128) (local $c21 v128) (local $c22 v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $K) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (loop $k
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $b2 (v128.load offset=32 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00)))
        (local.set $c01 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c01)))
        (local.set $c02 (f32x4.relaxed_madd (local.get $x) (local.get $b2) (local.get $c02)))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c10)))
        (local.set $c11 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c11)))
        (local.set $c12 (f32x4.relaxed_madd (local.get $x) (local.get $b2) (local.get $c12)))
        (local.set $x (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c20)))
        (local.set $c21 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c21)))
        (local.set $c22 (f32x4.relaxed_madd (local.get $x) (local.get $b2) (local.get $c22)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br_if $k (i32.lt_u (local.get $a) (local.get $end)))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (v128.store offset=32 (local.get $c) (local.get $c12))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (v128.store offset=32 (local.get $c) (local.get $c22)))

  ;; One row of C over `n` >= 4 columns: c[0..n] = a[:] · B[:, 0..n] (`ldb` in bytes).
  ;;
  ;; For one or two rows (decoding a token) there is no reuse of B to win, only bandwidth, and
  ;; the hardware prefetchers follow long runs through memory. So each row of B is read from
  ;; end to end while the partial sums stay in C: up to 4096 columns (16 KB of C, the L1
  ;; cache), one row of B after the other, B in order as one stream; wider, in chunks of up to
  ;; 65536 columns (256 KB of C, the L2 cache), four rows of B per pass over C. (Four rows at
  ;; a time over 768 columns, or over chunks of 256 columns of the LM head, took 1.5 to 2 times
  ;; as long.) The columns past the last whole vector are summed in a register by `$tail_1x4`
  ;; on the last four columns.
  (func $row
    (param $a i32) (param $b i32) (param $ldb i32) (param $c i32) (param $K i32) (param $n i32)
    (local $j i32) (local $width i32) (local $k i32) (local $q i32) (local $end i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local.set $j (i32.const 0))
    (block $chunks_done
      (loop $chunk
        (local.set $width (i32.sub (i32.and (local.get $n) (i32.const -4)) (local.get $j)))
        (br_if $chunks_done (i32.le_s (local.get $width) (i32.const 0)))
        (if (i32.gt_u (local.get $width) (i32.const 65536))
          (then (local.set $width (i32.const 65536))))
        ;; zero the chunk of C: c[j .. j + width]
        (local.set $q (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $end (i32.add (local.get $q) (i32.shl (local.get $width) (i32.const 2))))
        (loop $zero
          (v128.store (local.get $q) (v128.const i32x4 0 0 0 0))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $zero (i32.lt_u (local.get $q) (local.get $end))))
        ;; rows k .. k+3 of B in one pass, each partial sum updated in k order (chunks wider
        ;; than 4096 columns, whose partial sums are past the L1 cache)
        (local.set $k (i32.const 0))
        (block $quads_done
          (br_if $quads_done (i32.le_s (local.get $width) (i32.const 4096)))
          (loop $quad
            (br_if $quads_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
            (local.set $p0 (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
            (local.set $x0 (v128.load32_splat (local.get $p0)))
            (local.set $x1 (v128.load32_splat offset=4 (local.get $p0)))
            (local.set $x2 (v128.load32_splat offset=8 (local.get $p0)))
            (local.set $x3 (v128.load32_splat offset=12 (local.get $p0)))
            ;; p0 .. p3: B[k .. k+3, j]
            (local.set $p0 (i32.add (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $ldb)))
              (i32.shl (local.get $j) (i32.const 2))))
            (local.set $p1 (i32.add (local.get $p0) (local.get $ldb)))
            (local.set $p2 (i32.add (local.get $p1) (local.get $ldb)))
            (local.set $p3 (i32.add (local.get $p2) (local.get $ldb)))
            (local.set $q (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
            (loop $vec
              (v128.store (local.get $q)
                (f32x4.relaxed_madd (local.get $x3) (v128.load (local.get $p3))
                  (f32x4.relaxed_madd (local.get $x2) (v128.load (local.get $p2))
                    (f32x4.relaxed_madd (local.get $x1) (v128.load (local.get $p1))
                      (f32x4.relaxed_madd (local.get $x0) (v128.load (local.get $p0))
                        (v128.load (local.get $q)))))))
              (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
              (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
              (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
              (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br_if $vec (i32.lt_u (local.get $q) (local.get $end))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $quad)))
        ;; the other rows of B, one at a time (all of them in a chunk of at most 4096 columns)
        (block $rest_done
          (loop $rest
            (br_if $rest_done (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $x0 (v128.load32_splat
              (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $p0 (i32.add (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $ldb)))
              (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
            (loop $vec1
              (v128.store (local.get $q) (f32x4.relaxed_madd
                (local.get $x0) (v128.load (local.get $p0)) (v128.load (local.get $q))))
              (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br_if $vec1 (i32.lt_u (local.get $q) (local.get $end))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rest)))
        (local.set $j (i32.add (local.get $j) (local.get $width)))
        (br $chunk)))
    ;; n not a multiple of 4: the last four columns again, summed in a register
    (if (i32.and (local.get $n) (i32.const 3))
      (then
        (local.set $j (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
        (call $tail_1x4 (local.get $a) (i32.add (local.get $b) (local.get $j)) (local.get $ldb)
          (i32.add (local.get $c) (local.get $j)) (local.get $K)))))

  ;; c[0..4] = a[:] · B[:, 0..4], summed in a register (`ldb` in bytes).
  (func $tail_1x4 (param $a i32) (param $b i32) (param $ldb i32) (param $c i32) (param $K i32)
    (local $acc v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $K) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (loop $k
        (local.set $acc (f32x4.relaxed_madd
          (v128.load32_splat (local.get $a)) (v128.load (local.get $b)) (local.get $acc)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br_if $k (i32.lt_u (local.get $a) (local.get $end)))))
    (v128.store (local.get $c) (local.get $acc)))

  ;; Copies a panel of 12 columns: dst[k·12 .. k·12+12] = src[k·ldb ..] for k < K (`ldb` in bytes),
  ;; the rows one after the other.
  (func $pack_12 (param $src i32) (param $ldb i32) (param $dst i32) (param $K i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.mul (local.get $K) (i32.const 48))))
    (block $done
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (loop $k
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
        (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
        (local.set $src (i32.add (local.get $src) (local.get $ldb)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
        (br_if $k (i32.lt_u (local.get $dst) (local.get $end))))))

  ;; C[0..M, j0..j1] = A · B for B [K, N] row-major; j1 - j0 >= 4.
  ;;
  ;; From 3 rows and 12 columns on, C is covered by 3 x 12 blocks, panel of 12 columns by
  ;; panel, so that the panel of B (K x 12 floats) is reused from the cache by every block of
  ;; rows. The last block of rows and the last panel are shifted back to end at M and j1: they
  ;; overlap their neighbours and write the same values again. Fewer rows or columns: row by row.
  ;;
  ;; With `pack` (an address of K x 48 bytes, else 0) each panel is first copied there, its K
  ;; rows of 12 floats one after the other, and the blocks read the copy: a panel read where it
  ;; lies takes 48 bytes from each of K rows `ldb` apart, a new page at every step and, when ldb
  ;; is a multiple of 4 KB (3072 columns), the same few cache sets for the whole panel. The sums
  ;; are the same either way, so are the bits.
  (func (export "matmul_nn")
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (param $M i32) (param $K i32) (param $j0 i32) (param $j1 i32) (param $pack i32)
    (local $i i32) (local $j i32) (local $ii i32) (local $jj i32) (local $pb i32) (local $pldb i32)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.and (i32.ge_s (local.get $M) (i32.const 3))
                 (i32.ge_s (i32.sub (local.get $j1) (local.get $j0)) (i32.const 12)))
      (then
        (local.set $j (local.get $j0))
        (loop $panel
          ;; jj: byte offset of the panel's first column
          (local.set $jj (i32.shl (select (local.get $j) (i32.sub (local.get $j1) (i32.const 12))
            (i32.le_s (i32.add (local.get $j) (i32.const 12)) (local.get $j1))) (i32.const 2)))
          ;; pb, pldb: where the blocks read the panel, and its rows' stride in bytes
          (local.set $pb (i32.add (local.get $b) (local.get $jj)))
          (local.set $pldb (local.get $ldb))
          (if (local.get $pack)
            (then
              (call $pack_12 (local.get $pb) (local.get $ldb) (local.get $pack) (local.get $K))
              (local.set $pb (local.get $pack))
              (local.set $pldb (i32.const 48))))
          (local.set $i (i32.const 0))
          (loop $rows
            (local.set $ii (select (local.get $i) (i32.sub (local.get $M) (i32.const 3))
              (i32.le_s (i32.add (local.get $i) (i32.const 3)) (local.get $M))))
            (call $block_3x12
              (i32.add (local.get $a) (i32.mul (local.get $ii) (local.get $lda))) (local.get $lda)
              (local.get $pb) (local.get $pldb)
              (i32.add (i32.add (local.get $c) (i32.mul (local.get $ii) (local.get $ldc)))
                (local.get $jj))
              (local.get $ldc) (local.get $K))
            (local.set $i (i32.add (local.get $i) (i32.const 3)))
            (br_if $rows (i32.lt_s (local.get $i) (local.get $M))))
          (local.set $j (i32.add (local.get $j) (i32.const 12)))
          (br_if $panel (i32.lt_s (local.get $j) (local.get $j1)))))
      (else
        (local.set $jj (i32.shl (local.get $j0) (i32.const 2)))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows1
            (br_if $rows_done (i32.ge_s (local.get $i) (local.get $M)))
            (call $row
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda)))
              (i32.add (local.get $b) (local.get $jj)) (local.get $ldb)
              (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                (local.get $jj))
              (local.get $K) (i32.sub (local.get $j1) (local.get $j0)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows1))))))

  ;; The horizontal sum of a vector, as (x0 + x1) + (x2 + x3).
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Lanes [0, K mod 4) all ones, the others zero: what the last vector of a row keeps.
  (func $tail_mask (param $K i32) (result v128)
    (i32x4.gt_s (i32x4.splat (i32.and (local.get $K) (i32.const 3))) (v128.const i32x4 0 1 2 3)))

  ;; Four dot products along K: c[r·ldc] = a · W[r, :] for r = 0 .. 3, W's rows `ldw` apart
  ;; and c's entries `ldc` apart (in bytes; a and W's rows contiguous). Each keeps four partial
  ;; sums (k mod 4) in one vector, added up at the end; the last K mod 4 elements are masked,
  ;; so that what lies past a row never counts. The four rows are four streams from memory at
  ;; once: this is the speed of decoding.
  (func $dot_1x4 (param $a i32) (param $w i32) (param $ldw i32) (param $c i32) (param $ldc i32)
    (param $K i32)
    (local $end i32) (local $x v128) (local $m v128) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $w1 (i32.add (local.get $w) (local.get $ldw)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $ldw)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $ldw)))
    (local.set $end (i32.add (local.get $a)
      (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2))))
    (local.set $m (v128.const i32x4 -1 -1 -1 -1))
    (block $done
      (loop $k
        ;; past the whole vectors: one more step, masked, when K is not a multiple of 4
        (if (i32.ge_u (local.get $a) (local.get $end))
          (then
            (br_if $done (i32.eqz (i32.and (local.get $K) (i32.const 3))))
            (local.set $m (call $tail_mask (local.get $K)))))
        (local.set $x (v128.and (v128.load (local.get $a)) (local.get $m)))
        (local.set $s0 (f32x4.relaxed_madd (local.get $x)
          (v128.and (v128.load (local.get $w)) (local.get $m)) (local.get $s0)))
        (local.set $s1 (f32x4.relaxed_madd (local.get $x)
          (v128.and (v128.load (local.get $w1)) (local.get $m)) (local.get $s1)))
        (local.set $s2 (f32x4.relaxed_madd (local.get $x)
          (v128.and (v128.load (local.get $w2)) (local.get $m)) (local.get $s2)))
        (local.set $s3 (f32x4.relaxed_madd (local.get $x)
          (v128.and (v128.load (local.get $w3)) (local.get $m)) (local.get $s3)))
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
        (br $k)))
    (f32.store (local.get $c) (call $hsum (local.get $s0)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (f32.store (local.get $c) (call $hsum (local.get $s1)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (f32.store (local.get $c) (call $hsum (local.get $s2)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (f32.store (local.get $c) (call $hsum (local.get $s3))))

  ;; C[0..2, 0..4] = A[0..2, :] · W[0..4, :]ᵀ: a 2 x 4 block of dot products (`lda`, `ldw`,
  ;; `ldc` in bytes), summed as in `$dot_1x4`. Two rows of A and four of W make 6 loads for 8
  ;; multiply-adds; the block of W (4 rows) stays in the L1 cache for every pair of rows of A.
  (func $dot_2x4
    (param $a i32) (param $lda i32) (param $w i32) (param $ldw i32)
    (param $c i32) (param $ldc i32) (param $K i32)
    (local $end i32) (local $m v128) (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $a1 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $w1 (i32.add (local.get $w) (local.get $ldw)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $ldw)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $ldw)))
    (local.set $end (i32.add (local.get $a)
      (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2))))
    (local.set $m (v128.const i32x4 -1 -1 -1 -1))
    (block $done
      (loop $k
        ;; past the whole vectors: one more step, masked, when K is not a multiple of 4
        (if (i32.ge_u (local.get $a) (local.get $end))
          (then
            (br_if $done (i32.eqz (i32.and (local.get $K) (i32.const 3))))
            (local.set $m (call $tail_mask (local.get $K)))))
        (local.set $x0 (v128.and (v128.load (local.get $a)) (local.get $m)))
        (local.set $x1 (v128.and (v128.load (local.get $a1)) (local.get $m)))
        (local.set $y (v128.and (v128.load (local.get $w)) (local.get $m)))
        (local.set $s00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s00)))
        (local.set $s10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s10)))
        (local.set $y (v128.and (v128.load (local.get $w1)) (local.get $m)))
        (local.set $s01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s01)))
        (local.set $s11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s11)))
        (local.set $y (v128.and (v128.load (local.get $w2)) (local.get $m)))
        (local.set $s02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s02)))
        (local.set $s12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s12)))
        (local.set $y (v128.and (v128.load (local.get $w3)) (local.get $m)))
        (local.set $s03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s03)))
        (local.set $s13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s13)))
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
        (br $k)))
    (f32.store (local.get $c) (call $hsum (local.get $s00)))
    (f32.store offset=4 (local.get $c) (call $hsum (local.get $s01)))
    (f32.store offset=8 (local.get $c) (call $hsum (local.get $s02)))
    (f32.store offset=12 (local.get $c) (call $hsum (local.get $s03)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (f32.store (local.get $c) (call $hsum (local.get $s10)))
    (f32.store offset=4 (local.get $c) (call $hsum (local.get $s11)))
    (f32.store offset=8 (local.get $c) (call $hsum (local.get $s12)))
    (f32.store offset=12 (local.get $c) (call $hsum (local.get $s13))))

  ;; C[0..M, j0..j1] = A · Wᵀ for W [N, K] row-major; j1 - j0 >= 4.
  ;;
  ;; One row (decoding): `$dot_1x4` on rows j, j + s, j + 2s, j + 3s of W for j = j0 .. j0+s-1,
  ;; s = (j1 - j0) / 4, so that W is read as four long streams, each through a quarter of the
  ;; rows from end to end (groups of 8 contiguous rows, streams a row long, took twice as long
  ;; on the tied LM head); the last (j1 - j0) mod 4 rows come with the last four rows again.
  ;; More rows: blocks of 2 rows of A by 4 of W, group of W by group so that each is read from
  ;; memory once. Last groups and blocks are shifted back to end at j1 and M, overlapping their
  ;; neighbours, as in `matmul_nn`: a C[i, j] has the same bits whichever block computes it.
  (func (export "matmul_nt")
    (param $a i32) (param $lda i32) (param $w i32) (param $ldw i32) (param $c i32) (param $ldc i32)
    (param $M i32) (param $K i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $ii i32) (local $jj i32) (local $s i32)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldw (i32.shl (local.get $ldw) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.eq (local.get $M) (i32.const 1))
      (then
        (local.set $s (i32.shr_u (i32.sub (local.get $j1) (local.get $j0)) (i32.const 2)))
        (local.set $j (local.get $j0))
        (loop $spread
          (call $dot_1x4 (local.get $a)
            (i32.add (local.get $w) (i32.mul (local.get $j) (local.get $ldw)))
            (i32.mul (local.get $s) (local.get $ldw))
            (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2)))
            (i32.shl (local.get $s) (i32.const 2)) (local.get $K))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $spread (i32.lt_s (local.get $j) (i32.add (local.get $j0) (local.get $s)))))
        (if (i32.and (i32.sub (local.get $j1) (local.get $j0)) (i32.const 3))
          (then
            (local.set $jj (i32.sub (local.get $j1) (i32.const 4)))
            (call $dot_1x4 (local.get $a)
              (i32.add (local.get $w) (i32.mul (local.get $jj) (local.get $ldw))) (local.get $ldw)
              (i32.add (local.get $c) (i32.shl (local.get $jj) (i32.const 2))) (i32.const 4)
              (local.get $K))))
        (return)))
    (local.set $j (local.get $j0))
    (loop $groups
      (local.set $jj (select (local.get $j) (i32.sub (local.get $j1) (i32.const 4))
        (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $j1))))
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $ii (select (local.get $i) (i32.sub (local.get $M) (i32.const 2))
          (i32.le_s (i32.add (local.get $i) (i32.const 2)) (local.get $M))))
        (call $dot_2x4
          (i32.add (local.get $a) (i32.mul (local.get $ii) (local.get $lda))) (local.get $lda)
          (i32.add (local.get $w) (i32.mul (local.get $jj) (local.get $ldw))) (local.get $ldw)
          (i32.add (i32.add (local.get $c) (i32.mul (local.get $ii) (local.get $ldc)))
            (i32.shl (local.get $jj) (i32.const 2)))
          (local.get $ldc) (local.get $K))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br_if $rows (i32.lt_s (local.get $i) (local.get $M))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br_if $groups (i32.lt_s (local.get $j) (local.get $j1)))))

  ;; y[0..n] = tanh(x[0..n]) for n a multiple of 4 (addresses in bytes; x and y may be the same).
  ;;
  ;; Eigen's float tanh: on x clamped to ±7.90531, the odd rational p(x)/q(x) with p of degree 13
  ;; and q of degree 6; x itself where |x| < 0.0004 (tanh x = x to within float rounding) and ±1
  ;; where |x| >= 9 (past the last float below 1). Within 7 float ulps of the exact tanh (see
  ;; `wasm_elementwise_test.ts`); NaN stays NaN, -0 stays -0. Plain multiplies and adds, never
  ;; fused, so every engine and CPU gives the same bits.
  (func (export "tanh") (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $v v128) (local $a v128) (local $a2 v128) (local $p v128)
    (local $q v128) (local $abs v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $each
        (local.set $v (v128.load (local.get $x)))
        (local.set $a (f32x4.min (f32x4.max (local.get $v)
          (v128.const f32x4 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805
            -7.90531110763549805))
          (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805
            7.90531110763549805)))
        (local.set $a2 (f32x4.mul (local.get $a) (local.get $a)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2)
          (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16
            -2.76076847742355e-16))
          (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13
            2.00018790482477e-13)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2) (local.get $p))
          (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11
            -8.60467152213735e-11)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2) (local.get $p))
          (v128.const f32x4 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08
            5.12229709037114e-08)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2) (local.get $p))
          (v128.const f32x4 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05
            1.48572235717979e-05)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2) (local.get $p))
          (v128.const f32x4 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04
            6.37261928875436e-04)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $a2) (local.get $p))
          (v128.const f32x4 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03
            4.89352455891786e-03)))
        (local.set $p (f32x4.mul (local.get $a) (local.get $p)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $a2)
          (v128.const f32x4 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06
            1.19825839466702e-06))
          (v128.const f32x4 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04
            1.18534705686654e-04)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $a2) (local.get $q))
          (v128.const f32x4 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03
            2.26843463243900e-03)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $a2) (local.get $q))
          (v128.const f32x4 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03
            4.89352518554385e-03)))
        (local.set $abs (f32x4.abs (local.get $v)))
        (v128.store (local.get $y)
          (v128.bitselect
            (local.get $v)
            (v128.bitselect
              ;; ±1, the sign of v
              (v128.or (v128.const f32x4 1 1 1 1)
                (v128.and (local.get $v) (v128.const i32x4 0x80000000 0x80000000 0x80000000
                  0x80000000)))
              (f32x4.div (local.get $p) (local.get $q))
              (f32x4.ge (local.get $abs) (v128.const f32x4 9 9 9 9)))
            (f32x4.lt (local.get $abs) (v128.const f32x4 0.0004 0.0004 0.0004 0.0004))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br_if $each (i32.lt_u (local.get $x) (local.get $end))))))
)
