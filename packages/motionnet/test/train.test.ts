/** MotionNet pretraining: sources, frame stacks, exact resumption, bad input; flow prediction for pairs of any size. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, initBackend } from '@trajectorynet/runtime';
import { createSyntheticDataset, framesToFloat, readFrameFolder } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMotionNet, motionFlows, predictFlow, StackReader, sourceSamples, trainMotionNet, withInputSize } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(import.meta.dirname, '../../../../shared/data');

const tiny = { frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16, batchSize: 2, lr: 1e-3 };
const synthetic = () => createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 6, width: 40, height: 32 });

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('sources', () => {
  it('a folder gives its videos and frame folders; a file gives itself; bad paths fail with the path', async () => {
    const videos = await sourceSamples(path.join(DATA, 'videos'));
    expect(videos.map((s) => path.basename(s.path)).sort()).toEqual(['part_0.mp4', 'test.avi', 'test.mp4']);
    expect(videos.every((s) => s.kind === 'video')).toBe(true);
    const whole = await sourceSamples(DATA);
    expect(whole.filter((s) => s.kind === 'frames').map((s) => s.path)).toEqual([path.join(DATA, 'rawframes')]);
    expect(await sourceSamples(path.join(DATA, 'videos', 'test.avi'))).toHaveLength(1);
    await expect(sourceSamples('/no/such/folder')).rejects.toThrow(/\/no\/such\/folder: no such file/);
    const empty = await mkdtemp(path.join(tmpdir(), 'tjn-mn-empty-'));
    await expect(sourceSamples(empty)).rejects.toThrow(new RegExp(`${empty}: no videos`));
  });

  it('a stack is `frames` frames `frameStep` apart, cropped to the input aspect and scaled to 0..1', async () => {
    // 10 frames and a span of 10 leave one start (0); an input of the frames' aspect leaves one box (the whole frame)
    const dir = path.join(DATA, 'rawframes');
    const { width, height } = await readFrameFolder(dir, { indices: [0] });
    const size = { height: height / 8, width: width / 8 };
    const reader = new StackReader({ frames: 2, frameStep: 9, ...size });
    const out = new Float32Array(2 * size.height * size.width * 3);
    await reader.read({ path: dir, label: 0, frameCount: 0, kind: 'frames' }, Math.random, out, 0);
    const expected = new Float32Array(out.length);
    const decoded = await readFrameFolder(dir, { indices: [0, 9] });
    framesToFloat(decoded.frames, width, height, { box: { x: 0, y: 0, width, height }, outWidth: size.width, outHeight: size.height, flip: false, mean: [0, 0, 0], std: [1, 1, 1] }, expected);
    expect(Array.from(out)).toEqual(Array.from(expected));
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    const tooLong = new StackReader({ frames: 3, frameStep: 5, ...size });
    await expect(tooLong.read({ path: dir, label: 0, frameCount: 0, kind: 'frames' }, Math.random, out, 0)).rejects.toThrow(/10 frames, a stack of 3 frames every 5 needs 11/);
  });
});

describe('trainMotionNet', () => {
  it('a run stopped at step 2 and resumed from its checkpoint ends with the weights of an uninterrupted run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-mn-train-'));
    const whole = await trainMotionNet(synthetic(), { ...tiny, steps: 4, seed: 3 });
    expect(whole.history.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const r of whole.history) expect(Number.isFinite(r.loss.total) && r.loss.total > 0).toBe(true);

    const checkpoint = path.join(dir, 'motionnet.ckpt');
    const first = await trainMotionNet(synthetic(), { ...tiny, steps: 2, seed: 3, checkpoint });
    expect(existsSync(checkpoint)).toBe(true);
    first.model.dispose();
    const seen: number[] = [];
    const resumed = await trainMotionNet(synthetic(), { ...tiny, steps: 4, seed: 3, checkpoint, onStep: (r) => seen.push(r.step) });
    expect(resumed.resumedFrom).toBe(2);
    expect(seen).toEqual([3, 4]);
    expect(resumed.history.map((r) => r.loss.total)).toEqual(whole.history.map((r) => r.loss.total));
    expect(await weightsOf(resumed.model)).toEqual(await weightsOf(whole.model));
    // the weights moved: a fresh seeded model differs
    const fresh = await trainMotionNet(synthetic(), { ...tiny, steps: 1, seed: 3 });
    expect(await weightsOf(fresh.model)).not.toEqual(await weightsOf(whole.model));
    for (const m of [whole.model, resumed.model, fresh.model]) m.dispose();
  });

  it('leaks no tensors across steps', async () => {
    const before = tf.memory().numTensors;
    const run = await trainMotionNet(synthetic(), { ...tiny, steps: 3, seed: 5 });
    const weights = run.model.weights.length;
    run.model.dispose();
    // what remains after disposing the model is what the run leaked (none)
    expect(tf.memory().numTensors - before).toBe(0);
    expect(weights).toBeGreaterThan(0);
  });

  it('trains on real videos (decoded by ffmpeg) with a frame step', async () => {
    const run = await trainMotionNet(path.join(DATA, 'videos'), { ...tiny, steps: 2, frameStep: 2, seed: 1 });
    expect(run.history).toHaveLength(2);
    expect(Number.isFinite(run.history[1].loss.total)).toBe(true);
    run.model.dispose();
  });

  it('refuses bad options, a checkpoint of another architecture, and a damaged checkpoint, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-mn-bad-'));
    await expect(trainMotionNet(synthetic(), { ...tiny, steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(trainMotionNet(synthetic(), { ...tiny, steps: 1, lr: Number.NaN })).rejects.toThrow(/lr must be positive/);
    await expect(trainMotionNet(synthetic(), { ...tiny, steps: 1, height: 48 })).rejects.toThrow(/divisible by 32/);
    const checkpoint = path.join(dir, 'a.ckpt');
    (await trainMotionNet(synthetic(), { ...tiny, steps: 1, checkpoint })).model.dispose();
    await expect(trainMotionNet(synthetic(), { ...tiny, widthMultiplier: 1 / 8, steps: 2, checkpoint })).rejects.toThrow(new RegExp(`${checkpoint}: the checkpoint is of another run`));
    const damaged = path.join(dir, 'damaged.ckpt');
    await mkdir(dir, { recursive: true });
    await writeFile(damaged, 'not a checkpoint');
    await expect(trainMotionNet(synthetic(), { ...tiny, steps: 2, checkpoint: damaged })).rejects.toBeInstanceOf(CheckpointError);
  });
});

describe('predictFlow', () => {
  it('at the input size equals motionFlows; at another size the flow is resized and scaled to its pixels', async () => {
    const model = createMotionNet({ frames: 2, height: 32, width: 64, widthMultiplier: 1 / 16 });
    const random = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898 + seed) * 43758.5453 - Math.floor(Math.sin(i * 12.9898 + seed) * 43758.5453)) * 255);
    const [f0, f1] = [random(32 * 64 * 3, 1), random(32 * 64 * 3, 2)].map((data) => ({ data, width: 64, height: 32 }));
    const direct = predictFlow(model, f0, f1);
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
    const large = predictFlow(model, upscale(f0), upscale(f1));
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
    tf.dispose(clip);
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
