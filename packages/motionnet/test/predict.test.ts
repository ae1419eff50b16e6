/** Flow prediction for pairs of any size, and the network at another input size. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMotionNet, flowsFromValues, matchBrightness, motionFlows, predictFlow, predictFlows, processingSize, withInputSize } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('predictFlow', () => {
  it('predictFlows of several pairs in one batch gives each pair\'s predictFlow', async () => {
    const model = createMotionNet({ frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16 });
    const frame = (seed: number) => ({ data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (Math.abs(Math.sin(i * 0.731 + seed * 1.3)) * 255) | 0), width: 32, height: 32 });
    const pairs: [ReturnType<typeof frame>, ReturnType<typeof frame>][] = [[frame(1), frame(2)], [frame(3), frame(4)], [frame(2), frame(1)]];
    const batched = await predictFlows(model, pairs);
    expect(batched.length).toBe(3);
    for (const [k, [a, b]] of pairs.entries()) {
      const single = await predictFlow(model, a, b);
      for (const i of [0, 100, 517, 1023]) {
        expect(batched[k].u[i]).toBeCloseTo(single.u[i], 5);
        expect(batched[k].v[i]).toBeCloseTo(single.v[i], 5);
      }
    }
    // the pairs differ, so their flows do
    expect(batched[0].u).not.toEqual(batched[1].u);
    expect(await predictFlows(model, [])).toEqual([]);
    model.dispose();
  });

  it('at the input size equals motionFlows; at another size the flow is resized and scaled to its pixels', async () => {
    const model = createMotionNet({ frames: 2, height: 32, width: 64, widthMultiplier: 1 / 16 });
    const random = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898 + seed) * 43758.5453 - Math.floor(Math.sin(i * 12.9898 + seed) * 43758.5453)) * 255);
    const [f0, f1] = [random(32 * 64 * 3, 1), random(32 * 64 * 3, 2)].map((data) => ({ data, width: 64, height: 32 }));
    const direct = await predictFlow(model, f0, f1);
    const clip = tf.div(tf.tensor5d(Float32Array.from([...f0.data, ...f1.data]), [1, 2, 32, 64, 3]), 255) as tf.Tensor5D;
    const reference = (await motionFlows(model, clip).forward.data()) as Float32Array;
    for (let i = 0; i < 32 * 64; i++) {
      expect(direct.u[i]).toBeCloseTo(reference[2 * i], 4);
      expect(direct.v[i]).toBeCloseTo(reference[2 * i + 1], 4);
    }
    // frames twice as large, made by repeating pixels: the flow field comes back at twice the size and twice the displacement
    const upscale = (f: typeof f0) => {
      const data = new Uint8Array(128 * 64 * 3);
      for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) for (let c = 0; c < 3; c++) data[(y * 128 + x) * 3 + c] = f.data[((y >> 1) * 64 + (x >> 1)) * 3 + c];
      return { data, width: 128, height: 64 };
    };
    const large = await predictFlow(model, upscale(f0), upscale(f1));
    expect([large.width, large.height, large.u.length]).toEqual([128, 64, 128 * 64]);
    // reference: the 64x32 flow upsampled with pixel centres aligned (a naive bilinear written here), times 2
    const upsampled = (field: Float32Array, X: number, Y: number) => {
      const sx = Math.min(Math.max((X + 0.5) / 2 - 0.5, 0), 63);
      const sy = Math.min(Math.max((Y + 0.5) / 2 - 0.5, 0), 31);
      const [x0, y0] = [Math.min(Math.floor(sx), 62), Math.min(Math.floor(sy), 30)];
      const [fx, fy] = [sx - x0, sy - y0];
      const at = (x: number, y: number) => field[y * 64 + x];
      return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    };
    for (let Y = 0; Y < 64; Y += 3) {
      for (let X = 0; X < 128; X += 5) {
        expect(large.u[Y * 128 + X]).toBeCloseTo(2 * upsampled(direct.u, X, Y), 4);
        expect(large.v[Y * 128 + X]).toBeCloseTo(2 * upsampled(direct.v, X, Y), 4);
      }
    }
    // scale 0.5 of the large frames is the model's own size: the same flow as without a scale
    const halved = await predictFlow(model, upscale(f0), upscale(f1), { scale: 0.5 });
    expect(Array.from(halved.u)).toEqual(Array.from(large.u));
    // scale 1 runs a 128x64 copy of the network: its flow at the frames' size, unscaled
    const bigger = await withInputSize(model, 64, 128);
    const bigClip = tf.div(tf.tensor5d(Float32Array.from([...upscale(f0).data, ...upscale(f1).data]), [1, 2, 64, 128, 3]), 255) as tf.Tensor5D;
    const bigReference = (await motionFlows(bigger, bigClip).forward.data()) as Float32Array;
    const full = await predictFlow(model, upscale(f0), upscale(f1), { scale: 1 });
    for (let i = 0; i < 128 * 64; i += 7) expect(full.u[i]).toBeCloseTo(bigReference[2 * i], 4);
    tf.dispose([clip, bigClip]);
    bigger.dispose();
  });

  it('processingSize rounds the scaled size to multiples of 32, at least 32', () => {
    expect(processingSize(512, 384, 0.5)).toEqual({ width: 256, height: 192 });
    expect(processingSize(340, 256, 0.5)).toEqual({ width: 160, height: 128 }); // 170 -> 160, 128
    expect(processingSize(40, 20, 0.5)).toEqual({ width: 32, height: 32 });
    expect(() => processingSize(64, 64, 0)).toThrow(/positive/);
  });

  it('withInputSize keeps the weights, so a resized network computes the same function', async () => {
    const model = createMotionNet({ frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16 });
    const bigger = await withInputSize(model, 64, 96);
    expect(bigger.inputs[0].shape).toEqual([null, 64, 96, 6]);
    const original = await weightsOf(model);
    expect(await weightsOf(bigger)).toEqual(original);
    // resized to its own size, the network computes exactly the original's outputs
    const same = await withInputSize(model, 32, 32);
    const input = tf.randomUniform([1, 32, 32, 6], 0, 1, 'float32', 4) as tf.Tensor4D;
    const outputs = await Promise.all([model, same].map((m) => Promise.all((m.predict(input) as tf.Tensor[]).map((t) => t.data()))));
    expect(outputs[1].map((o) => Array.from(o))).toEqual(outputs[0].map((o) => Array.from(o)));
    await expect(withInputSize(model, 50, 64)).rejects.toThrow(/divisible by 32/);
  });
});

describe('matchBrightness', () => {
  it('gives each second frame the first one\'s mean and spread per channel, leaving first frames and flat frames as they are', () => {
    const [h, w] = [6, 5];
    const values = (seed: number) => Array.from({ length: h * w * 3 }, (_, i) => 0.1 + 0.8 * Math.abs(Math.sin(i * 0.37 + seed)));
    const first = values(1);
    // pair 0: frame1 = per-channel gain and offset of frame0 (a lighting change): matched, it equals frame0
    const gains = [1.3, 0.7, 1.1];
    const offsets = [-0.05, 0.2, 0.02];
    const lit = first.map((v, i) => gains[i % 3] * v + offsets[i % 3]);
    // pair 1: a flat second frame has no spread to match: only its mean moves
    const flat = new Array(h * w * 3).fill(0.4);
    const pairs = tf.tensor5d([...first, ...lit, ...first, ...flat], [2, 2, h, w, 3]);
    const matched = matchBrightness(pairs);
    const out = matched.arraySync() as number[][][][][];
    const get = (t: number[][][][][], n: number, f: number) => t[n][f].flat(2);
    const input = pairs.arraySync() as number[][][][][];
    for (let i = 0; i < h * w * 3; i++) {
      expect(get(out, 0, 0)[i]).toBeCloseTo(get(input, 0, 0)[i], 6);
      expect(get(out, 0, 1)[i]).toBeCloseTo(first[i], 4);
    }
    const mean = (c: number) => first.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / (h * w);
    for (let i = 0; i < h * w * 3; i++) expect(get(out, 1, 1)[i]).toBeCloseTo(mean(i % 3), 4);
    pairs.dispose();
    matched.dispose();
  });

  it('predictFlow with matchBrightness: the flow of a pair under a lighting change equals the flow without the change', async () => {
    const model = createMotionNet({ frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16 });
    const frame = (seed: number, gain = 1, offset = 0) => ({ data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => Math.min(255, Math.max(0, gain * Math.abs(Math.sin(i * 0.731 + seed)) * 200 + offset)) | 0), width: 32, height: 32 });
    const plain = await predictFlow(model, frame(1), frame(2), { matchBrightness: true });
    const lit = await predictFlow(model, frame(1), frame(2, 1.2, 15), { matchBrightness: true });
    const unmatched = await predictFlow(model, frame(1), frame(2, 1.2, 15));
    const diff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    // within the rounding of the lit frame to bytes; without matching the change moves the flow
    expect(diff(plain.u, lit.u)).toBeLessThan(0.1 * diff(unmatched.u, lit.u));
    model.dispose();
  });
});

describe('flowsFromValues', () => {
  it('splits a [count, height, width, 2] layout into u and v planes per flow', () => {
    // 2 flows of 2x1: flow k, pixel i has u = 10k + i, v = -(10k + i)
    const values = [0, -0, 1, -1, 10, -10, 11, -11];
    const flows = flowsFromValues(values, 2, 2, 1);
    expect(flows.map((f) => [f.width, f.height, [...f.u], [...f.v]])).toEqual([
      [2, 1, [0, 1], [-0, -1]],
      [2, 1, [10, 11], [-10, -11]],
    ]);
  });
});
