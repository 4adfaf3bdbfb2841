;; Sparse convolution loops of the tfjs mirror, float32 as the backend computes: the forward pass of
;; an input of few channels from its non-zero inputs (sparseConvForward.ts), and the filter
;; gradient's sums from the non-zero errors (sparseFilterGradient.ts). Addresses are byte offsets
;; into the memory the caller imports (sparseConvMemory.ts).
;; Regenerate sparseConvBinary.ts with `npm run build:wasm` after editing.
(module
  (import "conv" "memory" (memory 1))

  ;; The forward pass. NHWC input, filter [ky][kx][in][out] with each tap's output row padded to
  ;; whole chunks of 16 lanes. Every output is its bias plus its window's non-zero products in
  ;; (ky, kx, in) order: its bits depend neither on the rest of the batch nor on the batch's size.
  ;; Each non-zero input adds its products to every output it reaches, in input order, so that each
  ;; output receives its window's in (ky, kx, in) order; relu is applied after, by `relu` below.
  ;; A last chunk's spare lanes fall on the next position's first ones, with a zero weight (or, for
  ;; the bias, before that position writes its own), and past the last position into memory the
  ;; caller leaves free.
  (func (export "convScatter")
    (param $inAt i32) (param $wAt i32) (param $biasAt i32) (param $outAt i32)
    (param $batch i32) (param $height i32) (param $width i32) (param $inChannels i32)
    (param $outHeight i32) (param $outWidth i32) (param $outChannels i32) (param $chunks i32)
    (param $kernelHeight i32) (param $kernelWidth i32) (param $stride i32)
    (param $padTop i32) (param $padLeft i32)
    (local $b i32) (local $iy i32) (local $ix i32) (local $ci i32) (local $ky i32) (local $kx i32)
    (local $ty i32) (local $tx i32) (local $oy i32) (local $ox i32) (local $c i32)
    (local $rowBytes i32) (local $tapBytes i32) (local $outBytes i32) (local $imageOut i32)
    (local $o i32) (local $wa i32) (local $at i32) (local $x v128) (local $v f32) (local $p i32) (local $positions i32)
    (local $kyLo i32) (local $kyHi i32) (local $kxLo i32) (local $kxHi i32) (local $lastY i32) (local $lastX i32)
    (local.set $rowBytes (i32.shl (local.get $chunks) (i32.const 6)))
    (local.set $tapBytes (i32.mul (local.get $inChannels) (local.get $rowBytes)))
    (local.set $outBytes (i32.shl (local.get $outChannels) (i32.const 2)))
    (local.set $lastY (i32.mul (i32.sub (local.get $outHeight) (i32.const 1)) (local.get $stride)))
    (local.set $lastX (i32.mul (i32.sub (local.get $outWidth) (i32.const 1)) (local.get $stride)))
    ;; every output := bias, position by position (spare lanes spill forward, as in convForward)
    (local.set $positions (i32.mul (local.get $batch) (i32.mul (local.get $outHeight) (local.get $outWidth))))
    (local.set $o (local.get $outAt))
    (block $initDone (loop $init
      (br_if $initDone (i32.ge_u (local.get $p) (local.get $positions)))
      (local.set $c (i32.const 0))
      (block $cDone (loop $cLoop
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $chunks)))
        (local.set $at (i32.shl (local.get $c) (i32.const 6)))
        (v128.store (i32.add (local.get $o) (local.get $at)) (v128.load (i32.add (local.get $biasAt) (local.get $at))))
        (v128.store offset=16 (i32.add (local.get $o) (local.get $at)) (v128.load offset=16 (i32.add (local.get $biasAt) (local.get $at))))
        (v128.store offset=32 (i32.add (local.get $o) (local.get $at)) (v128.load offset=32 (i32.add (local.get $biasAt) (local.get $at))))
        (v128.store offset=48 (i32.add (local.get $o) (local.get $at)) (v128.load offset=48 (i32.add (local.get $biasAt) (local.get $at))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cLoop)))
      (local.set $o (i32.add (local.get $o) (local.get $outBytes)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $init)))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $imageOut (i32.add (local.get $outAt)
        (i32.mul (i32.mul (local.get $b) (i32.mul (local.get $outHeight) (local.get $outWidth))) (local.get $outBytes))))
      (local.set $iy (i32.const 0))
      (block $iyDone (loop $iyLoop
        (br_if $iyDone (i32.ge_u (local.get $iy) (local.get $height)))
        ;; taps that reach an output row: 0 ≤ iy + padTop − ky ≤ (outHeight − 1)·stride
        (local.set $kyLo (i32.sub (i32.add (local.get $iy) (local.get $padTop)) (local.get $lastY)))
        (if (i32.lt_s (local.get $kyLo) (i32.const 0)) (then (local.set $kyLo (i32.const 0))))
        (local.set $kyHi (i32.add (i32.add (local.get $iy) (local.get $padTop)) (i32.const 1)))
        (if (i32.gt_s (local.get $kyHi) (local.get $kernelHeight)) (then (local.set $kyHi (local.get $kernelHeight))))
        (local.set $ix (i32.const 0))
        (block $ixDone (loop $ixLoop
          (local.set $kxLo (i32.sub (i32.add (local.get $ix) (local.get $padLeft)) (local.get $lastX)))
          (if (i32.lt_s (local.get $kxLo) (i32.const 0)) (then (local.set $kxLo (i32.const 0))))
          (local.set $kxHi (i32.add (i32.add (local.get $ix) (local.get $padLeft)) (i32.const 1)))
          (if (i32.gt_s (local.get $kxHi) (local.get $kernelWidth)) (then (local.set $kxHi (local.get $kernelWidth))))
          (br_if $ixDone (i32.ge_u (local.get $ix) (local.get $width)))
          (local.set $ci (i32.const 0))
          (block $ciDone (loop $ciLoop
            (br_if $ciDone (i32.ge_u (local.get $ci) (local.get $inChannels)))
            (local.set $v (f32.load (local.get $inAt)))
            (local.set $inAt (i32.add (local.get $inAt) (i32.const 4)))
            (if (f32.ne (local.get $v) (f32.const 0)) (then
              (local.set $x (f32x4.splat (local.get $v)))
              (local.set $ky (local.get $kyLo))
              (block $kyDone (loop $kyLoop
                (br_if $kyDone (i32.ge_s (local.get $ky) (local.get $kyHi)))
                ;; the output row oy with oy·stride + ky − padTop = iy, if stride divides ty (stride 1:
                ;; always, and no division)
                (local.set $ty (i32.sub (i32.add (local.get $iy) (local.get $padTop)) (local.get $ky)))
                (local.set $oy (local.get $ty))
                (if (i32.ne (local.get $stride) (i32.const 1)) (then
                  (local.set $oy (select (i32.div_u (local.get $ty) (local.get $stride)) (i32.const -1) (i32.eqz (i32.rem_u (local.get $ty) (local.get $stride)))))))
                (if (i32.ge_s (local.get $oy) (i32.const 0)) (then
                    (local.set $kx (local.get $kxLo))
                    (block $kxDone (loop $kxLoop
                      (br_if $kxDone (i32.ge_s (local.get $kx) (local.get $kxHi)))
                      (local.set $tx (i32.sub (i32.add (local.get $ix) (local.get $padLeft)) (local.get $kx)))
                      (local.set $ox (local.get $tx))
                      (if (i32.ne (local.get $stride) (i32.const 1)) (then
                        (local.set $ox (select (i32.div_u (local.get $tx) (local.get $stride)) (i32.const -1) (i32.eqz (i32.rem_u (local.get $tx) (local.get $stride)))))))
                      (if (i32.ge_s (local.get $ox) (i32.const 0)) (then
                          (local.set $o (i32.add (local.get $imageOut)
                            (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $outWidth)) (local.get $ox)) (local.get $outBytes))))
                          (local.set $wa (i32.add (local.get $wAt) (i32.add
                            (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kernelWidth)) (local.get $kx)) (local.get $tapBytes))
                            (i32.mul (local.get $ci) (local.get $rowBytes)))))
                          (local.set $c (i32.const 0))
                          (block $chunkDone (loop $chunk
                            (br_if $chunkDone (i32.ge_u (local.get $c) (local.get $chunks)))
                            (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $x) (v128.load (local.get $wa)))))
                            (v128.store offset=16 (local.get $o) (f32x4.add (v128.load offset=16 (local.get $o)) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $wa)))))
                            (v128.store offset=32 (local.get $o) (f32x4.add (v128.load offset=32 (local.get $o)) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $wa)))))
                            (v128.store offset=48 (local.get $o) (f32x4.add (v128.load offset=48 (local.get $o)) (f32x4.mul (local.get $x) (v128.load offset=48 (local.get $wa)))))
                            (local.set $o (i32.add (local.get $o) (i32.const 64)))
                            (local.set $wa (i32.add (local.get $wa) (i32.const 64)))
                            (local.set $c (i32.add (local.get $c) (i32.const 1)))
                            (br $chunk)))))
                      (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                      (br $kxLoop)))))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br $kyLoop)))))
            (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
            (br $ciLoop)))
          (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
          (br $ixLoop)))
        (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
        (br $iyLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; max(v, 0) over `count` floats from at, four at a time (count a multiple of 4 or the memory
  ;; past it free).
  (func (export "relu") (param $at i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 2))))
    (block $done (loop $quad
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (v128.store (local.get $at) (f32x4.max (v128.load (local.get $at)) (v128.const f32x4 0 0 0 0)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $quad))))

  ;; The largest |v| of `count` floats from `at`, or −1 when one of them is not an integer.
  (func (export "largestInteger") (param $at i32) (param $count i32) (result f32)
    (local $end i32) (local $quadsEnd i32) (local $v v128) (local $max v128) (local $s f32) (local $m f32)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $at) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $quadsDone (loop $quad
      (br_if $quadsDone (i32.ge_u (local.get $at) (local.get $quadsEnd)))
      (local.set $v (v128.load (local.get $at)))
      (if (i32.eqz (i32x4.all_true (f32x4.eq (local.get $v) (f32x4.trunc (local.get $v))))) (then (return (f32.const -1))))
      (local.set $max (f32x4.max (local.get $max) (f32x4.abs (local.get $v))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $quad)))
    (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
                           (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $s (f32.load (local.get $at)))
      (if (f32.ne (local.get $s) (f32.trunc (local.get $s))) (then (return (f32.const -1))))
      (local.set $m (f32.max (local.get $m) (f32.abs (local.get $s))))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (br $one)))
    (local.get $m))

  ;; The gradients' sums from the non-zero errors: `jobs` runs of 16 bytes from jobAt, each (source
  ;; byte offset into the operand at xAt, destination byte offset into the sums at sumsAt, length,
  ;; error e): sums[dst + t] += e·x[src + t], four at a time, then one; each sum receives its terms
  ;; in job order. (The filter gradient's caller promises every partial sum exact, so that its
  ;; order changes nothing; the input gradient's fixes the order image by image.)
  (func (export "addRuns") (param $jobAt i32) (param $jobs i32) (param $xAt i32) (param $sumsAt i32)
    (local $end i32) (local $src i32) (local $dst i32) (local $run i32) (local $quadsEnd i32) (local $runEnd i32)
    (local $e f32) (local $e4 v128)
    (local.set $end (i32.add (local.get $jobAt) (i32.shl (local.get $jobs) (i32.const 4))))
    (block $jobsDone (loop $job
      (br_if $jobsDone (i32.ge_u (local.get $jobAt) (local.get $end)))
      (local.set $src (i32.add (local.get $xAt) (i32.load (local.get $jobAt))))
      (local.set $dst (i32.add (local.get $sumsAt) (i32.load offset=4 (local.get $jobAt))))
      (local.set $run (i32.load offset=8 (local.get $jobAt)))
      (local.set $e (f32.load offset=12 (local.get $jobAt)))
      (local.set $e4 (f32x4.splat (local.get $e)))
      (local.set $quadsEnd (i32.add (local.get $dst) (i32.shl (i32.and (local.get $run) (i32.const -4)) (i32.const 2))))
      (local.set $runEnd (i32.add (local.get $dst) (i32.shl (local.get $run) (i32.const 2))))
      (block $quadsDone (loop $quad
        (br_if $quadsDone (i32.ge_u (local.get $dst) (local.get $quadsEnd)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (f32x4.mul (local.get $e4) (v128.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $quad)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $dst) (local.get $runEnd)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.mul (local.get $e) (f32.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $tail)))
      (local.set $jobAt (i32.add (local.get $jobAt) (i32.const 16)))
      (br $job))))

  ;; to[tap·rows + r] = from[r·taps + tap]: the sums, kept [out][tap], into the kernel's [tap][out].
  (func (export "transpose") (param $from i32) (param $to i32) (param $rows i32) (param $taps i32)
    (local $r i32) (local $tap i32) (local $at i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $rows) (i32.const 2)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $at (i32.add (local.get $to) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $tap (i32.const 0))
      (block $tapsDone (loop $tapLoop
        (br_if $tapsDone (i32.ge_u (local.get $tap) (local.get $taps)))
        (f32.store (local.get $at) (f32.load (local.get $from)))
        (local.set $from (i32.add (local.get $from) (i32.const 4)))
        (local.set $at (i32.add (local.get $at) (local.get $rowBytes)))
        (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
        (br $tapLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; The bias gradients' sums: sums[i mod channels] += v over the `count` floats from `at` that are
  ;; not zero (float64 at sumsAt, zeroed by the caller), sixteen skipped at a time where all are ±0.
  ;; Returns Σ|v|, or −1 when a value is not an integer.
  (func (export "channelSums") (param $at i32) (param $count i32) (param $channels i32) (param $sumsAt i32) (result f64)
    (local $i i32) (local $blocksEnd i32) (local $j i32) (local $jEnd i32) (local $v f32) (local $mass f64) (local $s i32)
    (local.set $blocksEnd (i32.and (local.get $count) (i32.const -16)))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $jEnd (i32.add (local.get $i) (i32.const 16)))
      (if (i32.gt_u (local.get $jEnd) (local.get $count)) (then (local.set $jEnd (local.get $count))))
      (if (i32.or (i32.ge_u (local.get $i) (local.get $blocksEnd))
            (v128.any_true (v128.and (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)
              (v128.or (v128.or (v128.load (local.get $at)) (v128.load offset=16 (local.get $at)))
                       (v128.or (v128.load offset=32 (local.get $at)) (v128.load offset=48 (local.get $at)))))))
        (then
          (local.set $j (local.get $i))
          (local.set $s (local.get $at))
          (block $valuesDone (loop $value
            (br_if $valuesDone (i32.ge_u (local.get $j) (local.get $jEnd)))
            (local.set $v (f32.load (local.get $s)))
            (if (f32.ne (local.get $v) (f32.const 0)) (then
              (if (f32.ne (local.get $v) (f32.trunc (local.get $v))) (then (return (f64.const -1))))
              (local.set $mass (f64.add (local.get $mass) (f64.promote_f32 (f32.abs (local.get $v)))))
              (f64.store
                (i32.add (local.get $sumsAt) (i32.shl (i32.rem_u (local.get $j) (local.get $channels)) (i32.const 3)))
                (f64.add (f64.load (i32.add (local.get $sumsAt) (i32.shl (i32.rem_u (local.get $j) (local.get $channels)) (i32.const 3))))
                         (f64.promote_f32 (local.get $v))))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $value)))))
      (local.set $at (i32.add (local.get $at) (i32.const 64)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $block)))
    (local.get $mass))
)
