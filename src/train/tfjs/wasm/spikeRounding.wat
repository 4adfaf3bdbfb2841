;; The tfjs mirror's roundings in one pass each, on tensors where the wasm backend keeps them: this
;; module imports the backend's own memory (roundingKernels.ts), so addresses are the tensors' byte
;; offsets on its heap and nothing is copied. Each is the very float32 operations, in the same order,
;; of the chain of backend ops it replaces (spikeOps.ts), so the bits are the same; what it saves is
;; the launches and the passes over memory of those ops.
;; Regenerate spikeRoundingBinary.ts with `npm run build:wasm` after editing.
(module
  (import "tfjs" "memory" (memory 1))

  ;; roundHalfAway(s) as spikeOps.ts writes it: clip(4s, −1, 1)·floor(|s| + 1/2).
  (func $halfAway4 (param $s v128) (result v128)
    (f32x4.mul
      (f32x4.min (f32x4.max (f32x4.mul (local.get $s) (v128.const f32x4 4 4 4 4)) (v128.const f32x4 -1 -1 -1 -1)) (v128.const f32x4 1 1 1 1))
      (f32x4.floor (f32x4.add (f32x4.abs (local.get $s)) (v128.const f32x4 0.5 0.5 0.5 0.5)))))
  (func $halfAway (param $s f32) (result f32)
    (f32.mul
      (f32.min (f32.max (f32.mul (local.get $s) (f32.const 4)) (f32.const -1)) (f32.const 1))
      (f32.floor (f32.add (f32.abs (local.get $s)) (f32.const 0.5)))))

  ;; Spike counts: s = x·m1·m2/d (multiplying or dividing by 1 is exact, so a factor the chain leaves
  ;; out is passed as 1), then floor(s + 1/2) where s ≥ 0 is known (after relu), else roundHalfAway(s).
  (func (export "spikeCounts")
    (param $x i32) (param $out i32) (param $count i32) (param $m1 f32) (param $m2 f32) (param $d f32) (param $halfAway i32)
    (local $end i32) (local $quadsEnd i32) (local $s v128) (local $v f32)
    (local $m1v v128) (local $m2v v128) (local $dv v128)
    (local.set $m1v (f32x4.splat (local.get $m1)))
    (local.set $m2v (f32x4.splat (local.get $m2)))
    (local.set $dv (f32x4.splat (local.get $d)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $quadsDone (loop $quad
      (br_if $quadsDone (i32.ge_u (local.get $x) (local.get $quadsEnd)))
      (local.set $s (f32x4.div (f32x4.mul (f32x4.mul (v128.load (local.get $x)) (local.get $m1v)) (local.get $m2v)) (local.get $dv)))
      (v128.store (local.get $out)
        (if (result v128) (local.get $halfAway)
          (then (call $halfAway4 (local.get $s)))
          (else (f32x4.floor (f32x4.add (local.get $s) (v128.const f32x4 0.5 0.5 0.5 0.5))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $quad)))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (f32.div (f32.mul (f32.mul (f32.load (local.get $x)) (local.get $m1)) (local.get $m2)) (local.get $d)))
      (f32.store (local.get $out)
        (if (result f32) (local.get $halfAway)
          (then (call $halfAway (local.get $v)))
          (else (f32.floor (f32.add (local.get $v) (f32.const 0.5))))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $one))))

  ;; A rounded layer's error from the gradient g of its spike counts: roundHalfAway(g·scale), then,
  ;; at a relu layer (gated ≠ 0), times step(z) = [z > 0] (1 or +0, as the backend's Step).
  (func (export "roundedError")
    (param $g i32) (param $gate i32) (param $out i32) (param $count i32) (param $scale f32) (param $gated i32)
    (local $end i32) (local $quadsEnd i32) (local $r v128) (local $e f32) (local $scalev v128)
    (local.set $scalev (f32x4.splat (local.get $scale)))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $g) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $quadsDone (loop $quad
      (br_if $quadsDone (i32.ge_u (local.get $g) (local.get $quadsEnd)))
      (local.set $r (call $halfAway4 (f32x4.mul (v128.load (local.get $g)) (local.get $scalev))))
      (if (local.get $gated) (then
        (local.set $r (f32x4.mul (local.get $r)
          (v128.and (f32x4.gt (v128.load (local.get $gate)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))))
        (local.set $gate (i32.add (local.get $gate) (i32.const 16)))))
      (v128.store (local.get $out) (local.get $r))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $quad)))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
      (local.set $e (call $halfAway (f32.mul (f32.load (local.get $g)) (local.get $scale))))
      (if (local.get $gated) (then
        (local.set $e (f32.mul (local.get $e)
          (select (f32.const 1) (f32.const 0) (f32.gt (f32.load (local.get $gate)) (f32.const 0)))))
        (local.set $gate (i32.add (local.get $gate) (i32.const 4)))))
      (f32.store (local.get $out) (local.get $e))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $one))))

  ;; The gradient of a size×size sum pool (NHWC): every input position under a window gets its
  ;; window's gradient times `factor`; the rows and columns the pooling dropped get 0·factor (the
  ;; chain pads them with zeros before it multiplies).
  (func (export "spreadPool")
    (param $g i32) (param $out i32) (param $batch i32) (param $outHeight i32) (param $outWidth i32) (param $channels i32)
    (param $size i32) (param $inHeight i32) (param $inWidth i32) (param $factor f32)
    (local $b i32) (local $y i32) (local $x i32) (local $c i32) (local $src i32) (local $row i32)
    (local $rowBytes i32) (local $quadBytes i32) (local $zero f32) (local $factorv v128) (local $covered i32)
    (local.set $factorv (f32x4.splat (local.get $factor)))
    (local.set $zero (f32.mul (f32.const 0) (local.get $factor)))
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $quadBytes (i32.shl (i32.and (local.get $channels) (i32.const -4)) (i32.const 2)))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $y (i32.const 0))
      (block $yDone (loop $yLoop
        (br_if $yDone (i32.ge_u (local.get $y) (local.get $inHeight)))
        ;; the first source position of this row's windows: g[b, y / size, 0, 0]
        (local.set $row (i32.add (local.get $g) (i32.mul (local.get $rowBytes)
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $outHeight)) (i32.div_u (local.get $y) (local.get $size))) (local.get $outWidth)))))
        (local.set $x (i32.const 0))
        (block $xDone (loop $xLoop
          (br_if $xDone (i32.ge_u (local.get $x) (local.get $inWidth)))
          (local.set $covered (i32.and
            (i32.lt_u (i32.div_u (local.get $y) (local.get $size)) (local.get $outHeight))
            (i32.lt_u (i32.div_u (local.get $x) (local.get $size)) (local.get $outWidth))))
          (local.set $src (i32.add (local.get $row) (i32.mul (i32.div_u (local.get $x) (local.get $size)) (local.get $rowBytes))))
          (local.set $c (i32.const 0))
          (if (local.get $covered)
            (then
              (block $quadsDone (loop $quad
                (br_if $quadsDone (i32.ge_u (local.get $c) (local.get $quadBytes)))
                (v128.store (i32.add (local.get $out) (local.get $c))
                  (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $c))) (local.get $factorv)))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $quad)))
              (block $restDone (loop $rest
                (br_if $restDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
                (f32.store (i32.add (local.get $out) (local.get $c))
                  (f32.mul (f32.load (i32.add (local.get $src) (local.get $c))) (local.get $factor)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $rest))))
            (else
              (block $zerosDone (loop $zeros
                (br_if $zerosDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
                (f32.store (i32.add (local.get $out) (local.get $c)) (local.get $zero))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $zeros)))))
          (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $xLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))
)
