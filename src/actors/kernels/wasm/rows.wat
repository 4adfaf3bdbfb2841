;; The inner loops of forwardRows.ts, for V8 to run without bounds checks, two targets at a time
;; where they lie side by side. Same arithmetic in the same order per target as the JavaScript they
;; replace: V += x·w in float64 (f64x2 lanes round exactly as scalar float64 does), and a crossing
;; when V is not inside (lowerFire, θ). The JavaScript tests that as (V − lowerFire)·(θ − V) not
;; positive, one branch; the vector loops as V > lowerFire and V < θ, two compares and an and, one
;; operation fewer per pair. Both say the same wherever lowerFire < θ, as the callers keep it (−Θ or
;; −∞ against Θ or ∞). Addresses are byte offsets into the memory the caller imports (rowMemory.ts);
;; lowerFire lies lfDelta bytes after V, target for target. A crossing is stored as the target's
;; index, (its V address − vPtr) / 8, in target order.
;; Regenerate rowsBinary.ts with `npm run build:wasm` after editing.
(module
  (import "rows" "memory" (memory 1))

  ;; One target: V at va += x·w at wa; stores a crossing after the `crossed` at crossPtr, returns the
  ;; count. The loops below write this, and its two-target form, out in place: V8 does not inline calls.
  (func $one
    (param $wa i32) (param $va i32) (param $lfDelta i32) (param $vPtr i32) (param $crossPtr i32)
    (param $crossed i32) (param $x f64) (param $theta f64) (result i32)
    (local $v f64)
    (local.set $v (f64.add (f64.load (local.get $va)) (f64.mul (local.get $x) (f64.load (local.get $wa)))))
    (f64.store (local.get $va) (local.get $v))
    (if (i32.eqz (f64.gt (f64.mul (f64.sub (local.get $v) (f64.load (i32.add (local.get $va) (local.get $lfDelta))))
                                  (f64.sub (local.get $theta) (local.get $v)))
                         (f64.const 0)))
      (then
        (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2)))
                   (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
        (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
    (local.get $crossed))

;; Dense: `count` contiguous targets from V address va, weights from wa, four at a time, then two,
  ;; then one. Returns the crossings stored at crossPtr. count ≥ 1.
  (func (export "row")
    (param $wa i32) (param $va i32) (param $count i32) (param $lfDelta i32)
    (param $vPtr i32) (param $crossPtr i32) (param $x f64) (param $theta f64)
    (result i32)
    (local $quadBytes i32) (local $quadsEnd i32) (local $crossed i32) (local $x2 v128) (local $theta2 v128)
    (local $v2 v128) (local $u2 v128) (local $inside v128) (local $within v128) (local $index i32)
    (local.set $x2 (f64x2.splat (local.get $x)))
    (local.set $theta2 (f64x2.splat (local.get $theta)))
    (local.set $quadBytes (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 3)))
    (local.set $quadsEnd (i32.add (local.get $wa) (local.get $quadBytes)))
    (block $quadsDone
      (br_if $quadsDone (i32.ge_u (local.get $wa) (local.get $quadsEnd)))
      (loop $quads
        (local.set $v2 (f64x2.add (v128.load (local.get $va)) (f64x2.mul (local.get $x2) (v128.load (local.get $wa)))))
        (v128.store (local.get $va) (local.get $v2))
        (local.set $inside (v128.and (f64x2.gt (local.get $v2) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (f64x2.lt (local.get $v2) (local.get $theta2))))
        (local.set $u2 (f64x2.add (v128.load (i32.add (local.get $va) (i32.const 16))) (f64x2.mul (local.get $x2) (v128.load (i32.add (local.get $wa) (i32.const 16))))))
        (v128.store (i32.add (local.get $va) (i32.const 16)) (local.get $u2))
        (local.set $within (v128.and (f64x2.gt (local.get $u2) (v128.load (i32.add (i32.add (local.get $va) (i32.const 16)) (local.get $lfDelta)))) (f64x2.lt (local.get $u2) (local.get $theta2))))
        (if (i32.eqz (i64x2.all_true (v128.and (local.get $inside) (local.get $within))))
          (then
            (local.set $index (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
            (if (i64.eqz (i64x2.extract_lane 0 (local.get $inside)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $index))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            (if (i64.eqz (i64x2.extract_lane 1 (local.get $inside)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 1)))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            (if (i64.eqz (i64x2.extract_lane 0 (local.get $within)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 2)))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            (if (i64.eqz (i64x2.extract_lane 1 (local.get $within)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 3)))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
        (local.set $va (i32.add (local.get $va) (i32.const 32)))
        (local.set $wa (i32.add (local.get $wa) (i32.const 32)))
        (br_if $quads (i32.lt_u (local.get $wa) (local.get $quadsEnd)))))
    (if (i32.and (local.get $count) (i32.const 2))
      (then
        (local.set $v2 (f64x2.add (v128.load (local.get $va)) (f64x2.mul (local.get $x2) (v128.load (local.get $wa)))))
        (v128.store (local.get $va) (local.get $v2))
        (local.set $inside (v128.and (f64x2.gt (local.get $v2) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (f64x2.lt (local.get $v2) (local.get $theta2))))
        (if (i32.eqz (i64x2.all_true (local.get $inside)))
          (then
            (local.set $index (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
            (if (i64.eqz (i64x2.extract_lane 0 (local.get $inside)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $index))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            (if (i64.eqz (i64x2.extract_lane 1 (local.get $inside)))
              (then
                (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 1)))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
        (local.set $va (i32.add (local.get $va) (i32.const 16)))
        (local.set $wa (i32.add (local.get $wa) (i32.const 16)))))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $crossed (call $one (local.get $wa) (local.get $va) (local.get $lfDelta) (local.get $vPtr) (local.get $crossPtr)
                                       (local.get $crossed) (local.get $x) (local.get $theta)))))
    (local.get $crossed))

    ;; Convolution: the runs k in [runBegin, runEnd) of one input position, channel by channel. Run k
  ;; reaches runLength[k] consecutive output positions from runAt[k], with consecutive weights from
  ;; runTap[k] among a channel's taps (kept last tap first: see positionRuns). wBase: the weights of
  ;; our first channel for this input channel; each next channel lies tapBytes on, and its V a plane
  ;; (planeBytes) on. Channels outermost and runs in increasing position: the crossings come out in
  ;; increasing neuron index. Returns how many are stored at crossPtr. n ≥ 1, every run ≥ 1.
  (func (export "conv")
    (param $runBegin i32) (param $runEnd i32) (param $runAtPtr i32) (param $runTapPtr i32) (param $runLengthPtr i32)
    (param $wBase i32) (param $tapBytes i32) (param $vPtr i32) (param $lfDelta i32) (param $crossPtr i32)
    (param $n i32) (param $planeBytes i32) (param $x f64) (param $theta f64)
    (result i32)
    (local $q i32) (local $k i32) (local $vq i32) (local $wq i32) (local $va i32) (local $wa i32) (local $vEnd i32)
    (local $crossed i32) (local $x2 v128) (local $theta2 v128)
    (local $v f64) (local $v2 v128) (local $inside v128) (local $index i32)
    (local.set $x2 (f64x2.splat (local.get $x)))
    (local.set $theta2 (f64x2.splat (local.get $theta)))
    (local.set $vq (local.get $vPtr))
    (local.set $wq (local.get $wBase))
    (loop $channels
      (local.set $k (local.get $runBegin))
      (block $runsDone
        (loop $runs
          (br_if $runsDone (i32.ge_s (local.get $k) (local.get $runEnd)))
          (local.set $va (i32.add (local.get $vq) (i32.shl (i32.load (i32.add (local.get $runAtPtr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
          (local.set $wa (i32.add (local.get $wq) (i32.shl (i32.load (i32.add (local.get $runTapPtr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
          (local.set $vEnd (i32.add (local.get $va) (i32.shl (i32.load (i32.add (local.get $runLengthPtr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
          ;; Two targets at a time while two are left, then the last one.
          (block $pairsDone
            (loop $pairs
              (br_if $pairsDone (i32.gt_u (i32.add (local.get $va) (i32.const 16)) (local.get $vEnd)))
              (local.set $v2 (f64x2.add (v128.load (local.get $va)) (f64x2.mul (local.get $x2) (v128.load (local.get $wa)))))
              (v128.store (local.get $va) (local.get $v2))
              (local.set $inside (v128.and (f64x2.gt (local.get $v2) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (f64x2.lt (local.get $v2) (local.get $theta2))))
              (if (i32.eqz (i64x2.all_true (local.get $inside)))
                (then
                  (local.set $index (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
                  (if (i64.eqz (i64x2.extract_lane 0 (local.get $inside)))
                    (then
                      (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $index))
                      (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                  (if (i64.eqz (i64x2.extract_lane 1 (local.get $inside)))
                    (then
                      (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 1)))
                      (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
              (local.set $va (i32.add (local.get $va) (i32.const 16)))
              (local.set $wa (i32.add (local.get $wa) (i32.const 16)))
              (br $pairs)))
          (if (i32.lt_u (local.get $va) (local.get $vEnd))
            (then
              (local.set $v (f64.add (f64.load (local.get $va)) (f64.mul (local.get $x) (f64.load (local.get $wa)))))
              (f64.store (local.get $va) (local.get $v))
              (if (i32.eqz (f64.gt (f64.mul (f64.sub (local.get $v) (f64.load (i32.add (local.get $va) (local.get $lfDelta))))
                                            (f64.sub (local.get $theta) (local.get $v)))
                                   (f64.const 0)))
                (then
                  (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2)))
                             (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
                  (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            ))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $runs)))
      (local.set $vq (i32.add (local.get $vq) (local.get $planeBytes)))
      (local.set $wq (i32.add (local.get $wq) (local.get $tapBytes)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br_if $channels (i32.lt_u (local.get $q) (local.get $n))))
    (local.get $crossed))

;; Convolution with the compartments channels last (storage index position·n + channel): the rows
  ;; r in [rBegin, rEnd) of one input position, row r reaching all n of our channels at output
  ;; position at[r] with the weights of tap tap[r], which lie n-long and contiguous from wBase. Every
  ;; row is one run of n targets (not the ≤ kernel-wide runs of channel planes), four at a time, then
  ;; two, then one. A crossing is stored as its storage index, rows in order, channels within: the
  ;; caller sorts them into neuron order. Returns how many are stored at crossPtr. n ≥ 1.
  (func (export "convLast")
    (param $rBegin i32) (param $rEnd i32) (param $atPtr i32) (param $tapPtr i32) (param $wBase i32)
    (param $n i32) (param $vPtr i32) (param $lfDelta i32) (param $crossPtr i32) (param $x f64) (param $theta f64)
    (result i32)
    (local $r i32) (local $rowBytes i32) (local $quadBytes i32) (local $va i32) (local $wa i32) (local $quadsEnd i32)
    (local $crossed i32) (local $x2 v128) (local $theta2 v128) (local $v2 v128) (local $u2 v128) (local $inside v128) (local $within v128)
    (local $index i32)
    (local.set $x2 (f64x2.splat (local.get $x)))
    (local.set $theta2 (f64x2.splat (local.get $theta)))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $quadBytes (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3)))
    (local.set $r (local.get $rBegin))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rEnd)))
        (local.set $va (i32.add (local.get $vPtr) (i32.mul (i32.load (i32.add (local.get $atPtr) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $wa (i32.add (local.get $wBase) (i32.mul (i32.load (i32.add (local.get $tapPtr) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $quadsEnd (i32.add (local.get $wa) (local.get $quadBytes)))
        (block $quadsDone
          (br_if $quadsDone (i32.ge_u (local.get $wa) (local.get $quadsEnd)))
          (loop $quads
            (local.set $v2 (f64x2.add (v128.load (local.get $va)) (f64x2.mul (local.get $x2) (v128.load (local.get $wa)))))
            (v128.store (local.get $va) (local.get $v2))
            (local.set $inside (v128.and (f64x2.gt (local.get $v2) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (f64x2.lt (local.get $v2) (local.get $theta2))))
            (local.set $u2 (f64x2.add (v128.load (i32.add (local.get $va) (i32.const 16))) (f64x2.mul (local.get $x2) (v128.load (i32.add (local.get $wa) (i32.const 16))))))
            (v128.store (i32.add (local.get $va) (i32.const 16)) (local.get $u2))
            (local.set $within (v128.and (f64x2.gt (local.get $u2) (v128.load (i32.add (i32.add (local.get $va) (i32.const 16)) (local.get $lfDelta)))) (f64x2.lt (local.get $u2) (local.get $theta2))))
            (if (i32.eqz (i64x2.all_true (v128.and (local.get $inside) (local.get $within))))
              (then
                (local.set $index (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
                (if (i64.eqz (i64x2.extract_lane 0 (local.get $inside)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $index))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                (if (i64.eqz (i64x2.extract_lane 1 (local.get $inside)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 1)))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                (if (i64.eqz (i64x2.extract_lane 0 (local.get $within)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 2)))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                (if (i64.eqz (i64x2.extract_lane 1 (local.get $within)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 3)))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
            (local.set $va (i32.add (local.get $va) (i32.const 32)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 32)))
            (br_if $quads (i32.lt_u (local.get $wa) (local.get $quadsEnd)))))
        (if (i32.and (local.get $n) (i32.const 2))
          (then
            (local.set $v2 (f64x2.add (v128.load (local.get $va)) (f64x2.mul (local.get $x2) (v128.load (local.get $wa)))))
            (v128.store (local.get $va) (local.get $v2))
            (local.set $inside (v128.and (f64x2.gt (local.get $v2) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (f64x2.lt (local.get $v2) (local.get $theta2))))
            (if (i32.eqz (i64x2.all_true (local.get $inside)))
              (then
                (local.set $index (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 3)))
                (if (i64.eqz (i64x2.extract_lane 0 (local.get $inside)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $index))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                (if (i64.eqz (i64x2.extract_lane 1 (local.get $inside)))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $index) (i32.const 1)))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
            (local.set $va (i32.add (local.get $va) (i32.const 16)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 16)))))
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (local.set $crossed (call $one (local.get $wa) (local.get $va) (local.get $lfDelta) (local.get $vPtr) (local.get $crossPtr)
                                           (local.get $crossed) (local.get $x) (local.get $theta)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (local.get $crossed))

  ;; convLast on int32 compartments and weights (4 bytes each), for a layer whose caller keeps every
  ;; potential's magnitude below 2^31 − 1, so that no sum wraps: the same rows, targets and crossings in
  ;; the same order (storage indices, (V address − vPtr) / 4). lowerFire < θ as for the others (−Θ or
  ;; −2^31 against Θ or 2^31 − 1). A target is reached once per event, so a row's crossings can be read
  ;; from its potentials after the row: the vector loop only ORs the lanes outside (lowerFire, θ), with
  ;; no branch, and a row that had any (or a tail of n mod 4) is scanned again. 0.46–0.50 against
  ;; 0.75–0.80 ns per accumulation for convLast on conv2 of the MNIST topology.
  (func (export "convLast32")
    (param $rBegin i32) (param $rEnd i32) (param $atPtr i32) (param $tapPtr i32) (param $wBase i32)
    (param $n i32) (param $vPtr i32) (param $lfDelta i32) (param $crossPtr i32) (param $x i32) (param $theta i32)
    (result i32)
    (local $r i32) (local $rowBytes i32) (local $octBytes i32) (local $va i32) (local $wa i32) (local $octsEnd i32)
    (local $crossed i32) (local $x4 v128) (local $theta4 v128) (local $v4 v128) (local $u4 v128) (local $out v128)
    (local $rowStart i32) (local $rowEnd i32) (local $v i32)
    (local.set $x4 (i32x4.splat (local.get $x)))
    (local.set $theta4 (i32x4.splat (local.get $theta)))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $octBytes (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2)))
    (local.set $r (local.get $rBegin))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rEnd)))
        (local.set $va (i32.add (local.get $vPtr) (i32.mul (i32.load (i32.add (local.get $atPtr) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $rowStart (local.get $va))
        (local.set $rowEnd (i32.add (local.get $va) (local.get $rowBytes)))
        (local.set $wa (i32.add (local.get $wBase) (i32.mul (i32.load (i32.add (local.get $tapPtr) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $octsEnd (i32.add (local.get $wa) (local.get $octBytes)))
        (local.set $out (v128.const i32x4 0 0 0 0))
        (block $octsDone
          (br_if $octsDone (i32.ge_u (local.get $wa) (local.get $octsEnd)))
          (loop $octs
            (local.set $v4 (i32x4.add (v128.load (local.get $va)) (i32x4.mul (local.get $x4) (v128.load (local.get $wa)))))
            (v128.store (local.get $va) (local.get $v4))
            (local.set $u4 (i32x4.add (v128.load (i32.add (local.get $va) (i32.const 16))) (i32x4.mul (local.get $x4) (v128.load (i32.add (local.get $wa) (i32.const 16))))))
            (v128.store (i32.add (local.get $va) (i32.const 16)) (local.get $u4))
            (local.set $out (v128.or (local.get $out)
              (v128.or (v128.or (i32x4.le_s (local.get $v4) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (i32x4.ge_s (local.get $v4) (local.get $theta4)))
                       (v128.or (i32x4.le_s (local.get $u4) (v128.load (i32.add (i32.add (local.get $va) (i32.const 16)) (local.get $lfDelta)))) (i32x4.ge_s (local.get $u4) (local.get $theta4))))))
            (local.set $va (i32.add (local.get $va) (i32.const 32)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 32)))
            (br_if $octs (i32.lt_u (local.get $wa) (local.get $octsEnd)))))
        (if (i32.and (local.get $n) (i32.const 4))
          (then
            (local.set $v4 (i32x4.add (v128.load (local.get $va)) (i32x4.mul (local.get $x4) (v128.load (local.get $wa)))))
            (v128.store (local.get $va) (local.get $v4))
            (local.set $out (v128.or (local.get $out)
              (v128.or (i32x4.le_s (local.get $v4) (v128.load (i32.add (local.get $va) (local.get $lfDelta)))) (i32x4.ge_s (local.get $v4) (local.get $theta4)))))
            (local.set $va (i32.add (local.get $va) (i32.const 16)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 16)))))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $va) (local.get $rowEnd)))
            (i32.store (local.get $va) (i32.add (i32.load (local.get $va)) (i32.mul (local.get $x) (i32.load (local.get $wa)))))
            (local.set $va (i32.add (local.get $va) (i32.const 4)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 4)))
            (br $tail)))
        ;; Any lane out of bounds, or a tail: find the crossings of the row from the stored potentials.
        (if (i32.or (v128.any_true (local.get $out)) (i32.and (local.get $n) (i32.const 3)))
          (then
            (local.set $va (local.get $rowStart))
            (block $scanDone
              (loop $scan
                (br_if $scanDone (i32.ge_u (local.get $va) (local.get $rowEnd)))
                (local.set $v (i32.load (local.get $va)))
                (if (i32.eqz (i32.and (i32.gt_s (local.get $v) (i32.load (i32.add (local.get $va) (local.get $lfDelta))))
                                      (i32.lt_s (local.get $v) (local.get $theta))))
                  (then
                    (i32.store (i32.add (local.get $crossPtr) (i32.shl (local.get $crossed) (i32.const 2)))
                               (i32.shr_u (i32.sub (local.get $va) (local.get $vPtr)) (i32.const 2)))
                    (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
                (local.set $va (i32.add (local.get $va) (i32.const 4)))
                (br $scan)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (local.get $crossed))
)
