;; The TV-L1 iteration and the ROF iteration of the structure-texture split, 4 pixels at a time (WebAssembly SIMD),
;; and the bicubic warp of I1 and its gradients (the 4 taps of a row in one vector).
;; The iterations:
;; the same fused pass as `iterateJs` in solver.ts (primal update of row y,
;; then dual update of row y - 1), in float32. Arguments are byte offsets of
;; the arrays in this module's memory; p11/p21 have one leading zero element
;; and p12/p22 one leading zero row, so the divergence needs no border tests.
;; Returns the sum of squared updates of u.
(module
  (memory (export "memory") 1)

  ;; primal update of pixels [i, end) (byte offsets), adds the squared updates to the returned sum
  (func $primal (param $i i32) (param $end i32) (param $u1 i32) (param $u2 i32) (param $p11 i32) (param $p12 i32) (param $p21 i32) (param $p22 i32)
                (param $gx i32) (param $gy i32) (param $ig i32) (param $rc i32) (param $w4 i32) (param $lt f32) (param $theta f32) (result f64)
    (local $acc v128) (local $a1 v128) (local $a2 v128) (local $f v128) (local $d1 v128) (local $d2 v128) (local $vu1 v128) (local $vu2 v128)
    (local $lt4 v128) (local $nlt4 v128) (local $th4 v128) (local $sum f64)
    (local $sa1 f32) (local $sa2 f32) (local $sf f32) (local $sd1 f32) (local $sd2 f32) (local $su1 f32) (local $su2 f32)
    (local.set $lt4 (f32x4.splat (local.get $lt)))
    (local.set $nlt4 (f32x4.neg (local.get $lt4)))
    (local.set $th4 (f32x4.splat (local.get $theta)))
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $a1 (v128.load (i32.add (local.get $gx) (local.get $i))))
        (local.set $a2 (v128.load (i32.add (local.get $gy) (local.get $i))))
        (local.set $vu1 (v128.load (i32.add (local.get $u1) (local.get $i))))
        (local.set $vu2 (v128.load (i32.add (local.get $u2) (local.get $i))))
        ;; f = clamp(-(rhoC + a1 u1 + a2 u2) * invGrad, -lt, lt)
        (local.set $f
          (f32x4.max (local.get $nlt4) (f32x4.min (local.get $lt4)
            (f32x4.neg (f32x4.mul (v128.load (i32.add (local.get $ig) (local.get $i)))
              (f32x4.add (f32x4.add (v128.load (i32.add (local.get $rc) (local.get $i))) (f32x4.mul (local.get $a1) (local.get $vu1)))
                (f32x4.mul (local.get $a2) (local.get $vu2))))))))
        ;; d = f a + theta div p
        (local.set $d1 (f32x4.add (f32x4.mul (local.get $f) (local.get $a1)) (f32x4.mul (local.get $th4)
          (f32x4.add
            (f32x4.sub (v128.load offset=4 (i32.add (local.get $p11) (local.get $i))) (v128.load (i32.add (local.get $p11) (local.get $i))))
            (f32x4.sub (v128.load (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))) (v128.load (i32.add (local.get $p12) (local.get $i))))))))
        (local.set $d2 (f32x4.add (f32x4.mul (local.get $f) (local.get $a2)) (f32x4.mul (local.get $th4)
          (f32x4.add
            (f32x4.sub (v128.load offset=4 (i32.add (local.get $p21) (local.get $i))) (v128.load (i32.add (local.get $p21) (local.get $i))))
            (f32x4.sub (v128.load (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))) (v128.load (i32.add (local.get $p22) (local.get $i))))))))
        (v128.store (i32.add (local.get $u1) (local.get $i)) (f32x4.add (local.get $vu1) (local.get $d1)))
        (v128.store (i32.add (local.get $u2) (local.get $i)) (f32x4.add (local.get $vu2) (local.get $d2)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.add (f32x4.mul (local.get $d1) (local.get $d1)) (f32x4.mul (local.get $d2) (local.get $d2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next4)))
    (local.set $sum (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $acc))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $acc))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $acc))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $acc))))))
    ;; the remaining pixels one by one
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $sa1 (f32.load (i32.add (local.get $gx) (local.get $i))))
        (local.set $sa2 (f32.load (i32.add (local.get $gy) (local.get $i))))
        (local.set $su1 (f32.load (i32.add (local.get $u1) (local.get $i))))
        (local.set $su2 (f32.load (i32.add (local.get $u2) (local.get $i))))
        (local.set $sf
          (f32.max (f32.neg (local.get $lt)) (f32.min (local.get $lt)
            (f32.neg (f32.mul (f32.load (i32.add (local.get $ig) (local.get $i)))
              (f32.add (f32.add (f32.load (i32.add (local.get $rc) (local.get $i))) (f32.mul (local.get $sa1) (local.get $su1)))
                (f32.mul (local.get $sa2) (local.get $su2))))))))
        (local.set $sd1 (f32.add (f32.mul (local.get $sf) (local.get $sa1)) (f32.mul (local.get $theta)
          (f32.add
            (f32.sub (f32.load offset=4 (i32.add (local.get $p11) (local.get $i))) (f32.load (i32.add (local.get $p11) (local.get $i))))
            (f32.sub (f32.load (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))) (f32.load (i32.add (local.get $p12) (local.get $i))))))))
        (local.set $sd2 (f32.add (f32.mul (local.get $sf) (local.get $sa2)) (f32.mul (local.get $theta)
          (f32.add
            (f32.sub (f32.load offset=4 (i32.add (local.get $p21) (local.get $i))) (f32.load (i32.add (local.get $p21) (local.get $i))))
            (f32.sub (f32.load (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))) (f32.load (i32.add (local.get $p22) (local.get $i))))))))
        (f32.store (i32.add (local.get $u1) (local.get $i)) (f32.add (local.get $su1) (local.get $sd1)))
        (f32.store (i32.add (local.get $u2) (local.get $i)) (f32.add (local.get $su2) (local.get $sd2)))
        (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32.add (f32.mul (local.get $sd1) (local.get $sd1)) (f32.mul (local.get $sd2) (local.get $sd2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $sum))

  ;; dual update of pixels [i, last) of a row (byte offsets; last: the row's last column, done by the caller); below4 = 0 on the last row
  (func $dual (param $i i32) (param $last i32) (param $u1 i32) (param $u2 i32) (param $p11 i32) (param $p12 i32) (param $p21 i32) (param $p22 i32)
              (param $w4 i32) (param $below4 i32) (param $taut f32)
    (local $x1 v128) (local $y1 v128) (local $x2 v128) (local $y2 v128) (local $c1 v128) (local $c2 v128) (local $s1 v128) (local $s2 v128) (local $t4 v128) (local $one v128)
    (local $sx1 f32) (local $sy1 f32) (local $sx2 f32) (local $sy2 f32) (local $ss1 f32) (local $ss2 f32)
    (local.set $t4 (f32x4.splat (local.get $taut)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $last)))
        (local.set $c1 (v128.load (i32.add (local.get $u1) (local.get $i))))
        (local.set $c2 (v128.load (i32.add (local.get $u2) (local.get $i))))
        (local.set $x1 (f32x4.sub (v128.load offset=4 (i32.add (local.get $u1) (local.get $i))) (local.get $c1)))
        (local.set $y1 (f32x4.sub (v128.load (i32.add (i32.add (local.get $u1) (local.get $i)) (local.get $below4))) (local.get $c1)))
        (local.set $x2 (f32x4.sub (v128.load offset=4 (i32.add (local.get $u2) (local.get $i))) (local.get $c2)))
        (local.set $y2 (f32x4.sub (v128.load (i32.add (i32.add (local.get $u2) (local.get $i)) (local.get $below4))) (local.get $c2)))
        (local.set $s1 (f32x4.div (local.get $one) (f32x4.add (local.get $one) (f32x4.mul (local.get $t4)
          (f32x4.sqrt (f32x4.add (f32x4.mul (local.get $x1) (local.get $x1)) (f32x4.mul (local.get $y1) (local.get $y1))))))))
        (local.set $s2 (f32x4.div (local.get $one) (f32x4.add (local.get $one) (f32x4.mul (local.get $t4)
          (f32x4.sqrt (f32x4.add (f32x4.mul (local.get $x2) (local.get $x2)) (f32x4.mul (local.get $y2) (local.get $y2))))))))
        (v128.store offset=4 (i32.add (local.get $p11) (local.get $i))
          (f32x4.mul (f32x4.add (v128.load offset=4 (i32.add (local.get $p11) (local.get $i))) (f32x4.mul (local.get $t4) (local.get $x1))) (local.get $s1)))
        (v128.store (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))
          (f32x4.mul (f32x4.add (v128.load (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))) (f32x4.mul (local.get $t4) (local.get $y1))) (local.get $s1)))
        (v128.store offset=4 (i32.add (local.get $p21) (local.get $i))
          (f32x4.mul (f32x4.add (v128.load offset=4 (i32.add (local.get $p21) (local.get $i))) (f32x4.mul (local.get $t4) (local.get $x2))) (local.get $s2)))
        (v128.store (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))
          (f32x4.mul (f32x4.add (v128.load (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))) (f32x4.mul (local.get $t4) (local.get $y2))) (local.get $s2)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $sx1 (f32.sub (f32.load offset=4 (i32.add (local.get $u1) (local.get $i))) (f32.load (i32.add (local.get $u1) (local.get $i)))))
        (local.set $sy1 (f32.sub (f32.load (i32.add (i32.add (local.get $u1) (local.get $i)) (local.get $below4))) (f32.load (i32.add (local.get $u1) (local.get $i)))))
        (local.set $sx2 (f32.sub (f32.load offset=4 (i32.add (local.get $u2) (local.get $i))) (f32.load (i32.add (local.get $u2) (local.get $i)))))
        (local.set $sy2 (f32.sub (f32.load (i32.add (i32.add (local.get $u2) (local.get $i)) (local.get $below4))) (f32.load (i32.add (local.get $u2) (local.get $i)))))
        (local.set $ss1 (f32.div (f32.const 1) (f32.add (f32.const 1) (f32.mul (local.get $taut)
          (f32.sqrt (f32.add (f32.mul (local.get $sx1) (local.get $sx1)) (f32.mul (local.get $sy1) (local.get $sy1))))))))
        (local.set $ss2 (f32.div (f32.const 1) (f32.add (f32.const 1) (f32.mul (local.get $taut)
          (f32.sqrt (f32.add (f32.mul (local.get $sx2) (local.get $sx2)) (f32.mul (local.get $sy2) (local.get $sy2))))))))
        (f32.store offset=4 (i32.add (local.get $p11) (local.get $i))
          (f32.mul (f32.add (f32.load offset=4 (i32.add (local.get $p11) (local.get $i))) (f32.mul (local.get $taut) (local.get $sx1))) (local.get $ss1)))
        (f32.store (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))
          (f32.mul (f32.add (f32.load (i32.add (i32.add (local.get $p12) (local.get $i)) (local.get $w4))) (f32.mul (local.get $taut) (local.get $sy1))) (local.get $ss1)))
        (f32.store offset=4 (i32.add (local.get $p21) (local.get $i))
          (f32.mul (f32.add (f32.load offset=4 (i32.add (local.get $p21) (local.get $i))) (f32.mul (local.get $taut) (local.get $sx2))) (local.get $ss2)))
        (f32.store (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))
          (f32.mul (f32.add (f32.load (i32.add (i32.add (local.get $p22) (local.get $i)) (local.get $w4))) (f32.mul (local.get $taut) (local.get $sy2))) (local.get $ss2)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; last column: no horizontal difference (p11, p21 stay 0 there)
    (local.set $sy1 (f32.sub (f32.load (i32.add (i32.add (local.get $u1) (local.get $last)) (local.get $below4))) (f32.load (i32.add (local.get $u1) (local.get $last)))))
    (local.set $sy2 (f32.sub (f32.load (i32.add (i32.add (local.get $u2) (local.get $last)) (local.get $below4))) (f32.load (i32.add (local.get $u2) (local.get $last)))))
    (f32.store (i32.add (i32.add (local.get $p12) (local.get $last)) (local.get $w4))
      (f32.div (f32.add (f32.load (i32.add (i32.add (local.get $p12) (local.get $last)) (local.get $w4))) (f32.mul (local.get $taut) (local.get $sy1)))
        (f32.add (f32.const 1) (f32.mul (local.get $taut) (f32.abs (local.get $sy1))))))
    (f32.store (i32.add (i32.add (local.get $p22) (local.get $last)) (local.get $w4))
      (f32.div (f32.add (f32.load (i32.add (i32.add (local.get $p22) (local.get $last)) (local.get $w4))) (f32.mul (local.get $taut) (local.get $sy2)))
        (f32.add (f32.const 1) (f32.mul (local.get $taut) (f32.abs (local.get $sy2)))))))

  (func (export "iterate") (param $u1 i32) (param $u2 i32) (param $p11 i32) (param $p12 i32) (param $p21 i32) (param $p22 i32)
                           (param $gx i32) (param $gy i32) (param $ig i32) (param $rc i32) (param $w i32) (param $h i32)
                           (param $lt f32) (param $theta f32) (param $taut f32) (result f64)
    (local $y i32) (local $w4 i32) (local $row i32) (local $sum f64)
    (local.set $w4 (i32.shl (local.get $w) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (local.get $y) (local.get $h)))
        (local.set $row (i32.mul (local.get $y) (local.get $w4)))
        (if (i32.lt_u (local.get $y) (local.get $h))
          (then (local.set $sum (f64.add (local.get $sum)
            (call $primal (local.get $row) (i32.add (local.get $row) (local.get $w4)) (local.get $u1) (local.get $u2) (local.get $p11) (local.get $p12)
              (local.get $p21) (local.get $p22) (local.get $gx) (local.get $gy) (local.get $ig) (local.get $rc) (local.get $w4) (local.get $lt) (local.get $theta))))))
        (if (i32.gt_u (local.get $y) (i32.const 0))
          (then (call $dual (i32.sub (local.get $row) (local.get $w4)) (i32.sub (local.get $row) (i32.const 4)) (local.get $u1) (local.get $u2)
            (local.get $p11) (local.get $p12) (local.get $p21) (local.get $p22) (local.get $w4)
            (select (i32.const 0) (local.get $w4) (i32.eq (local.get $y) (local.get $h))) (local.get $taut))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; t = div p - f / theta on pixels [i, end) of a row (the ROF dual's argument; byte offsets)
  (func $rofArgument (param $i i32) (param $end i32) (param $f i32) (param $p1 i32) (param $p2 i32) (param $t i32) (param $w4 i32) (param $invTheta f32)
    (local $it4 v128)
    (local.set $it4 (f32x4.splat (local.get $invTheta)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (v128.store (i32.add (local.get $t) (local.get $i))
          (f32x4.sub
            (f32x4.add
              (f32x4.sub (v128.load offset=4 (i32.add (local.get $p1) (local.get $i))) (v128.load (i32.add (local.get $p1) (local.get $i))))
              (f32x4.sub (v128.load (i32.add (i32.add (local.get $p2) (local.get $i)) (local.get $w4))) (v128.load (i32.add (local.get $p2) (local.get $i)))))
            (f32x4.mul (v128.load (i32.add (local.get $f) (local.get $i))) (local.get $it4))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $t) (local.get $i))
          (f32.sub
            (f32.add
              (f32.sub (f32.load offset=4 (i32.add (local.get $p1) (local.get $i))) (f32.load (i32.add (local.get $p1) (local.get $i))))
              (f32.sub (f32.load (i32.add (i32.add (local.get $p2) (local.get $i)) (local.get $w4))) (f32.load (i32.add (local.get $p2) (local.get $i)))))
            (f32.mul (f32.load (i32.add (local.get $f) (local.get $i))) (local.get $invTheta))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; One ROF iteration for two images a and b (the structure-texture split): the argument t of each
  ;; row, then the dual step of the row above; with update = 0 only the arguments (the final step).
  (func (export "rofIterate") (param $fa i32) (param $fb i32) (param $pa1 i32) (param $pa2 i32) (param $pb1 i32) (param $pb2 i32)
                              (param $ta i32) (param $tb i32) (param $w i32) (param $h i32) (param $invTheta f32) (param $tau f32) (param $update i32)
    (local $y i32) (local $w4 i32) (local $row i32)
    (local.set $w4 (i32.shl (local.get $w) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (local.get $y) (local.get $h)))
        (local.set $row (i32.mul (local.get $y) (local.get $w4)))
        (if (i32.lt_u (local.get $y) (local.get $h))
          (then
            (call $rofArgument (local.get $row) (i32.add (local.get $row) (local.get $w4)) (local.get $fa) (local.get $pa1) (local.get $pa2) (local.get $ta) (local.get $w4) (local.get $invTheta))
            (call $rofArgument (local.get $row) (i32.add (local.get $row) (local.get $w4)) (local.get $fb) (local.get $pb1) (local.get $pb2) (local.get $tb) (local.get $w4) (local.get $invTheta))))
        (if (i32.and (local.get $update) (i32.gt_u (local.get $y) (i32.const 0)))
          (then (call $dual (i32.sub (local.get $row) (local.get $w4)) (i32.sub (local.get $row) (i32.const 4)) (local.get $ta) (local.get $tb)
            (local.get $pa1) (local.get $pa2) (local.get $pb1) (local.get $pb2) (local.get $w4)
            (select (i32.const 0) (local.get $w4) (i32.eq (local.get $y) (local.get $h))) (local.get $tau))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $next))))

  ;; ---- The warp: I1, I1x, I1y sampled bicubically at x + u (Keys, a = -0.5, replicated borders), as `warp` in solver.ts.

  ;; the 4 cubic weights of fraction t as one vector: A t^3 + B t^2 + C t + D per tap
  (func $cubicWeights (param $t f32) (result v128)
    (local $t4 v128) (local $t2 v128)
    (local.set $t4 (f32x4.splat (local.get $t)))
    (local.set $t2 (f32x4.mul (local.get $t4) (local.get $t4)))
    (f32x4.add
      (f32x4.add
        (f32x4.mul (v128.const f32x4 -0.5 1.5 -1.5 0.5) (f32x4.mul (local.get $t2) (local.get $t4)))
        (f32x4.mul (v128.const f32x4 1 -2.5 2 -0.5) (local.get $t2)))
      (f32x4.add
        (f32x4.mul (v128.const f32x4 -0.5 0 0.5 0) (local.get $t4))
        (v128.const f32x4 0 1 0 0))))

  ;; sum of the lanes of a * b
  (func $dot (param $a v128) (param $b v128) (result f32)
    (local $p v128)
    (local.set $p (f32x4.mul (local.get $a) (local.get $b)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $p)) (f32x4.extract_lane 1 (local.get $p)))
      (f32.add (f32x4.extract_lane 2 (local.get $p)) (f32x4.extract_lane 3 (local.get $p)))))

  ;; four taps of one row (byte offsets of the row and of the 4 columns), for the border case
  (func $rowTaps (param $img i32) (param $row i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (result v128)
    (local $base i32)
    (local.set $base (i32.add (local.get $img) (local.get $row)))
    (f32x4.replace_lane 3
      (f32x4.replace_lane 2
        (f32x4.replace_lane 1
          (f32x4.splat (f32.load (i32.add (local.get $base) (local.get $c0))))
          (f32.load (i32.add (local.get $base) (local.get $c1))))
        (f32.load (i32.add (local.get $base) (local.get $c2))))
      (f32.load (i32.add (local.get $base) (local.get $c3)))))

  ;; one image at one point: sum over rows of wy_r * taps_r, dotted with wx. Inside: the 4 rows from byte offset
  ;; $at, $w4 apart; at the borders (inside = 0): clamped rows r0..r3 and columns c0..c3 (byte offsets).
  (func $sample (param $img i32) (param $inside i32) (param $at i32) (param $w4 i32)
                (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32)
                (param $wx v128) (param $wy v128) (result f32)
    (local $acc v128) (local $p i32)
    (if (local.get $inside)
      (then
        (local.set $p (i32.add (local.get $img) (local.get $at)))
        (local.set $acc (f32x4.mul (v128.load (local.get $p)) (f32x4.splat (f32x4.extract_lane 0 (local.get $wy)))))
        (local.set $p (i32.add (local.get $p) (local.get $w4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $p)) (f32x4.splat (f32x4.extract_lane 1 (local.get $wy))))))
        (local.set $p (i32.add (local.get $p) (local.get $w4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $p)) (f32x4.splat (f32x4.extract_lane 2 (local.get $wy))))))
        (local.set $p (i32.add (local.get $p) (local.get $w4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $p)) (f32x4.splat (f32x4.extract_lane 3 (local.get $wy)))))))
      (else
        (local.set $acc (f32x4.mul (call $rowTaps (local.get $img) (local.get $r0) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3))
          (f32x4.splat (f32x4.extract_lane 0 (local.get $wy)))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (call $rowTaps (local.get $img) (local.get $r1) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3))
          (f32x4.splat (f32x4.extract_lane 1 (local.get $wy))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (call $rowTaps (local.get $img) (local.get $r2) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3))
          (f32x4.splat (f32x4.extract_lane 2 (local.get $wy))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (call $rowTaps (local.get $img) (local.get $r3) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3))
          (f32x4.splat (f32x4.extract_lane 3 (local.get $wy))))))))
    (call $dot (local.get $acc) (local.get $wx)))

  ;; For every pixel: gx, gy = the gradients of I1 at x + u, ig = 1 / |grad|^2 (0 where under 1e-10), rc = I1(x + u) - gx u1 - gy u2 - I0,
  ;; and (if hasWarped) warped = I1(x + u), NaN where x + u leaves the frame; with ignoreOutside such pixels get zeros.
  ;; Arguments are byte offsets in this module's memory.
  (func (export "warp") (param $I0 i32) (param $I1 i32) (param $I1x i32) (param $I1y i32) (param $u1 i32) (param $u2 i32)
                        (param $gx i32) (param $gy i32) (param $ig i32) (param $rc i32) (param $warped i32) (param $hasWarped i32)
                        (param $w i32) (param $h i32) (param $ignoreOutside i32)
    (local $x i32) (local $y i32) (local $i i32) (local $w4 i32) (local $fw f32) (local $fh f32)
    (local $u f32) (local $v f32) (local $px f32) (local $py f32) (local $outside i32) (local $fx f32) (local $fy f32)
    (local $x1 i32) (local $y1 i32) (local $wx v128) (local $wy v128) (local $inside i32) (local $at i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $s f32) (local $a f32) (local $b f32) (local $g f32)
    (local.set $w4 (i32.shl (local.get $w) (i32.const 2)))
    (local.set $fw (f32.convert_i32_s (i32.sub (local.get $w) (i32.const 1))))
    (local.set $fh (f32.convert_i32_s (i32.sub (local.get $h) (i32.const 1))))
    (block $rows
      (loop $nextRow
        (br_if $rows (i32.ge_s (local.get $y) (local.get $h)))
        (local.set $x (i32.const 0))
        (block $cols
          (loop $nextCol
            (br_if $cols (i32.ge_s (local.get $x) (local.get $w)))
            (local.set $u (f32.load (i32.add (local.get $u1) (local.get $i))))
            (local.set $v (f32.load (i32.add (local.get $u2) (local.get $i))))
            (local.set $px (f32.add (f32.convert_i32_s (local.get $x)) (local.get $u)))
            (local.set $py (f32.add (f32.convert_i32_s (local.get $y)) (local.get $v)))
            (local.set $outside (i32.or
              (i32.or (f32.lt (local.get $px) (f32.const 0)) (f32.gt (local.get $px) (local.get $fw)))
              (i32.or (f32.lt (local.get $py) (f32.const 0)) (f32.gt (local.get $py) (local.get $fh)))))
            (block $pixel
              (if (i32.and (local.get $ignoreOutside) (local.get $outside))
                (then
                  (f32.store (i32.add (local.get $gx) (local.get $i)) (f32.const 0))
                  (f32.store (i32.add (local.get $gy) (local.get $i)) (f32.const 0))
                  (f32.store (i32.add (local.get $ig) (local.get $i)) (f32.const 0))
                  (f32.store (i32.add (local.get $rc) (local.get $i)) (f32.const 0))
                  (if (local.get $hasWarped) (then (f32.store (i32.add (local.get $warped) (local.get $i)) (f32.const nan))))
                  (br $pixel)))
              ;; clamp into the frame, split into the integer tap and the fraction
              (local.set $fx (f32.floor (f32.min (local.get $fw) (f32.max (f32.const 0) (local.get $px)))))
              (local.set $fy (f32.floor (f32.min (local.get $fh) (f32.max (f32.const 0) (local.get $py)))))
              (local.set $wx (call $cubicWeights (f32.sub (f32.min (local.get $fw) (f32.max (f32.const 0) (local.get $px))) (local.get $fx))))
              (local.set $wy (call $cubicWeights (f32.sub (f32.min (local.get $fh) (f32.max (f32.const 0) (local.get $py))) (local.get $fy))))
              (local.set $x1 (i32.trunc_f32_s (local.get $fx)))
              (local.set $y1 (i32.trunc_f32_s (local.get $fy)))
              (local.set $inside (i32.and
                (i32.and (i32.ge_s (local.get $x1) (i32.const 1)) (i32.lt_s (i32.add (local.get $x1) (i32.const 2)) (local.get $w)))
                (i32.and (i32.ge_s (local.get $y1) (i32.const 1)) (i32.lt_s (i32.add (local.get $y1) (i32.const 2)) (local.get $h)))))
              (if (local.get $inside)
                (then (local.set $at (i32.shl (i32.add (i32.mul (i32.sub (local.get $y1) (i32.const 1)) (local.get $w)) (i32.sub (local.get $x1) (i32.const 1))) (i32.const 2))))
                (else
                  (local.set $c1 (i32.shl (local.get $x1) (i32.const 2)))
                  (local.set $c0 (i32.shl (select (i32.sub (local.get $x1) (i32.const 1)) (i32.const 0) (i32.gt_s (local.get $x1) (i32.const 0))) (i32.const 2)))
                  (local.set $c2 (i32.shl (select (i32.add (local.get $x1) (i32.const 1)) (i32.sub (local.get $w) (i32.const 1)) (i32.lt_s (i32.add (local.get $x1) (i32.const 1)) (local.get $w))) (i32.const 2)))
                  (local.set $c3 (i32.shl (select (i32.add (local.get $x1) (i32.const 2)) (i32.sub (local.get $w) (i32.const 1)) (i32.lt_s (i32.add (local.get $x1) (i32.const 2)) (local.get $w))) (i32.const 2)))
                  (local.set $r1 (i32.mul (local.get $y1) (local.get $w4)))
                  (local.set $r0 (i32.mul (select (i32.sub (local.get $y1) (i32.const 1)) (i32.const 0) (i32.gt_s (local.get $y1) (i32.const 0))) (local.get $w4)))
                  (local.set $r2 (i32.mul (select (i32.add (local.get $y1) (i32.const 1)) (i32.sub (local.get $h) (i32.const 1)) (i32.lt_s (i32.add (local.get $y1) (i32.const 1)) (local.get $h))) (local.get $w4)))
                  (local.set $r3 (i32.mul (select (i32.add (local.get $y1) (i32.const 2)) (i32.sub (local.get $h) (i32.const 1)) (i32.lt_s (i32.add (local.get $y1) (i32.const 2)) (local.get $h))) (local.get $w4)))))
              (local.set $s (call $sample (local.get $I1) (local.get $inside) (local.get $at) (local.get $w4) (local.get $r0) (local.get $r1) (local.get $r2) (local.get $r3)
                (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3) (local.get $wx) (local.get $wy)))
              (local.set $a (call $sample (local.get $I1x) (local.get $inside) (local.get $at) (local.get $w4) (local.get $r0) (local.get $r1) (local.get $r2) (local.get $r3)
                (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3) (local.get $wx) (local.get $wy)))
              (local.set $b (call $sample (local.get $I1y) (local.get $inside) (local.get $at) (local.get $w4) (local.get $r0) (local.get $r1) (local.get $r2) (local.get $r3)
                (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3) (local.get $wx) (local.get $wy)))
              (local.set $g (f32.add (f32.mul (local.get $a) (local.get $a)) (f32.mul (local.get $b) (local.get $b))))
              (f32.store (i32.add (local.get $gx) (local.get $i)) (local.get $a))
              (f32.store (i32.add (local.get $gy) (local.get $i)) (local.get $b))
              (f32.store (i32.add (local.get $ig) (local.get $i))
                (select (f32.div (f32.const 1) (local.get $g)) (f32.const 0) (f32.gt (local.get $g) (f32.const 1e-10))))
              (f32.store (i32.add (local.get $rc) (local.get $i))
                (f32.sub (f32.sub (f32.sub (local.get $s) (f32.mul (local.get $a) (local.get $u))) (f32.mul (local.get $b) (local.get $v)))
                  (f32.load (i32.add (local.get $I0) (local.get $i)))))
              (if (local.get $hasWarped)
                (then (f32.store (i32.add (local.get $warped) (local.get $i)) (select (f32.const nan) (local.get $s) (local.get $outside))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $nextCol)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $nextRow))))
)
