/**
 * Each kernel this package registers on wasm is checked against the cpu
 * backend's stock kernel on random shapes. Tolerance: float32 sums of a few
 * hundred products accumulate ~1e-6 relative rounding; 1e-4 leaves margin for
 * the different summation orders of XNNPACK and the JS loops.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { unsortedSegmentSumValues } from '../src/kernels/unsorted-segment-sum.js';
import { hitsRank5SharedShader, makeRank5BroadcastKernelFunc, WEBGPU_BINARY_KERNELS } from '../src/kernels/webgpu-rank5-broadcast.js';
import { maxRelativeError, onBackend, randomArray, randomInt, rng, setupBackends } from './helpers.js';

const TOL = 1e-4;

beforeAll(setupBackends);

type Pad = 'same' | 'valid' | number;

/** A random conv2d problem: input, filter and a non-uniform upstream gradient weighting (so every dy element matters). */
function randomConv(next: () => number, pad: Pad, maxKernel: number) {
  const n = randomInt(1, 3, next);
  const h = randomInt(5, 12, next);
  const w = randomInt(5, 12, next);
  const cin = randomInt(1, 6, next);
  const cout = randomInt(1, 6, next);
  const kh = randomInt(1, maxKernel, next);
  // tfjs 4.22 sizes the output of a numeric `pad` with the filter height on both
  // axes, so numeric padding is only tested with square filters.
  const kw = typeof pad === 'number' ? kh : randomInt(1, maxKernel, next);
  return {
    x: () => tf.tensor4d(randomArray(n * h * w * cin, next), [n, h, w, cin]),
    filter: () => tf.tensor4d(randomArray(kh * kw * cin * cout, next), [kh, kw, cin, cout]),
  };
}

/** sum(y * sin(index)): a loss whose gradient dy differs in every element. */
function weightedSum(y: tf.Tensor): tf.Scalar {
  return y.mul(tf.range(0, y.size).reshape(y.shape).sin()).sum();
}

/** Strides and paddings both conv2d gradient kernels are checked with. */
const CONV_CASES: { stride: number | [number, number]; pad: Pad }[] = [
  { stride: 1, pad: 'same' },
  { stride: 1, pad: 'valid' },
  { stride: 2, pad: 'same' },
  { stride: 2, pad: 'valid' },
  { stride: [2, 1], pad: 'same' },
  { stride: 3, pad: 1 },
  { stride: 1, pad: 2 },
  { stride: 3, pad: 'same' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  const next = rng(1);
  for (const { stride, pad } of CONV_CASES) {
    it(`matches cpu: stride ${stride}, pad ${pad}`, async () => {
      const problem = randomConv(next, pad, 4);
      const [x, f] = [problem.x(), problem.filter()];
      const [xv, fv] = [x.dataSync().slice(), f.dataSync().slice()];
      tf.dispose([x, f]);
      const compute = () => tf.grad((filter: tf.Tensor) => weightedSum(tf.conv2d(tf.tensor4d(xv, x.shape), filter as tf.Tensor4D, stride, pad)))(tf.tensor4d(fv, f.shape));
      const [wasm] = await onBackend('wasm', compute);
      const [cpu] = await onBackend('cpu', compute);
      expect(maxRelativeError(wasm, cpu)).toBeLessThan(TOL);
    });
  }
});

describe('Conv2DBackpropInput on wasm (replaced: one forward conv of the dilated dy)', () => {
  const next = rng(21);
  for (const { stride, pad } of CONV_CASES) {
    for (let repeat = 0; repeat < 2; repeat++) {
      it(`matches cpu: stride ${stride}, pad ${pad} (#${repeat + 1})`, async () => {
        const problem = randomConv(next, pad, 5);
        const [x, f] = [problem.x(), problem.filter()];
        const [xv, fv] = [x.dataSync().slice(), f.dataSync().slice()];
        tf.dispose([x, f]);
        const compute = () => tf.grad((input: tf.Tensor) => weightedSum(tf.conv2d(input as tf.Tensor4D, tf.tensor4d(fv, f.shape), stride, pad)))(tf.tensor4d(xv, x.shape));
        const [wasm] = await onBackend('wasm', compute);
        const [cpu] = await onBackend('cpu', compute);
        expect(maxRelativeError(wasm, cpu)).toBeLessThan(TOL);
      });
    }
  }
});

describe('BatchMatMul on wasm (transposed operands through the plain GEMM)', () => {
  const next = rng(33);
  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`matches cpu: transposeA ${transposeA}, transposeB ${transposeB}, batched and not`, async () => {
      for (const batch of [0, 3]) {
        const [m, k, n] = [randomInt(1, 40, next), randomInt(1, 40, next), randomInt(1, 40, next)];
        const lead = batch > 0 ? [batch] : [];
        const aShape = [...lead, ...(transposeA ? [k, m] : [m, k])];
        const bShape = [...lead, ...(transposeB ? [n, k] : [k, n])];
        const a = randomArray(aShape.reduce((p, d) => p * d, 1), next);
        const b = randomArray(bShape.reduce((p, d) => p * d, 1), next);
        const compute = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB);
        const [wasm] = await onBackend('wasm', compute);
        const [cpu] = await onBackend('cpu', compute);
        expect(maxRelativeError(wasm, cpu)).toBeLessThan(TOL);
      }
    });
  }
});

describe('DepthwiseConv2dNative backprops on wasm', () => {
  const next = rng(2);
  const cases: { stride: number; dilation: number; pad: Pad }[] = [
    { stride: 1, dilation: 1, pad: 'same' },
    { stride: 2, dilation: 1, pad: 'valid' },
    { stride: 2, dilation: 1, pad: 'same' },
    { stride: 1, dilation: 2, pad: 'same' },
    { stride: 1, dilation: 2, pad: 'valid' },
  ];
  for (const { stride, dilation, pad } of cases) {
    it(`stride ${stride}, dilation ${dilation}, pad ${pad}: adjoint of the forward conv, and equal to cpu`, async () => {
      const n = randomInt(1, 2, next);
      const h = randomInt(6, 11, next);
      const w = randomInt(6, 11, next);
      const c = randomInt(1, 4, next);
      const mult = randomInt(1, 3, next);
      const k = randomInt(2, 3, next);
      const x = randomArray(n * h * w * c, next);
      const f = randomArray(k * k * c * mult, next);
      const attrs = { strides: [stride, stride], dilations: [dilation, dilation], pad, dimRoundingMode: undefined };
      const xt = () => tf.tensor4d(x, [n, h, w, c]);
      const ft = () => tf.tensor4d(f, [k, k, c, mult]);
      const forward = () => tf.depthwiseConv2d(xt(), ft(), stride, pad, 'NHWC', dilation);
      // the upstream gradient: fixed pseudo-random values of the output's shape
      const dyOf = (y: tf.Tensor) => tf.range(0, y.size).reshape(y.shape).mul(1.7).cos();
      const backprops = () => {
        const dy = dyOf(forward());
        // call the kernels directly: tfjs' own gradient refuses dilation > 1
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: ft() }, {
          ...attrs,
          inputShape: [n, h, w, c],
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const df = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt(), dy }, {
          ...attrs,
          filterShape: [k, k, c, mult],
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, df];
      };
      const [wasmDx, wasmDf] = await onBackend('wasm', backprops);
      // The forward conv is linear in x and in f, so <conv(x, f), dy> must equal
      // <x, dx> and <f, df> (the dot-product test of an adjoint), with the
      // forward computed independently by the cpu backend.
      const [yDotDy] = await onBackend('cpu', () => {
        const y = forward();
        return y.mul(dyOf(y)).sum();
      });
      const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
      };
      const scale = Math.max(1, Math.abs(yDotDy[0]));
      expect(Math.abs(dot(x, wasmDx) - yDotDy[0]) / scale).toBeLessThan(TOL);
      expect(Math.abs(dot(f, wasmDf) - yDotDy[0]) / scale).toBeLessThan(TOL);
      if (dilation === 1) {
        // the cpu backend's own backprop kernels ignore dilation, so compare only without it
        const [cpuDx, cpuDf] = await onBackend('cpu', backprops);
        expect(maxRelativeError(wasmDx, cpuDx)).toBeLessThan(TOL);
        expect(maxRelativeError(wasmDf, cpuDf)).toBeLessThan(TOL);
      }
    });
  }
});

describe('UnsortedSegmentSum', () => {
  function naive(x: Float32Array, ids: Int32Array, numSegments: number, inner: number): Float32Array {
    const out = new Float32Array(numSegments * inner);
    ids.forEach((s, r) => {
      if (s < 0 || s >= numSegments) return;
      for (let i = 0; i < inner; i++) out[s * inner + i] += x[r * inner + i];
    });
    return out;
  }

  it('the exported value function agrees with a naive loop, dropping out-of-range ids', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const ids = Int32Array.from([2, -1, 0, 2]);
    const out = new Float32Array(3 * 2);
    unsortedSegmentSumValues(x, ids, 3, out);
    expect(Array.from(out)).toEqual([5, 6, 0, 0, 8, 10]);
  });

  it('matches the naive sum on wasm and cpu, float32 and int32, with out-of-range ids', async () => {
    const next = rng(3);
    for (let trial = 0; trial < 4; trial++) {
      const rows = randomInt(1, 40, next);
      const inner = [randomInt(1, 4, next), randomInt(1, 3, next)];
      const numSegments = randomInt(1, 10, next);
      const ids = Int32Array.from({ length: rows }, () => randomInt(-2, numSegments + 1, next));
      const x = randomArray(rows * inner[0] * inner[1], next);
      const expected = naive(x, ids, numSegments, inner[0] * inner[1]);
      for (const backend of ['wasm', 'cpu'] as const) {
        const [got] = await onBackend(backend, () =>
          tf.unsortedSegmentSum(tf.tensor3d(x, [rows, inner[0], inner[1]]), tf.tensor1d(ids, 'int32'), numSegments),
        );
        expect(maxRelativeError(got, expected), backend).toBeLessThan(1e-6);
        const xi = Int32Array.from(x, (v) => Math.round(v * 100));
        const [gotInt] = await onBackend(backend, () =>
          tf.unsortedSegmentSum(tf.tensor3d(xi, [rows, inner[0], inner[1]], 'int32'), tf.tensor1d(ids, 'int32'), numSegments),
        );
        expect(Array.from(gotInt), backend).toEqual(Array.from(naive(Float32Array.from(xi), ids, numSegments, inner[0] * inner[1])));
      }
    }
  });

  it('gives gather its gradient on wasm, equal to cpu', async () => {
    const next = rng(4);
    const table = randomArray(50 * 8, next);
    const idx = Int32Array.from({ length: 200 }, () => randomInt(0, 49, next));
    const compute = () =>
      tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d(idx, 'int32')).square().sum())(tf.tensor2d(table, [50, 8]));
    const [wasm] = await onBackend('wasm', compute);
    const [cpu] = await onBackend('cpu', compute);
    expect(maxRelativeError(wasm, cpu)).toBeLessThan(1e-5);
  });
});

describe('Slice of rank 5 and more (contiguous runs instead of per-element copies)', () => {
  /** Nested-index reference: element by element from the flat row-major layout. */
  function naiveSlice(x: Float32Array, shape: number[], begin: number[], size: number[]): Float32Array {
    const count = size.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    const index = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < count; o++) {
      let rest = o;
      for (let d = shape.length - 1; d >= 0; d--) {
        index[d] = (rest % size[d]) + begin[d];
        rest = Math.floor(rest / size[d]);
      }
      let flat = 0;
      for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + index[d];
      out[o] = x[flat];
    }
    return out;
  }

  it('matches a naive per-element slice on random shapes and windows of rank 5 and 6, on wasm and cpu', async () => {
    const next = rng(11);
    for (let trial = 0; trial < 24; trial++) {
      const rank = randomInt(5, 6, next);
      // extents of 1 and whole-axis windows exercise the collapsing; long inner axes the run copies
      const shape = Array.from({ length: rank }, (_, d) => (d === rank - 1 && trial % 3 === 0 ? randomInt(16, 40, next) : randomInt(1, 4, next)));
      const begin = shape.map((extent) => randomInt(0, extent - 1, next));
      const size = shape.map((extent, d) => (trial % 4 === 0 && d % 2 === 0 ? extent - begin[d] : randomInt(1, extent - begin[d], next)));
      const x = randomArray(shape.reduce((a, b) => a * b, 1), next);
      const expected = naiveSlice(x, shape, begin, size);
      for (const backend of ['wasm', 'cpu'] as const) {
        const [got] = await onBackend(backend, () => tf.slice(tf.tensor(x, shape), begin, size));
        expect(Array.from(got), `${backend} shape ${shape} begin ${begin} size ${size}`).toEqual(Array.from(expected));
      }
    }
  });

  it('keeps int32 values and accepts -1 sizes', async () => {
    const shape = [2, 3, 2, 3, 4];
    const x = Int32Array.from({ length: 144 }, (_, i) => i * 7 - 50);
    const expected = naiveSlice(Float32Array.from(x), shape, [1, 0, 1, 1, 2], [1, 3, 1, 2, 2]);
    for (const backend of ['wasm', 'cpu'] as const) {
      const [got] = await onBackend(backend, () => tf.slice(tf.tensor(x, shape, 'int32'), [1, 0, 1, 1, 2], [-1, -1, 1, -1, 2]));
      expect(Array.from(got), backend).toEqual(Array.from(expected));
    }
  });
});

describe("WebGPU's rank-5 broadcast wrapper (a 2-D view of the high-rank operand), run around the cpu backend's kernels", () => {
  it('hits exactly the shapes tfjs-backend-webgpu 4.22 sends through its shared-memory shader', () => {
    expect(hitsRank5SharedShader([2, 3, 4, 5, 3], [3])).toBe(true);
    expect(hitsRank5SharedShader([127], [1, 1, 1, 1, 1, 2])).toBe(true);
    expect(hitsRank5SharedShader([2, 3, 4, 5, 3], [1])).toBe(false);
    expect(hitsRank5SharedShader([2, 3, 4, 5, 128], [128])).toBe(false);
    expect(hitsRank5SharedShader([3, 4, 5, 3], [3])).toBe(false);
    expect(hitsRank5SharedShader([2, 3, 4, 5, 3], [1, 3])).toBe(false);
  });

  it('gives the stock op\'s values and shape on random shapes of rank 5 and 6, either operand high, both broadcast directions', async () => {
    const next = rng(34);
    const names = new Map(WEBGPU_BINARY_KERNELS.map((k) => [k.name, k.names]));
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Add', tf.add],
      ['Multiply', tf.mul],
      ['RealDiv', tf.div],
      ['Prelu', (a, b) => tf.prelu(a, b)],
    ];
    await tf.setBackend('cpu');
    for (let trial = 0; trial < 24; trial++) {
      const rank = randomInt(5, 6, next);
      const last = randomInt(2, 9, next);
      const high = Array.from({ length: rank }, (_, d) => (d === rank - 1 ? (trial % 3 === 0 ? 1 : last) : randomInt(1, 3, next)));
      const [name, op] = ops[trial % ops.length];
      const highFirst = name === 'Prelu' || trial % 2 === 0;
      const [as, bs] = highFirst ? [high, [last]] : [[last], high];
      const a = tf.tensor(randomArray(as.reduce((p, d) => p * d, 1), next), as);
      const b = tf.tensor(randomArray(bs.reduce((p, d) => p * d, 1), next).map((v) => v + 2), bs);
      const expected = op(a, b);
      const stockKernel = tf.getKernel(name, 'cpu')?.kernelFunc as tf.KernelFunc;
      const [n0, n1] = names.get(name) as [string, string];
      const info = makeRank5BroadcastKernelFunc('cpu', stockKernel, [n0, n1])({ inputs: { [n0]: a, [n1]: b }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
      const got = tf.engine().makeTensorFromTensorInfo(info);
      const label = `${name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`;
      expect(got.shape, label).toEqual(expected.shape);
      expect(Array.from(await got.data()), label).toEqual(Array.from(await expected.data()));
      tf.dispose([a, b, expected, got]);
    }
  });
});
