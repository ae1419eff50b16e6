/**
 * foldBatchNorm: the folded network gives the unfolded one's inference-mode
 * logits (the stock path: conv, then tf.batchNorm with the moving statistics,
 * then relu) within float32 rounding, for C2D, S3D, TrajectoryNet (trajectory
 * convs between) and a bottleneck TrajectoryNet (trajectory conv + BN + ReLU),
 * with BatchNorm statistics and affine weights drawn at random (not their
 * initial 0 / 1, which would make folding nearly a no-op); it runs fewer
 * kernels, none of them a BatchNorm; the tensor count stays flat.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm5D, createTrajectoryNet, foldBatchNorm, loadModel, PRESET_STAGES, SpatialConv3D, saveModel, type TrajectoryNetConfig } from '../src/index.js';

let dir = '';
beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
  dir = await mkdtemp(path.join(tmpdir(), 'fold-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every BatchNorm5D gets random gamma (0.5..1.5), beta, moving mean and moving variance (0.3..2); kernels seeded He-normal. */
function randomize(model: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const fresh = layer.weights.map((w, i) => {
      const shape = weights[i].shape;
      const name = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      s++;
      if (layer instanceof BatchNorm5D) {
        if (name === 'gamma') return tf.randomUniform(shape, 0.5, 1.5, 'float32', s);
        if (name === 'moving_variance') return tf.randomUniform(shape, 0.3, 2, 'float32', s);
        return tf.randomNormal(shape, 0, 0.5, 'float32', s); // beta, moving_mean
      }
      if (weights[i].rank < 2) return tf.randomNormal(shape, 0, 0.1, 'float32', s); // conv and dense biases
      return tf.randomNormal(shape, 0, Math.sqrt(2 / (weights[i].size / shape[shape.length - 1])), 'float32', s);
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

function feed(config: TrajectoryNetConfig, n: number): tf.Tensor[] {
  const clip = tf.randomNormal([n, config.frames, config.size, config.size, 3], 0, 1, 'float32', 7);
  if (!config.stages?.includes('trajectory')) return [clip];
  return [clip, tf.randomUniform([n, config.frames, config.size, config.size, 3, 2], -2, 2, 'float32', 8)];
}

/** Kernels run for one inference, by name. */
async function kernelsOf(model: tf.LayersModel, inputs: tf.Tensor[]): Promise<Map<string, number>> {
  const info = await tf.profile(() => model.predict(inputs) as tf.Tensor);
  tf.dispose(info.result as tf.Tensor);
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}
const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** max |a - b| over max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...b.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

// big enough (48x48, width 1/4) that most convs take the native FusedConv2D under wasm + libtorch
const BASE = { numClasses: 7, frames: 4, size: 48, width: 1 / 4, dropout: 0.5 } as const;

// folded BatchNorms and fused ReLUs, counted from the architecture (model.ts' block structure), not from the code:
// ResNet-18 has 8 basic blocks, 3 of them with a projection shortcut (conv + BN), and the stem conv + BN + ReLU.
// C2D block: conv_a BN ReLU, conv_b BN -> 2 BN, 1 ReLU. S3D / TrajectoryNet block: 4 BN, 3 ReLU (the last BN goes to the add).
// ResNet-50: 16 bottlenecks, 4 shortcuts; with temporal/trajectory convs: 4 BN, 3 ReLU per block.
// Residuals (Add + ReLU into the conv before the Add): blocks ending with a temporal or trajectory conv (S3D and
// TrajectoryNet ResNet-18: all 8); C2D's and the bottlenecks' blocks end with a spatial conv: none.
describe.each([
  ['C2D', { ...BASE, depth: 18, stages: PRESET_STAGES.c2d }, { batchNorms: 1 + 8 * 2 + 3, relus: 1 + 8, residuals: 0 }],
  ['S3D', { ...BASE, depth: 18, stages: PRESET_STAGES.s3d }, { batchNorms: 1 + 8 * 4 + 3, relus: 1 + 8 * 3, residuals: 8 }],
  ['TrajectoryNet', { ...BASE, depth: 18, stages: PRESET_STAGES.trajectorynet }, { batchNorms: 1 + 8 * 4 + 3, relus: 1 + 8 * 3, residuals: 8 }],
  ['TrajectoryNet ResNet-50 (trajectory conv + BN + ReLU)', { ...BASE, depth: 50, size: 32, width: 1 / 16, stages: PRESET_STAGES.trajectorynet }, { batchNorms: 1 + 16 * 4 + 4, relus: 1 + 16 * 3, residuals: 0 }],
] as [string, TrajectoryNetConfig, { batchNorms: number; relus: number; residuals: number }][])('%s', (_name, config, expected) => {
  it('folded logits equal the inference-mode logits; fewer kernels, no BatchNorm; tensors flat', async () => {
    const model = createTrajectoryNet(config);
    randomize(model, 100);
    const inputs = feed(config, 2);
    const before = tf.memory().numTensors;
    const { model: folded, report } = await foldBatchNorm(model);
    expect(report).toEqual({ ...expected, kept: 0 });
    expect(folded.layers.some((l) => l instanceof BatchNorm5D)).toBe(false);
    // a fused residual takes its block's Add and the ReLU after it
    expect(folded.layers.filter((l) => l.getClassName() === 'ReLU').length).toBe(model.layers.filter((l) => l.getClassName() === 'ReLU').length - expected.relus - expected.residuals);
    expect(folded.layers.filter((l) => l.getClassName() === 'Add').length).toBe(model.layers.filter((l) => l.getClassName() === 'Add').length - expected.residuals);

    const reference = model.predict(inputs) as tf.Tensor;
    const out = folded.predict(inputs) as tf.Tensor;
    expect(out.shape).toEqual([2, 7]);
    const [a, b] = [out.dataSync() as Float32Array, reference.dataSync() as Float32Array];
    // the statistics are not trivial: the logits differ clearly from a network without its BatchNorms' affine maps
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relativeError(a, b)).toBeLessThan(1e-4);
    tf.dispose([reference, out]);

    const plainKernels = await kernelsOf(model, inputs);
    const foldedKernels = await kernelsOf(folded, inputs);
    expect(plainKernels.get('FusedBatchNorm')).toBe(expected.batchNorms);
    expect(foldedKernels.get('FusedBatchNorm') ?? 0).toBe(0);
    expect(total(foldedKernels)).toBeLessThan(total(plainKernels) - 2 * expected.batchNorms);

    // inference in a loop keeps the tensor count flat; disposing the folded model returns to where it was
    const mid = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) tf.dispose(folded.predict(inputs) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(mid);
    folded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
    model.dispose();
  });
});

describe('a folded model', () => {
  const config: TrajectoryNetConfig = { depth: 18, numClasses: 5, frames: 4, size: 32, width: 1 / 16, dropout: 0, stages: PRESET_STAGES.trajectorynet };

  it('saves and loads (the export-web format) to the same logits, on wasm and on cpu', async () => {
    const model = createTrajectoryNet(config);
    randomize(model, 300);
    const { model: folded } = await foldBatchNorm(model);
    await saveModel(folded, dir);
    const loaded = await loadModel(dir);
    const inputs = feed(config, 1);
    const reference = (model.predict(inputs) as tf.Tensor).dataSync() as Float32Array;
    expect(relativeError((loaded.predict(inputs) as tf.Tensor).dataSync() as Float32Array, reference)).toBeLessThan(1e-4);
    const weights = await Promise.all(loaded.getWeights().map(async (w) => ({ shape: w.shape, values: Float32Array.from(await w.data()) })));
    const plainWeights = await Promise.all(model.getWeights().map(async (w) => ({ shape: w.shape, values: Float32Array.from(await w.data()) })));
    const inputValues = await Promise.all(inputs.map(async (t) => ({ shape: t.shape, values: Float32Array.from(await t.data()) })));
    tf.dispose(inputs);
    for (const m of [model, folded, loaded]) m.dispose();
    await tf.setBackend('cpu');
    try {
      const onCpu = createTrajectoryNet(config);
      onCpu.setWeights(plainWeights.map((w) => tf.tensor(w.values, w.shape)));
      const { model: foldedCpu } = await foldBatchNorm(onCpu);
      // the weights folded on cpu equal what was saved from wasm
      const cpuWeights = foldedCpu.getWeights();
      expect(cpuWeights.length).toBe(weights.length);
      for (const [i, w] of cpuWeights.entries()) expect(relativeError(w.dataSync() as Float32Array, weights[i].values)).toBeLessThan(1e-6);
      const x = inputValues.map((t) => tf.tensor(t.values, t.shape));
      expect(relativeError((foldedCpu.predict(x) as tf.Tensor).dataSync() as Float32Array, (onCpu.predict(x) as tf.Tensor).dataSync() as Float32Array)).toBeLessThan(1e-4);
      foldedCpu.dispose();
      onCpu.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('keeps a BatchNorm whose input is not a conv of its own', async () => {
    const input = tf.input({ shape: [2, 8, 8, 3] });
    const conv = new SpatialConv3D({ filters: 4, kernelSize: 3, name: 'c' }).apply(input) as tf.SymbolicTensor;
    // the conv's output is read twice: by the BatchNorm and by the add
    const bn = new BatchNorm5D({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.add().apply([bn, conv]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    randomize(model, 500);
    const { model: folded, report } = await foldBatchNorm(model);
    expect(report).toEqual({ batchNorms: 0, relus: 0, kept: 1, residuals: 0 });
    const x = tf.randomNormal([1, 2, 8, 8, 3], 0, 1, 'float32', 3);
    expect(relativeError((folded.predict(x) as tf.Tensor).dataSync() as Float32Array, (model.predict(x) as tf.Tensor).dataSync() as Float32Array)).toBeLessThan(1e-6);
  });
});
