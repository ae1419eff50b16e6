/**
 * Conv2D and both backprops, native against the cpu backend, on random shapes,
 * strides, dilations and paddings ('same' with its asymmetric extra row,
 * 'valid', explicit), including sizes just below and above the threshold
 * where the stock kernel takes over. Tolerance 1e-4 relative: float32 sums of
 * up to ~2,000 products differ by ~1e-6 between summation orders.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setTorchConvOnednn, type TorchConvStats, torchConvStats } from '../src/index.js';
import { maxRelativeError, nativeAvailable, randomInt, randomTensor, rng, setupBackends, weightedSum, withNative, withoutNative } from './helpers.js';

const TOL = 1e-4;
type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/** A random problem whose output (and input) is large enough for the native path (checked by the tests). */
function randomProblem(next: () => number, options: { dilated: boolean }) {
  const h = randomInt(20, 40, next);
  const w = randomInt(20, 40, next);
  const cin = randomInt(1, 24, next);
  const cout = randomInt(8, 24, next);
  const kh = randomInt(1, 5, next);
  const kw = randomInt(1, 5, next);
  const stride = options.dilated ? 1 : randomInt(1, 3, next);
  const dilation = options.dilated ? randomInt(1, 2, next) : 1;
  const kind = randomInt(0, 2, next);
  const pad: Pad = kind === 0 ? 'same' : kind === 1 ? 'valid' : [[0, 0], [randomInt(0, 3, next), randomInt(0, 3, next)], [randomInt(0, 3, next), randomInt(0, 3, next)], [0, 0]];
  const info = tf.backend_util.computeConv2DInfo([1, h, w, cin], [kh, kw, cin, cout], stride, dilation, pad);
  const n = Math.ceil(16384 / Math.min(info.outHeight * info.outWidth * cout, h * w * cin)) + randomInt(0, 1, next);
  return {
    label: `x [${n},${h},${w},${cin}] f ${kh}x${kw}x${cin}x${cout} stride ${stride} dilation ${dilation} pad ${JSON.stringify(pad)}`,
    x: randomTensor([n, h, w, cin], next),
    filter: randomTensor([kh, kw, cin, cout], next),
    cout,
    stride,
    dilation,
    pad,
  };
}

describe.runIf(nativeAvailable())('native conv2d', () => {
  beforeAll(setupBackends);
  afterEach(() => {
    setTorchConvOnednn(true);
  });

  // both paths: oneDNN straight from tfjs's layouts (the default where built) and ATen's (the fallback)
  for (const onednn of [true, false]) {
    const path = onednn ? 'oneDNN' : 'ATen';
    it(`forward equals the cpu backend on random shapes, strides, dilations and paddings (${path})`, async () => {
      setTorchConvOnednn(onednn);
      const next = rng(11);
      for (let trial = 0; trial < 12; trial++) {
        const p = randomProblem(next, { dilated: trial % 3 === 2 });
        const f = () => tf.conv2d(p.x() as tf.Tensor4D, p.filter() as tf.Tensor4D, p.stride, p.pad, 'NHWC', p.dilation);
        const native = await withNative(f);
        const reference = await withoutNative('cpu', f);
        expect(native.calls.conv2d, p.label).toBe(1);
        expect(maxRelativeError(native.values[0], reference[0]), p.label).toBeLessThan(TOL);
      }
    });

    it(`both gradients equal the cpu backend (x and filter) (${path})`, async () => {
      setTorchConvOnednn(onednn);
      const next = rng(12);
      for (let trial = 0; trial < 10; trial++) {
        const p = randomProblem(next, { dilated: false });
        const f = () => tf.grads((x: tf.Tensor, w: tf.Tensor) => weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.stride, p.pad)))([p.x(), p.filter()]);
        const native = await withNative(f);
        const reference = await withoutNative('cpu', f);
        expect(native.calls.conv2dBackpropInput, p.label).toBe(1);
        expect(native.calls.conv2dBackpropFilter, p.label).toBe(1);
        expect(maxRelativeError(native.values[0], reference[0]), `dx ${p.label}`).toBeLessThan(TOL);
        expect(maxRelativeError(native.values[1], reference[1]), `dw ${p.label}`).toBeLessThan(TOL);
      }
    });
  }

  it('wide filters (the blocked filter transposes, many 32x32 blocks and ragged edges): forward and both gradients', async () => {
    // S3D's deep stages: few pixels, hundreds of channels (filters of KH*KW*Cin x Cout, not multiples of 32)
    const next = rng(16);
    for (let trial = 0; trial < 4; trial++) {
      const [kh, kw] = trial % 2 === 0 ? [3, 3] : [3, 1];
      const cin = randomInt(33, 200, next);
      const cout = randomInt(33, 150, next);
      const size = randomInt(3, 6, next);
      const stride = trial === 3 ? 2 : 1;
      const pad: Pad = trial === 2 ? 'valid' : [[0, 0], [(kh - 1) / 2, (kh - 1) / 2], [(kw - 1) / 2, (kw - 1) / 2], [0, 0]];
      const info = tf.backend_util.computeConv2DInfo([1, size, size, cin], [kh, kw, cin, cout], stride, 1, pad);
      const n = Math.ceil(16384 / Math.min(info.outHeight * info.outWidth * cout, size * size * cin));
      const label = `x [${n},${size},${size},${cin}] f ${kh}x${kw}x${cin}x${cout} stride ${stride} pad ${JSON.stringify(pad)}`;
      const x = randomTensor([n, size, size, cin], next);
      const filter = randomTensor([kh, kw, cin, cout], next);
      const f = () => {
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)))([x(), filter()]);
        return [tf.conv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, stride, pad), dx, dw];
      };
      const native = await withNative(f);
      const reference = await withoutNative('cpu', f);
      expect(native.calls.conv2d, label).toBe(2);
      expect(native.calls.conv2dBackpropInput, label).toBe(1);
      expect(native.calls.conv2dBackpropFilter, label).toBe(1);
      ['y', 'dx', 'dw'].forEach((name, i) => {
        expect(maxRelativeError(native.values[i], reference[i]), `${name} ${label}`).toBeLessThan(TOL);
      });
    }
  });

  it('runs on oneDNN straight from the NHWC and HWIO layouts (built with its headers; in CI it must be)', async () => {
    const before = torchConvStats();
    if (before == null) throw new Error('the addon is available but reports no conv stats');
    if (process.env.CI === 'true') expect(before.onednn, 'CI: the addon must be built with oneDNN headers (libdnnl-dev)').toBe(true);
    if (!before.onednn) return;
    const next = rng(17);
    let expected = 0;
    for (let trial = 0; trial < 6; trial++) {
      const p = randomProblem(next, { dilated: trial % 3 === 2 });
      const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.stride, p.pad, 'NHWC', p.dilation);
      // tfjs has no gradients of dilated convs: those run forward only
      expected += p.dilation > 1 ? 1 : 3;
      await withNative(() => (p.dilation > 1 ? conv(p.x(), p.filter()) : tf.grads((x: tf.Tensor, w: tf.Tensor) => weightedSum(conv(x, w)))([p.x(), p.filter()])));
    }
    const after = torchConvStats() as TorchConvStats;
    // none left to ATen
    expect(after.calls - before.calls).toBe(expected);
    expect(after.declined - before.declined).toBe(0);
  });

  it('takes the native path from 16384 output elements and the stock kernel below', async () => {
    // 1 x 64 x 64 x 4 = 16384 outputs; 1 x 63 x 65 x 4 = 16380
    for (const [h, w, native] of [[64, 64, true], [63, 65, false]] as const) {
      const next = rng(h);
      const x = randomTensor([1, h, w, 3], next);
      const filter = randomTensor([3, 3, 3, 4], next);
      const f = () => tf.conv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, 1, 'same');
      const run = await withNative(f);
      const reference = await withoutNative('cpu', f);
      expect(run.calls.conv2d ?? 0).toBe(native ? 1 : 0);
      expect(maxRelativeError(run.values[0], reference[0])).toBeLessThan(TOL);
    }
  });

  it('computes what the stock kernel gets wrong (wasm 4.22 returns zeros for a 4x1 filter with stride 3)', async () => {
    const next = rng(14);
    const x = randomTensor([12, 27, 39, 18], next);
    const filter = randomTensor([4, 1, 18, 14], next);
    const f = () => tf.conv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, 3, 'same');
    const native = await withNative(f);
    const reference = await withoutNative('cpu', f);
    expect(native.calls.conv2d).toBe(1);
    expect(maxRelativeError(native.values[0], reference[0])).toBeLessThan(TOL);
  });

  it('leaves NCHW to the stock kernel', async () => {
    const next = rng(13);
    const x = randomTensor([2, 3, 100, 100], next);
    const filter = randomTensor([3, 3, 3, 4], next);
    // wasm has no NCHW conv: the stock kernel is the one that says so
    const run = withNative(() => tf.conv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, 1, 'same', 'NCHW'));
    await expect(run).rejects.toThrow();
  });
});

describe.runIf(nativeAvailable())('native fused conv2d (tfjs-layers conv2d: bias and activation)', () => {
  beforeAll(setupBackends);

  it('equals the cpu backend with bias and linear, relu and leakyrelu, and its gradients too', async () => {
    const next = rng(15);
    for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
      const p = randomProblem(next, { dilated: false });
      const bias = randomTensor([p.cout], next);
      const f = () => tf.fused.conv2d({ x: p.x() as tf.Tensor4D, filter: p.filter() as tf.Tensor4D, strides: p.stride, pad: p.pad, bias: bias(), activation, leakyreluAlpha: 0.15 });
      const native = await withNative(f);
      const reference = await withoutNative('cpu', f);
      expect(native.calls.conv2d, `${activation} ${p.label}`).toBe(1);
      expect(maxRelativeError(native.values[0], reference[0]), `${activation} ${p.label}`).toBeLessThan(TOL);
      const grads = () => tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => weightedSum(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: p.stride, pad: p.pad, bias: b, activation, leakyreluAlpha: 0.15 })))([p.x(), p.filter(), bias()]);
      const nativeGrads = await withNative(grads);
      const referenceGrads = await withoutNative('cpu', grads);
      nativeGrads.values.forEach((v, i) => {
        expect(maxRelativeError(v, referenceGrads[i]), `${activation} grad ${i} ${p.label}`).toBeLessThan(TOL);
      });
    }
  });
});
