/**
 * The matMul, elementwise, reduction, data-movement, pooling and BatchNorm
 * kernels, native against the cpu backend on random shapes (broadcasting,
 * transposes, strides, paddings), each checked to have taken the native path;
 * and sizes around the threshold below which the stock kernel runs.
 * Tolerances: 1e-6 relative for elementwise and data kernels (at most one
 * rounding apart), 1e-4 for sums, products and pooling (summation order).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTorchKernels, unregisterTorchKernels } from '../src/index.js';
import { maxRelativeError, nativeAvailable, randomInt, randomTensor, rng, setupBackends, weightedSum, withNative, withoutNative } from './helpers.js';

const SUM_TOL = 1e-4;
const EXACT_TOL = 1e-6;

/** Runs `f` with the native kernels and on cpu; checks values and that `call` ran natively (`times`, default at least once). */
async function expectNative(f: () => tf.Tensor | tf.Tensor[], call: string, tol: number, label: string, times?: number) {
  const native = await withNative(f);
  // a fallback is checked against the stock wasm kernel it hands over to (wasm's own MaxPoolGrad is wrong for
  // some shapes; @trajectorynet/runtime replaces it)
  const reference = await withoutNative(times === 0 ? 'wasm' : 'cpu', f);
  if (times == null) expect(native.calls[call] ?? 0, `${label}: native ${call} calls`).toBeGreaterThan(0);
  else expect(native.calls[call] ?? 0, `${label}: native ${call} calls`).toBe(times);
  native.values.forEach((v, i) => {
    expect(maxRelativeError(v, reference[i]), `${label} output ${i}`).toBeLessThanOrEqual(tol);
  });
}

describe.runIf(nativeAvailable())('native kernels against the cpu backend', () => {
  beforeAll(setupBackends);

  it('matMul: transposes, batches (equal and broadcast), bias and relu', async () => {
    const next = rng(21);
    for (let trial = 0; trial < 10; trial++) {
      const [m, k, n] = [randomInt(60, 200, next), randomInt(1, 150, next), randomInt(100, 300, next)];
      const [ta, tb] = [next() < 0.5, next() < 0.5];
      const batchA = [1, 3][randomInt(0, 1, next)];
      const batchB = batchA === 1 ? [1, 3][randomInt(0, 1, next)] : [1, 3][randomInt(0, 1, next)];
      const a = randomTensor([batchA, ...(ta ? [k, m] : [m, k])], next);
      const b = randomTensor([batchB, ...(tb ? [n, k] : [k, n])], next);
      const label = `batch ${batchA}/${batchB} m ${m} k ${k} n ${n} transposes ${ta}/${tb}`;
      // native from 16384 output elements
      const times = Math.max(batchA, batchB) * m * n >= 16384 ? 1 : 0;
      await expectNative(() => tf.matMul(a(), b(), ta, tb), 'matMul', SUM_TOL, label, times);
      if (trial % 2 === 0) {
        const bias = randomTensor([n], next);
        await expectNative(() => tf.fused.matMul({ a: a(), b: b(), transposeA: ta, transposeB: tb, bias: bias(), activation: 'relu' }), 'matMul', SUM_TOL, `fused ${label}`, times);
      }
    }
  });

  it('matMul gradients (transposed products) equal the cpu backend', async () => {
    const next = rng(22);
    const a = randomTensor([200, 90], next);
    const b = randomTensor([90, 120], next);
    await expectNative(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(tf.matMul(x, y)))([a(), b()]), 'matMul', SUM_TOL, 'grads');
  });

  it('binary ops with numpy broadcasting', async () => {
    const next = rng(23);
    const shapes: [number[], number[]][] = [
      [[64, 300], [64, 300]],
      [[4, 8, 30, 25], [25]],
      [[4, 1, 30, 25], [1, 8, 1, 25]],
      [[1], [20000]],
      [[7, 3000], [7, 1]],
    ];
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Add', tf.add], ['Sub', tf.sub], ['Multiply', tf.mul], ['RealDiv', tf.div], ['Maximum', tf.maximum], ['Minimum', tf.minimum], ['SquaredDifference', tf.squaredDifference],
    ];
    for (const [kernel, op] of ops) {
      for (const [sa, sb] of shapes) {
        const a = randomTensor(sa, next);
        const b = randomTensor(sb, next, 0.5, 2);
        await expectNative(() => op(a(), b()), `binary:${kernel}`, EXACT_TOL, `${kernel} [${sa}] [${sb}]`, 1);
      }
    }
  });

  it('unary ops, including LeakyRelu with its alpha', async () => {
    const next = rng(24);
    const x = randomTensor([40, 700], next, -3, 3);
    const positive = randomTensor([40, 700], next, 0.1, 4);
    const cases: [string, () => tf.Tensor][] = [
      ['Relu', () => tf.relu(x())],
      ['Relu6', () => tf.relu6(x().mul(4))],
      ['Sqrt', () => tf.sqrt(positive())],
      ['Rsqrt', () => tf.rsqrt(positive())],
      ['Exp', () => tf.exp(x())],
      ['Log', () => tf.log(positive())],
      ['Neg', () => tf.neg(x())],
      ['Abs', () => tf.abs(x())],
      ['Sigmoid', () => tf.sigmoid(x())],
      ['Tanh', () => tf.tanh(x())],
      ['LeakyRelu', () => tf.leakyRelu(x(), 0.13)],
    ];
    for (const [name, f] of cases) await expectNative(f, `unary:${name}`, EXACT_TOL, name);
  });

  it("the ReLU gradient as one ReluGrad kernel, on random shapes with exact zeros, equal to tfjs's on cpu", async () => {
    const next = rng(25);
    for (let i = 0; i < 4; i++) {
      const shape = Array.from({ length: randomInt(1, 5, next) }, () => randomInt(1, 9, next));
      const values = randomTensor(shape, next, -2, 2);
      // rounded to halves: many inputs exactly 0, where the gradient is 0 (tfjs's step(0) = 0)
      const x = () => tf.round(values().mul(2)).div(2);
      const grad = () => tf.grad((a: tf.Tensor) => weightedSum(tf.relu(a)))(x());
      await expectNative(grad, 'binary:ReluGrad', EXACT_TOL, `ReLU gradient [${shape}]`, 1);
    }
    // with the kernels off, tfjs's own gradient config comes back
    registerTorchKernels({ threads: 2 });
    const ours = tf.getGradient('Relu');
    unregisterTorchKernels();
    const stock = tf.getGradient('Relu');
    expect(stock).not.toBe(ours);
    registerTorchKernels({ threads: 2 });
    expect(tf.getGradient('Relu')).not.toBe(stock);
  });

  it('reductions over random axes, with and without keepDims', async () => {
    const next = rng(25);
    for (let trial = 0; trial < 8; trial++) {
      const shape = [randomInt(2, 6, next), randomInt(10, 40, next), randomInt(10, 40, next), randomInt(3, 30, next)];
      const axes = [0, 1, 2, 3].filter(() => next() < 0.5);
      const axis = axes.length === 0 ? [1] : axes;
      const keepDims = next() < 0.5;
      const x = randomTensor(shape, next);
      const times = shape.reduce((a, b) => a * b, 1) >= 16384 ? 1 : 0;
      const reductions: [string, (t: tf.Tensor, axis: number[], keepDims: boolean) => tf.Tensor][] = [['Sum', tf.sum], ['Mean', tf.mean], ['Max', tf.max], ['Min', tf.min]];
      for (const [kernel, op] of reductions) {
        await expectNative(() => op(x(), axis, keepDims), `reduce:${kernel}`, SUM_TOL, `${kernel} [${shape}] axes ${axis} keepDims ${keepDims}`, times);
      }
    }
  });

  it('tile, slice, pad, transpose and concat on random shapes', async () => {
    const next = rng(26);
    for (let trial = 0; trial < 6; trial++) {
      const shape = [randomInt(1, 4, next), randomInt(8, 30, next), randomInt(8, 30, next), randomInt(1, 40, next)];
      const x = randomTensor(shape, next);
      const size = shape.reduce((a, b) => a * b, 1);
      // the native path from 16384 output elements
      const times = (n: number) => (n >= 16384 ? 1 : 0);
      const reps = shape.map(() => randomInt(1, 3, next));
      await expectNative(() => tf.tile(x(), reps), 'tile', 0, `tile [${shape}] x [${reps}]`, times(size * reps.reduce((a, b) => a * b, 1)));
      const big = randomTensor([shape[0] + 2, shape[1] + 5, shape[2] + 5, shape[3] + 3], next);
      const begin = [randomInt(0, 2, next), randomInt(0, 5, next), randomInt(0, 5, next), randomInt(0, 3, next)];
      const sliced = () => tf.slice(big(), begin, [...shape.slice(0, 3), -1]);
      await expectNative(sliced, 'slice', 0, `slice begin ${begin}`, times((size / shape[3]) * (shape[3] + 3 - begin[3])));
      const paddings = shape.map(() => [randomInt(0, 3, next), randomInt(0, 3, next)] as [number, number]);
      const padded = shape.reduce((a, d, i) => a * (d + paddings[i][0] + paddings[i][1]), 1);
      await expectNative(() => tf.pad(x(), paddings, 0.5), 'pad', 0, `pad ${JSON.stringify(paddings)}`, times(padded));
      const perm = [0, 1, 2, 3].sort(() => next() - 0.5);
      await expectNative(() => tf.transpose(x(), perm), 'transpose', 0, `transpose [${shape}] ${perm}`, times(size));
      const axis = randomInt(0, 3, next);
      const otherShape = shape.map((d, i) => (i === axis ? randomInt(1, 5, next) : d));
      const other = randomTensor(otherShape, next);
      const joined = 2 * size + otherShape.reduce((a, b) => a * b, 1);
      await expectNative(() => tf.concat([x(), other(), x()], axis), 'concat', 0, `concat axis ${axis}`, times(joined));
    }
  });

  it('the max-pool gradient, average pooling and its gradient: odd and even sizes, strides 1-3, same and valid', async () => {
    const next = rng(27);
    for (let trial = 0; trial < 10; trial++) {
      const shape = [randomInt(2, 3, next), randomInt(30, 57, next), randomInt(30, 57, next), randomInt(4, 16, next)];
      const size = randomInt(1, 4, next);
      const stride = randomInt(1, 3, next);
      const pad = next() < 0.5 ? 'same' : 'valid';
      const x = randomTensor(shape, next);
      const label = `[${shape}] ${size}x${size} stride ${stride} ${pad}`;
      // ATen pads symmetrically: tfjs's 'same' with an even window at stride 1 (one more row below than above) stays
      // stock, and so do inputs below 16384 elements
      const times = (pad === 'same' && stride === 1 && size % 2 === 0) || shape.reduce((a, b) => a * b, 1) < 16384 ? 0 : 1;
      await expectNative(() => tf.avgPool(x() as tf.Tensor4D, size, stride, pad), 'avgPool', SUM_TOL, `avgPool ${label}`, times);
      await expectNative(() => tf.grad((a: tf.Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, size, stride, pad)))(x()), 'maxPoolGrad', SUM_TOL, `maxPoolGrad ${label}`, times);
      const avgGrad = () => tf.grad((a: tf.Tensor) => weightedSum(tf.avgPool(a as tf.Tensor4D, size, stride, pad)))(x());
      if (pad === 'valid') await expectNative(avgGrad, 'avgPoolGrad', SUM_TOL, `avgPoolGrad ${label}`, times);
      else if (times === 1) {
        // tfjs's own AvgPoolGrad divides by the full window even where its forward divides by the
        // in-map part ('same' borders), so it is not the gradient of tfjs's avgPool there. The
        // native one is: average pooling is linear, so <avgPool(x), dy> = <x, grad(dy)> exactly.
        const native = await withNative(() => {
          const pooled = tf.avgPool(x() as tf.Tensor4D, size, stride, pad);
          const dy = tf.range(0, pooled.size).reshape(pooled.shape).sin();
          return [tf.sum(tf.mul(pooled, dy)), tf.sum(tf.mul(x(), avgGrad()))];
        });
        expect(native.calls.avgPoolGrad, label).toBe(1);
        expect(Math.abs(native.values[0][0] - native.values[1][0]), label).toBeLessThan(1e-4 * Math.abs(native.values[0][0]) + 1e-3);
      }
    }
  });

  it('batchNorm with per-channel statistics, with and without offset and scale', async () => {
    const next = rng(28);
    const c = 24;
    const x = randomTensor([4, 20, 20, c], next, -2, 3);
    const mean = randomTensor([c], next);
    const variance = randomTensor([c], next, 0.2, 2);
    const offset = randomTensor([c], next);
    const scale = randomTensor([c], next, 0.5, 1.5);
    await expectNative(() => tf.batchNorm(x(), mean(), variance(), offset(), scale(), 1e-3), 'batchNorm', 1e-5, 'full', 1);
    await expectNative(() => tf.batchNorm(x(), mean(), variance(), undefined, undefined, 1e-5), 'batchNorm', 1e-5, 'no offset/scale', 1);
  });

  it('Pow with broadcasting, and its gradients in base and exponent (Pow, Greater, Select natively)', async () => {
    const next = rng(30);
    const shapes: [number[], number[]][] = [
      [[64, 300], [64, 300]],
      [[4, 8, 30, 25], []],
      [[4, 1, 30, 25], [1, 8, 1, 25]],
      [[7, 3000], [7, 1]],
    ];
    for (const [sa, sb] of shapes) {
      const a = randomTensor(sa, next, 0.01, 3);
      const b = randomTensor(sb, next, -1.5, 2.5);
      await expectNative(() => tf.pow(a(), b()), 'binary:Pow', EXACT_TOL, `Pow [${sa}] [${sb}]`, 1);
    }
    // negative bases: NaN for fractional exponents in both, exact powers for integer ones
    const signed = randomTensor([40, 700], next, -3, 3);
    await expectNative(() => tf.pow(signed(), tf.scalar(0.4)), 'binary:Pow', EXACT_TOL, 'Pow of negatives, fractional', 1);
    await expectNative(() => tf.pow(signed(), tf.scalar(3)), 'binary:Pow', EXACT_TOL, 'Pow of negatives, cube', 1);
    // the Charbonnier penalty of the MotionNet losses, differentiated in x and in the exponent
    const x = randomTensor([4, 60, 70, 3], next, -1, 1);
    const charbonnier = (t: tf.Tensor, alpha: tf.Tensor) => weightedSum(tf.pow(tf.add(tf.square(tf.mul(t, 255)), 1e-6), alpha));
    const gradX = () => tf.grad((t: tf.Tensor) => charbonnier(t, tf.scalar(0.4)))(x());
    await expectNative(gradX, 'binary:Pow', 1e-5, 'd/dx Pow');
    const gradAlpha = () => tf.grad((alpha: tf.Tensor) => charbonnier(x(), alpha))(tf.scalar(0.3));
    await expectNative(gradAlpha, 'compare:Greater', SUM_TOL, 'd/dalpha Pow', 1);
    await expectNative(gradAlpha, 'select', SUM_TOL, 'd/dalpha Pow', 1);
  });

  it('comparisons (bool out) with broadcasting and ties, Select, and the LeakyReLU gradient through them', async () => {
    const next = rng(31);
    const shapes: [number[], number[]][] = [
      [[64, 300], [64, 300]],
      [[4, 8, 30, 25], []],
      [[4, 1, 30, 25], [1, 8, 1, 25]],
      [[2, 2], [20000, 2, 1]],
    ];
    // small integers: many ties, where Greater and GreaterEqual differ
    const ints = (shape: number[]) => {
      const t = randomTensor(shape, next, -3, 3);
      return () => tf.round(t());
    };
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [['Greater', tf.greater], ['GreaterEqual', tf.greaterEqual], ['Less', tf.less], ['LessEqual', tf.lessEqual]];
    for (const [sa, sb] of shapes) {
      const [a, b] = [ints(sa), ints(sb)];
      for (const [kernel, op] of ops) await expectNative(() => op(a(), b()), `compare:${kernel}`, 0, `${kernel} [${sa}] [${sb}]`, 1);
    }
    for (const shape of [[40, 700], [3, 50, 60, 7], [16384], [16383]]) {
      const [c, t, e] = [randomTensor(shape, next), randomTensor(shape, next), randomTensor(shape, next)];
      const times = shape.reduce((p, d) => p * d, 1) >= 16384 ? 1 : 0;
      await expectNative(() => tf.where(tf.greater(c(), 0), t(), e()), 'select', 0, `Select [${shape}]`, times);
    }
    // a rank-1 condition picking rows stays stock (checked against stock wasm)
    const rows = randomTensor([50], next);
    const [t, e] = [randomTensor([50, 400], next), randomTensor([50, 400], next)];
    const engine = () => tf.engine().runKernel('Select', { condition: tf.greater(rows(), 0), t: t(), e: e() }) as tf.Tensor;
    await expectNative(engine, 'select', 0, 'Select by rows', 0);
    const x = randomTensor([4, 50, 40, 16], next, -2, 2);
    const leakyGrad = () => tf.grad((a: tf.Tensor) => weightedSum(tf.leakyRelu(a, 0.1)))(x());
    await expectNative(leakyGrad, 'compare:Greater', EXACT_TOL, 'LeakyReLU gradient', 1);
    await expectNative(leakyGrad, 'select', EXACT_TOL, 'LeakyReLU gradient', 1);
  });

  it('reverse along random axes of random ranks, and its gradient', async () => {
    const next = rng(32);
    for (let trial = 0; trial < 10; trial++) {
      const rank = randomInt(1, 5, next);
      const shape = Array.from({ length: rank }, () => randomInt(2, rank === 1 ? 40000 : Math.round(200000 ** (1 / rank)), next));
      const axes = shape.map((_, i) => i).filter(() => next() < 0.5);
      const x = randomTensor(shape, next);
      const times = shape.reduce((p, d) => p * d, 1) >= 16384 ? 1 : 0;
      await expectNative(() => tf.reverse(x(), axes), 'reverse', 0, `reverse [${shape}] axes ${axes}`, times);
      // forward and backward (the gradient of a reverse is the reverse of dy)
      if (trial < 3) await expectNative(() => tf.grad((a: tf.Tensor) => weightedSum(tf.reverse(a, axes)))(x()), 'reverse', EXACT_TOL, `reverse gradient [${shape}] axes ${axes}`, 2 * times);
    }
  });

  it('splitV into sizes or equal parts along any axis, and the concat gradient through it', async () => {
    const next = rng(33);
    for (let trial = 0; trial < 8; trial++) {
      const shape = [randomInt(1, 4, next), randomInt(8, 40, next), randomInt(8, 40, next), randomInt(2, 30, next)];
      const axis = randomInt(0, 3, next);
      const x = randomTensor(shape, next);
      const times = shape.reduce((p, d) => p * d, 1) >= 16384 ? 1 : 0;
      const d = shape[axis];
      const cut = randomInt(0, d, next);
      const sizes = next() < 0.3 ? [cut, -1] : [cut, d - cut];
      await expectNative(() => tf.split(x(), sizes, axis), 'splitV', 0, `splitV [${shape}] axis ${axis} sizes ${sizes}`, times);
      if (d % 2 === 0) await expectNative(() => tf.split(x(), 2, axis), 'splitV', 0, `split [${shape}] axis ${axis} in 2`, times);
      const otherShape = shape.map((s, i) => (i === axis ? randomInt(1, 6, next) : s));
      const other = randomTensor(otherShape, next);
      // the gradient splits dy, of the concatenation's size
      const joined = shape.reduce((p, s) => p * s, 1) + otherShape.reduce((p, s) => p * s, 1);
      const concatGrad = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.concat([a, b], axis)))([x(), other()]);
      await expectNative(concatGrad, 'splitV', EXACT_TOL, `concat gradient [${shape}] axis ${axis}`, joined >= 16384 ? 1 : 0);
    }
  });

  it('stack (Pack) and unstack (Unpack) along any axis of ranks 1-5, and their gradients (each other)', async () => {
    const next = rng(34);
    for (let trial = 0; trial < 8; trial++) {
      const rank = randomInt(1, 5, next);
      const shape = Array.from({ length: rank }, () => randomInt(2, rank === 1 ? 20000 : Math.round(60000 ** (1 / rank)), next));
      const count = randomInt(2, 4, next);
      const axis = randomInt(0, rank, next);
      const parts = Array.from({ length: count }, () => randomTensor(shape, next));
      const stacked = count * shape.reduce((p, d) => p * d, 1);
      const times = stacked >= 16384 ? 1 : 0;
      const stack = () => tf.stack(parts.map((p) => p()), axis);
      await expectNative(stack, 'concat', 0, `stack ${count} x [${shape}] axis ${axis}`, times);
      // unstack of the stacked tensor along the same axis, then along a random one
      await expectNative(() => tf.unstack(stack(), axis), 'splitV', 0, `unstack [${shape}] axis ${axis}`, times);
      const other = randomInt(0, rank, next);
      await expectNative(() => tf.unstack(stack(), other), 'splitV', 0, `unstack of the stack along ${other}`, times);
      // d stack = unstack of dy, d unstack = stack of the dys
      if (trial < 4) {
        await expectNative(() => tf.grads((...xs: tf.Tensor[]) => weightedSum(tf.stack(xs, axis)))(parts.map((p) => p())), 'splitV', EXACT_TOL, `stack gradient ${count} x [${shape}] axis ${axis}`, times);
        const unstackLoss = (x: tf.Tensor) => tf.addN(tf.unstack(x, other).map((t, i) => tf.mul(weightedSum(t), i + 1)));
        await expectNative(() => tf.grad(unstackLoss)(stack()), 'concat', EXACT_TOL, `unstack gradient along ${other}`, 2 * times);
      }
    }
  });

  it('the resizeBilinear gradient is the adjoint of tfjs\'s resizeBilinear in every mode, up and down, on random shapes', async () => {
    const next = rng(35);
    const modes: [boolean, boolean][] = [[false, false], [true, false], [false, true]];
    for (let trial = 0; trial < 9; trial++) {
      const [alignCorners, halfPixelCenters] = modes[trial % 3];
      // images of 18,000 elements and up: the native path (below 16384, wasm's own kernel, which ignores halfPixelCenters)
      const shape = [randomInt(2, 3, next), randomInt(30, 60, next), randomInt(30, 60, next), randomInt(10, 20, next)];
      const size: [number, number] = [randomInt(4, 90, next), randomInt(4, 90, next)];
      const x = randomTensor(shape, next);
      const dyShape = [shape[0], ...size, shape[3]];
      const dy = randomTensor(dyShape, next);
      const label = `[${shape}] -> ${size} alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`;
      const times = Math.max(shape.reduce((p, d) => p * d, 1), dyShape.reduce((p, d) => p * d, 1)) >= 16384 ? 1 : 0;
      // <resize(x), dy> on the cpu backend (its forward) against <x, grad(dy)> with the native gradient
      const grad = () => tf.engine().runKernel('ResizeBilinearGrad', { images: x(), dy: dy() }, { alignCorners, halfPixelCenters, size }) as tf.Tensor;
      const native = await withNative(() => [grad(), x()]);
      expect(native.calls.resizeBilinearGrad ?? 0, label).toBe(times);
      const [forward, dyValues] = await withoutNative('cpu', () => [tf.image.resizeBilinear(x() as tf.Tensor4D, size, alignCorners, halfPixelCenters), dy()]);
      let [lhs, rhs, scale] = [0, 0, 0];
      forward.forEach((v, i) => {
        lhs += v * dyValues[i];
        scale += Math.abs(v * dyValues[i]);
      });
      native.values[0].forEach((g, i) => {
        rhs += g * native.values[1][i];
      });
      expect(Math.abs(lhs - rhs), label).toBeLessThanOrEqual(1e-5 * scale);
      // and equal to the cpu backend's own kernel where that one is right (square maps, no half-pixel centres)
      if (!halfPixelCenters && times === 1) {
        const square = [shape[0], shape[1], shape[1], shape[3]];
        const xs = randomTensor(square, next);
        const dys = randomTensor([shape[0], size[0], size[0], shape[3]], next);
        const f = () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(a as tf.Tensor4D, [size[0], size[0]], alignCorners), dys())))(xs());
        await expectNative(f, 'resizeBilinearGrad', SUM_TOL, `square ${label}`, square.reduce((p, d) => p * d, 1) >= 16384 || shape[0] * size[0] * size[0] * shape[3] >= 16384 ? 1 : 0);
      }
    }
  });

  it('leaves tensors below 16384 elements and int32 tensors to the stock kernels, with the same results', async () => {
    const next = rng(29);
    const small = randomTensor([16383], next);
    const edge = randomTensor([16384], next);
    const ints = () => tf.tensor1d(Array.from({ length: 20000 }, (_, i) => i % 7), 'int32');
    for (const [f, calls, label] of [
      [() => tf.add(small(), small()), 0, '16383 elements'],
      [() => tf.add(edge(), edge()), 1, '16384 elements'],
      [() => tf.add(ints(), ints()).toFloat(), 0, 'int32'],
    ] as const) {
      const native = await withNative(f);
      const reference = await withoutNative('cpu', f);
      expect(native.calls['binary:Add'] ?? 0, label).toBe(calls);
      expect(maxRelativeError(native.values[0], reference[0]), label).toBe(0);
    }
  });
});
