import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporalConv, TrajectoryConvError, trajectoryConv, trajectorySample } from '../src/index.js';
import { type Dims, dot, naiveTrajectoryConv, outT, rng } from './reference.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

const CONFIGS: Dims[] = [
  { n: 2, t: 4, h: 5, w: 4, c: 3, cout: 2, k: 3, stride: 1, dilation: 1 },
  { n: 1, t: 5, h: 4, w: 6, c: 2, cout: 3, k: 3, stride: 2, dilation: 1 },
  { n: 1, t: 6, h: 4, w: 3, c: 2, cout: 2, k: 3, stride: 1, dilation: 2 },
  { n: 2, t: 7, h: 3, w: 4, c: 2, cout: 2, k: 5, stride: 2, dilation: 1 },
  { n: 1, t: 5, h: 3, w: 3, c: 3, cout: 2, k: 5, stride: 1, dilation: 2 },
];

interface Case {
  d: Dims;
  x: Float32Array;
  offsets: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Random inputs; offsets up to +-3 px (so samples leave the map) with fractional parts in [0.1, 0.9] (away from the kinks of bilinear interpolation, for finite differences). */
function makeCase(d: Dims, seed: number, zeroOffsets = false): Case {
  const r = rng(seed);
  const uniform = (len: number, a: number) => Float32Array.from({ length: len }, () => (2 * r() - 1) * a);
  const offsetCount = d.n * outT(d) * d.h * d.w * d.k * 2;
  const offsets = zeroOffsets ? new Float32Array(offsetCount) : Float32Array.from({ length: offsetCount }, () => Math.floor(r() * 7) - 3 + 0.1 + 0.8 * r());
  return {
    d,
    x: uniform(d.n * d.t * d.h * d.w * d.c, 1),
    offsets,
    kernel: uniform(d.k * d.c * d.cout, 1),
    bias: uniform(d.cout, 1),
  };
}

function tensors(cs: Case) {
  const { d } = cs;
  return {
    x: tf.tensor5d(cs.x, [d.n, d.t, d.h, d.w, d.c]),
    offsets: tf.tensor(cs.offsets, [d.n, outT(d), d.h, d.w, d.k, 2]),
    kernel: tf.tensor3d(cs.kernel, [d.k, d.c, d.cout]),
    bias: tf.tensor1d(cs.bias),
  };
}

/** max |a - b| / max(1, max |b|). */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const label = (d: Dims) => `N${d.n} T${d.t} ${d.h}x${d.w} C${d.c}->${d.cout} K${d.k} stride ${d.stride} dilation ${d.dilation}`;

describe.each(['wasm', 'cpu'])('trajectoryConv on %s', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each(CONFIGS)('forward equals the naive reference: %#', async (d) => {
    const cs = makeCase(d, 1 + d.t * 7 + d.k);
    const t = tensors(cs);
    const y = trajectoryConv(t.x, t.offsets, t.kernel, { bias: t.bias, stride: d.stride, dilation: d.dilation });
    expect(y.shape).toEqual([d.n, outT(d), d.h, d.w, d.cout]);
    // float32 sums of at most K * C * 4 products of values <= 1: 1e-5 relative is ample
    expect(relError(await y.data(), naiveTrajectoryConv(cs.x, cs.offsets, cs.kernel, cs.bias, d))).toBeLessThan(1e-5);
    tf.dispose([y, ...Object.values(t)]);
  });

  it.each(CONFIGS)('gradients in x, offsets, kernel and bias equal central finite differences of the float64 reference: %#', async (d) => {
    const cs = makeCase(d, 100 + d.t * 3 + d.k * 11);
    const r = rng(7);
    const weightsOut = Float64Array.from({ length: d.n * outT(d) * d.h * d.w * d.cout }, () => 2 * r() - 1);
    const t = tensors(cs);
    const w = tf.tensor(Float32Array.from(weightsOut), [d.n, outT(d), d.h, d.w, d.cout]);
    const grads = tf.grads((x, o, k, b) => tf.sum(tf.mul(trajectoryConv(x, o, k, { bias: b as tf.Tensor1D, stride: d.stride, dilation: d.dilation }), w)));
    const [gx, go, gk, gb] = await Promise.all(grads([t.x, t.offsets, t.kernel, t.bias]).map((g) => g.data()));
    const loss = (c: Case) => dot(naiveTrajectoryConv(c.x, c.offsets, c.kernel, c.bias, d), weightsOut);
    const eps = 1e-3;
    const check = (name: 'x' | 'offsets' | 'kernel' | 'bias', analytic: ArrayLike<number>) => {
      const values = cs[name];
      const picks = Array.from({ length: Math.min(25, values.length) }, () => Math.floor(r() * values.length));
      for (const i of picks) {
        const plus = { ...cs, [name]: Float64Array.from(values) } as unknown as Case;
        const minus = { ...cs, [name]: Float64Array.from(values) } as unknown as Case;
        (plus[name] as unknown as Float64Array)[i] += eps;
        (minus[name] as unknown as Float64Array)[i] -= eps;
        const numeric = (loss(plus) - loss(minus)) / (2 * eps);
        // the loss is linear in x, kernel, bias and piecewise linear in offsets (no kink within eps),
        // so the difference quotient is exact up to float64 rounding; the analytic side is float32
        expect(Math.abs(analytic[i] - numeric), `${name}[${i}] ${label(d)}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
      }
    };
    check('x', gx);
    check('offsets', go);
    check('kernel', gk);
    check('bias', gb);
    tf.dispose([w, ...Object.values(t)]);
  });

  it('temporalConv equals trajectoryConv with zero offsets, forward and backward', async () => {
    for (const d of CONFIGS) {
      const cs = makeCase(d, 5, true);
      const t = tensors(cs);
      const options = { stride: d.stride, dilation: d.dilation };
      const [ya, yb] = [trajectoryConv(t.x, t.offsets, t.kernel, { ...options, bias: t.bias }), temporalConv(t.x, t.kernel, { ...options, bias: t.bias })];
      expect(relError(await yb.data(), await ya.data()), label(d)).toBeLessThan(1e-5);
      const ga = tf.grads((x, k) => tf.sum(tf.square(trajectoryConv(x, t.offsets, k, options))))([t.x, t.kernel]);
      const gb = tf.grads((x, k) => tf.sum(tf.square(temporalConv(x, k, options))))([t.x, t.kernel]);
      for (let i = 0; i < 2; i++) expect(relError(await gb[i].data(), await ga[i].data()), label(d)).toBeLessThan(1e-5);
      tf.dispose([ya, yb, ...ga, ...gb, ...Object.values(t)]);
    }
  });

  it('leaks no tensors across repeated forward and backward calls', () => {
    const d = CONFIGS[1];
    const t = tensors(makeCase(d, 9));
    const step = () =>
      tf.tidy(() => {
        const g = tf.grads((x, o, k) => tf.sum(trajectoryConv(x, o, k, { stride: d.stride })))([t.x, t.offsets, t.kernel]);
        return g[0].sum().dataSync()[0];
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t));
  });
});

describe('trajectoryConv with all offsets zero', () => {
  it('equals tfjs conv3d with a [K, 1, 1, Cin, Cout] kernel and temporal same padding (cpu backend as the independent reference)', async () => {
    await tf.setBackend('cpu');
    // T - 1 divisible by the stride, so that TF's 'same' padding puts (K - 1) / 2 * dilation frames in front, as our definition does
    for (const d of [CONFIGS[0], CONFIGS[1], { ...CONFIGS[3], t: 9 }]) {
      const cs = makeCase(d, 3, true);
      const t = tensors(cs);
      const ours = trajectoryConv(t.x, t.offsets, t.kernel, { stride: d.stride, dilation: d.dilation });
      const reference = tf.conv3d(t.x as tf.Tensor5D, tf.reshape(t.kernel, [d.k, 1, 1, d.c, d.cout]) as tf.Tensor5D, [d.stride, 1, 1], 'same');
      expect(reference.shape).toEqual(ours.shape);
      expect(relError(await ours.data(), await reference.data()), label(d)).toBeLessThan(1e-5);
      tf.dispose([ours, reference, ...Object.values(t)]);
    }
    await tf.setBackend('wasm');
  });
});

describe('argument checks', () => {
  it('names the bad argument and the expected shape', () => {
    const x = tf.zeros([1, 4, 3, 3, 2]);
    expect(() => trajectorySample(x, tf.zeros([1, 4, 3, 3, 3, 2]), { stride: 2 })).toThrow(/offsets shape \[1,4,3,3,3,2\] does not fit x \[1,4,3,3,2\] with stride 2: expected \[1,2,3,3, K, 2\]/);
    expect(() => trajectorySample(x, tf.zeros([1, 4, 3, 3, 2, 2]))).toThrow(/K must be odd, got 2/);
    expect(() => trajectoryConv(x, tf.zeros([1, 4, 3, 3, 3, 2]), tf.zeros([3, 5, 4]))).toThrow(/kernel must be \[K=3, Cin=2, Cout\], got shape \[3,5,4\]/);
    expect(() => trajectorySample(tf.zeros([4, 3, 3, 2]), tf.zeros([1, 4, 3, 3, 3, 2]))).toThrow(TrajectoryConvError);
    expect(() => trajectorySample(x, tf.zeros([1, 4, 3, 3, 3, 2]), { dilation: 0 })).toThrow(/dilation must be a positive integer/);
  });
});
