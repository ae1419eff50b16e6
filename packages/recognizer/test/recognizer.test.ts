import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm5D } from '@trajectorynet/resnet-s3d';
import { motionFlows } from '@trajectorynet/motionnet';
import { createRecognizer, foldRecognizer, motionNetSize, RECOGNIZER_DEFAULTS, type RecognizerConfig, recognizerInputs } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const tiny = (over: Partial<RecognizerConfig>): RecognizerConfig => ({ ...RECOGNIZER_DEFAULTS, width: 0.0625, frames: 4, size: 32, numClasses: 5, dropout: 0, ...over });

describe('createRecognizer', () => {
  it('c2d and s3d take clips of T frames; a trajectory model needs flows and names what is missing', () => {
    for (const variant of ['c2d', 's3d'] as const) {
      const r = createRecognizer(tiny({ variant }));
      const clips = tf.randomNormal([2, 4, 32, 32, 3]) as tf.Tensor5D;
      const { logits, auxLoss } = r.forward({ clips }, false);
      expect(logits.shape).toEqual([2, 5]);
      expect(auxLoss).toBeUndefined();
      expect(() => r.forward({ clips: tf.zeros([2, 5, 32, 32, 3]) as tf.Tensor5D }, false)).toThrow(/clips must be \[N, 4, H, W, 3\]/);
      tf.dispose([clips, logits]);
      r.dispose();
    }
    const r = createRecognizer(tiny({ variant: 'trajectorynet' }));
    const clips = tf.zeros([1, 4, 32, 32, 3]) as tf.Tensor5D;
    expect(() => r.forward({ clips }, false)).toThrow(/needs flows/);
    const flows = { forward: tf.zeros([1, 3, 32, 32, 2]), backward: tf.zeros([1, 3, 32, 32, 2]) };
    expect(r.forward({ clips, flows }, false).logits.shape).toEqual([1, 5]);
    r.dispose();
  });

  it('gives the trajectories it samples: a uniform motion of (2, -1) px per frame puts the taps at p - (2, -1), p, p + (2, -1)', async () => {
    const r = createRecognizer(tiny({ variant: 'trajectorynet' }));
    const clips = tf.randomNormal([1, 4, 32, 32, 3]) as tf.Tensor5D;
    const motion = (dx: number, dy: number) => tf.tile(tf.tensor5d([dx, dy], [1, 1, 1, 1, 2]), [1, 3, 32, 32, 1]);
    const flows = { forward: motion(2, -1), backward: motion(-2, 1) };
    const { offsets } = r.forward({ clips, flows }, false);
    expect(offsets?.shape).toEqual([1, 4, 32, 32, 3, 2]);
    // away from the first and last frames (no frame before or after) and the borders
    const at = (await (offsets as tf.Tensor).array()) as number[][][][][][];
    for (const t of [1, 2]) for (const [y, x] of [[10, 10], [20, 5]]) expect(at[0][t][y][x]).toEqual([[-2, 1], [0, 0], [2, -1]]);
    tf.dispose([clips, flows.forward, flows.backward]);
    r.dispose();
  });

  it('trajectoryStages: the named stages sample along the trajectories (their output moves with the flows), the others are temporal convs', async () => {
    const layerNames = (r: ReturnType<typeof createRecognizer>) => r.backbone.layers.map((l) => l.name);
    const standard = createRecognizer(tiny({ variant: 'trajectorynet' }), 5);
    expect(layerNames(standard).filter((n) => n.endsWith('_offsets'))).toEqual(['res3_offsets', 'res4_offsets']);
    standard.dispose();
    const r = createRecognizer(tiny({ variant: 'trajectorynet', trajectoryStages: ['res2'] }), 5);
    expect(layerNames(r).filter((n) => n.endsWith('_offsets'))).toEqual(['res2_offsets']);
    // res2 alone follows the trajectories: its output, and so the logits, change with the flows
    const clips = tf.randomNormal([1, 4, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
    const motion = (dx: number) => tf.tile(tf.tensor5d([dx, 0], [1, 1, 1, 1, 2]), [1, 3, 32, 32, 1]);
    const still = { forward: motion(0), backward: motion(0) };
    const moving = { forward: motion(4), backward: motion(-4) };
    const a = await r.forward({ clips, flows: still }, false).logits.data();
    const b = await r.forward({ clips, flows: moving }, false).logits.data();
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])))).toBeGreaterThan(1e-4);
    tf.dispose([clips, still.forward, still.backward, moving.forward, moving.backward]);
    r.dispose();
    expect(() => createRecognizer(tiny({ variant: 's3d', trajectoryStages: ['res3'] }))).toThrow(/trajectoryStages: only a trajectorynet/);
    expect(() => createRecognizer(tiny({ variant: 'trajectorynet', trajectoryStages: [] }))).toThrow(/trajectoryStages: takes one or more of res2/);
  });

  it('the same seed gives the same initial weights; the backbone does not depend on whether MotionNet exists', async () => {
    const a = createRecognizer(tiny({ variant: 'trajectorynet' }), 3);
    const b = createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 5 } }), 3);
    const c = createRecognizer(tiny({ variant: 'trajectorynet' }), 4);
    const first = async (r: typeof a) => Array.from(await r.backbone.weights[0].read().data());
    expect(await first(a)).toEqual(await first(b));
    expect(await first(a)).not.toEqual(await first(c));
    for (const r of [a, b, c]) r.dispose();
  });

  it('joint MotionNet: runs at the size rounded up to a multiple of 32, sees motionnet.frames frames, and the classification loss alone reaches it', async () => {
    expect([112, 48, 64, 33].map(motionNetSize)).toEqual([128, 64, 64, 64]);
    const r = createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', size: 48, motionnet: { width: 0.0625, frames: 5 } }));
    expect(r.motionNet?.inputs[0].shape).toEqual([null, 64, 64, 15]);
    const clips = tf.randomNormal([2, 5, 48, 48, 3]) as tf.Tensor5D;
    const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 5);
    const { logits, auxLoss } = r.forward({ clips }, true);
    expect(logits.shape).toEqual([2, 5]);
    expect(Number.isFinite((await (auxLoss as tf.Scalar).data())[0])).toBe(true);
    tf.dispose([logits, auxLoss as tf.Scalar]);
    const motionVariables = r.motionNet!.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, r.forward({ clips }, true).logits) as tf.Scalar, motionVariables);
    const norms = await Promise.all(Object.values(grads).map(async (g) => (await tf.norm(g).data())[0]));
    expect(norms.filter((n) => n > 0).length).toBeGreaterThan(norms.length / 2);
    tf.dispose([clips, labels, ...Object.values(grads)]);
    r.dispose();
  });

  it('refuses a MotionNet with fewer frames than the clip spans, and a stride that is not a positive integer', () => {
    expect(() => createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 3 } }))).toThrow(/motionnet.frames: must be 2 \(pairwise\) or at least the 4/);
    expect(() => createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 5, stride: 2 } }))).toThrow(/at least the 7 consecutive frames/);
    expect(() => createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 2, stride: 0 } }))).toThrow(/motionnet.stride: must be a positive integer/);
  });

  it('a pairwise MotionNet with stride 2: each consecutive pair its own sample, the flows chained over two pairs to the backbone\'s frames', async () => {
    const config = tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 2, stride: 2 }, inputMean: [0, 0, 0], inputStd: [1, 1, 1] });
    expect(recognizerInputs(config).clipFrames).toBe(7);
    const r = createRecognizer(config, 5);
    const clips = tf.randomUniform([1, 7, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor5D;
    const { offsets } = r.forward({ clips }, false);
    expect(offsets?.shape).toEqual([1, 4, 32, 32, 3, 2]);
    // the reference: MotionNet on each pair alone, chained here with a plain bilinear read (clamped; compared away from the border)
    const pairFlow = async (j: number, direction: 'forward' | 'backward') => {
      const pair = tf.slice(clips, [0, j, 0, 0, 0], [1, 2, 32, 32, 3]) as tf.Tensor5D;
      const flows = motionFlows(r.motionNet as tf.LayersModel, pair);
      const plane = (await flows[direction].data()) as Float32Array;
      tf.dispose([pair, flows.forward, flows.backward]);
      return plane;
    };
    const read = (plane: Float32Array, x: number, y: number, c: number) => {
      const [cx, cy] = [Math.min(31, Math.max(0, x)), Math.min(31, Math.max(0, y))];
      const [x0, y0] = [Math.min(30, Math.floor(cx)), Math.min(30, Math.floor(cy))];
      const [fx, fy] = [cx - x0, cy - y0];
      const at = (xx: number, yy: number) => plane[(yy * 32 + xx) * 2 + c];
      return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    };
    const chained = (first: Float32Array, second: Float32Array, x: number, y: number): [number, number] => {
      const [u, v] = [first[(y * 32 + x) * 2], first[(y * 32 + x) * 2 + 1]];
      return [u + read(second, x + u, y + v, 0), v + read(second, x + u, y + v, 1)];
    };
    const at = (await (offsets as tf.Tensor).array()) as number[][][][][][];
    let compared = 0;
    for (const k of [1, 2]) {
      const forward = chained(await pairFlow(2 * k, 'forward'), await pairFlow(2 * k + 1, 'forward'), 12, 17);
      // backward flows: frame 2k -> 2k-1, then 2k-1 -> 2k-2
      const backward = chained(await pairFlow(2 * k - 1, 'backward'), await pairFlow(2 * k - 2, 'backward'), 12, 17);
      for (const c of [0, 1]) {
        expect(at[0][k][17][12][2][c]).toBeCloseTo(forward[c], 4);
        expect(at[0][k][17][12][0][c]).toBeCloseTo(backward[c], 4);
        expect(at[0][k][17][12][1][c]).toBe(0);
        compared += Math.abs(forward[c]) > 1e-3 ? 1 : 0;
      }
    }
    // MotionNet's untrained output is not zero, so the chaining is really compared
    expect(compared).toBeGreaterThan(0);
    tf.dispose([clips, offsets as tf.Tensor]);
    r.dispose();
  });
});

describe('foldRecognizer', () => {
  /** Random BatchNorm statistics and affine weights (not the initial 0 / 1), seeded. */
  function randomBatchNorms(model: tf.LayersModel, seed: number): void {
    for (const [i, bn] of model.layers.filter((l) => l instanceof BatchNorm5D).entries()) {
      const c = bn.getWeights()[0].shape[0];
      const fresh = [tf.randomUniform([c], 0.5, 1.5, 'float32', seed + 4 * i), tf.randomNormal([c], 0, 0.5, 'float32', seed + 4 * i + 1), tf.randomNormal([c], 0, 0.5, 'float32', seed + 4 * i + 2), tf.randomUniform([c], 0.3, 2, 'float32', seed + 4 * i + 3)];
      bn.setWeights(fresh);
      tf.dispose(fresh);
    }
  }

  it.each([
    ['flow trajectories', tiny({ variant: 'trajectorynet' })],
    ['joint MotionNet (kept as it is)', tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 5 } })],
  ])('%s: the logits of forward(input, false), training refused, tensors released', async (_name, config) => {
    const start = tf.memory().numTensors;
    const r = createRecognizer(config, 3);
    randomBatchNorms(r.backbone, 40);
    const frames = config.trajectories === 'motionnet' ? 5 : 4;
    const clips = tf.randomNormal([2, frames, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor5D;
    const flows = config.trajectories === 'motionnet' ? undefined : { forward: tf.randomUniform([2, 3, 32, 32, 2], -2, 2, 'float32', 6), backward: tf.randomUniform([2, 3, 32, 32, 2], -2, 2, 'float32', 7) };
    // in a tidy, as evaluation runs it (a joint MotionNet's pass leaves its intermediate tensors otherwise)
    const logitsOf = (rec: typeof r) => tf.tidy(() => rec.forward({ clips, flows }, false).logits);
    const before = logitsOf(r);
    const expected = await before.data();
    before.dispose();
    const motionNet = r.motionNet;
    const { recognizer: folded, report } = await foldRecognizer(r);
    expect(report.batchNorms).toBeGreaterThan(0);
    expect(folded.motionNet).toBe(motionNet);
    expect(folded.backbone.layers.some((l) => l instanceof BatchNorm5D)).toBe(false);
    const after = logitsOf(folded);
    const got = await after.data();
    after.dispose();
    const scale = Math.max(...Array.from(expected, Math.abs));
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-4 * scale);
    expect(() => folded.forward({ clips, flows }, true)).toThrow(/inference only/);
    tf.dispose([clips, ...(flows != null ? [flows.forward, flows.backward] : [])]);
    folded.dispose();
    // nothing of either recognizer is left
    expect(tf.memory().numTensors).toBe(start);
  });
});
