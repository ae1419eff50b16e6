/**
 * The web model: export then load gives the checkpoint's model (its backbone with the BatchNorms
 * folded into the convs: the unfolded model's probabilities within float32 rounding; the custom
 * layers rebuilt), the manifest's checks, and which frames and pairs a page must decode and solve.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { recognizerInputs } from '@trajectorynet/recognizer';
import { describe, expect, it } from 'vitest';
import { checkWebManifest, clipPipeline, exportWebModel, loadTrainedModel, resolveConfig, runTraining, type WebModelManifest } from '../src/index.js';
import { type ClipViews, classifyViews, framePlan, loadWebModel } from '../src/web.js';

const manifest = (): WebModelManifest => ({
  format: 'trajectorynet-web-model',
  version: 1,
  labels: ['a', 'b'],
  recognizer: { variant: 'trajectorynet', depth: 18, width: 0.125, withMotion: false, dropout: 0, frames: 4, size: 32, numClasses: 2, trajectories: 'flow', motionnet: { width: 0.25, frames: 5 }, inputMean: [0, 0, 0], inputStd: [1, 1, 1], batchNorm: 'train' },
  pipeline: { sampling: { kind: 'dense', clipLength: 4, interval: 2, numClips: 2 }, mode: 'test', crop: 'full', size: [32, 32], flip: false },
  trajectories: { source: 'tvl1', tvl1: {} as never },
  models: { backbone: 'model.json' },
  source: { checkpoint: 'best.ckpt' },
});

describe('web model manifest', () => {
  it('accepts an export and names the key of each fault', () => {
    expect(checkWebManifest(manifest(), 'm.json').labels).toEqual(['a', 'b']);
    const broken: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['format', (m) => (m.format = 'other'), /format: expected 'trajectorynet-web-model'/],
      ['version', (m) => (m.version = 2), /version: this page reads version 1/],
      ['labels', (m) => (m.labels = []), /labels: must be a non-empty list/],
      ['classes', (m) => (m.labels = ['a', 'b', 'c']), /recognizer.numClasses: must equal the 3 labels, got 2/],
      ['mode', (m) => ((m.pipeline as { mode: string }).mode = 'train'), /pipeline.mode: must be 'test'/],
      ['motionnet', (m) => (m.trajectories = { source: 'motionnet' }), /models.motionNet: a MotionNet model must be given/],
    ];
    for (const [, breakIt, message] of broken) {
      const m = manifest() as unknown as Record<string, unknown>;
      breakIt(m);
      expect(() => checkWebManifest(m, 'm.json')).toThrow(message);
      expect(() => checkWebManifest(m, 'm.json')).toThrow(expect.objectContaining({ code: 'BAD_CHECKPOINT', path: 'm.json' }));
    }
  });

  it('plans the frames of both test clips and every pair their flows chain through', () => {
    // 20 frames, 2 dense clips of 4 frames 2 apart (span 7): windows start at 0 and 13
    const plan = framePlan(manifest(), 20);
    expect(plan.clips).toEqual([
      [0, 2, 4, 6],
      [13, 15, 17, 19],
    ]);
    expect(plan.pairs).toEqual([0, 1, 2, 3, 4, 5, 13, 14, 15, 16, 17, 18]);
    expect(plan.frames).toEqual([0, 1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18, 19]);
    expect(framePlan({ ...manifest(), trajectories: { source: 'none' } }, 20).pairs).toEqual([]);
  });
});

/** The files of a folder as a page gets them when a user drops it: paths relative to it. */
async function droppedFolder(dir: string): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file).split(path.sep).join('/'), new Blob([await readFile(file)]));
    }
  }
  return files;
}

/** Trains a one-epoch model of `preset` and exports it; the run and export folders. */
async function trainedExport(preset: string, overrides: string[]) {
  const small = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.epochs=1'];
  const config = await resolveConfig({ preset, overrides: [...small, ...overrides] });
  const run = await mkdtemp(path.join(tmpdir(), 'tjn-web-run-'));
  await runTraining(config, { outDir: run, quiet: true, log: () => {} });
  const out = await mkdtemp(path.join(tmpdir(), 'tjn-web-model-'));
  return { config, checkpoint: path.join(run, 'best.ckpt'), out, ...(await exportWebModel(path.join(run, 'best.ckpt'), out)) };
}

/** Random test views of the shapes `manifest` takes (flows for TV-L1 models), two views. */
function randomViews(manifest: WebModelManifest, seed: number): ClipViews {
  const random = seededRandom(seed);
  const { clipFrames: t, flows } = recognizerInputs(manifest.recognizer);
  const [v, s] = [2, manifest.recognizer.size];
  const data = Float32Array.from({ length: v * t * s * s * 3 }, () => random() * 2 - 1);
  return { data, shape: [v, t, s, s, 3], flows: flows ? Float32Array.from({ length: v * 2 * (t - 1) * s * s * 2 }, () => random() * 6 - 3) : undefined };
}

/** The largest difference between two probability vectors. */
const maxDifference = (a: Float32Array, b: Float32Array) => Math.max(...a.map((p, c) => Math.abs(p - b[c])));

/** The exported backbone is folded (foldBatchNorm): no BatchNorm layer, its convs with bias and fused ReLU. */
async function expectFolded(out: string): Promise<void> {
  const { modelTopology } = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { class_name: string; config: { activation?: string } }[] } } };
  const layers = modelTopology.config.layers;
  expect(layers.filter((l) => l.class_name === 'BatchNorm5D')).toEqual([]);
  expect(layers.filter((l) => l.class_name === 'SpatialConv3D' && l.config.activation === 'relu').length).toBeGreaterThan(0);
}
// folded vs unfolded: float32 rounding in the logits (measured ~1e-7 in probabilities)
const FOLDED_BOUND = 1e-5;

describe('export-web and loadWebModel', { timeout: 300_000 }, () => {
  it('load what export wrote: the checkpoint model (same probabilities), its test pipeline; missing or short files are named', async () => {
    const { config, checkpoint, out, manifest, files } = await trainedExport('trajectorynet-r18-tiny', ['model.trajectorySource=groundtruth']);
    expect(files.sort()).toEqual(['labels.txt', 'model.json', 'trajectorynet.json', 'weights.bin']);
    expect(manifest.pipeline).toEqual(clipPipeline({ ...config, data: { ...config.data, flowDir: undefined } }, 'test'));
    // the page computes TV-L1 for a new video, as predict does for a model trained on ground-truth motion
    expect(manifest.trajectories.source).toBe('tvl1');

    await expectFolded(out);
    const before = tf.memory().numTensors;
    const fromFolder = await loadWebModel(await droppedFolder(out));
    expect(fromFolder.manifest).toEqual(JSON.parse(await readFile(path.join(out, 'trajectorynet.json'), 'utf8')));
    const { recognizer: original } = await loadTrainedModel(checkpoint);
    const views = randomViews(manifest, 5);
    const [a, b] = [await classifyViews(fromFolder.recognizer, views), await classifyViews(original, views)];
    // not a uniform guess: the comparison below can tell models apart
    expect(Math.max(...a.probabilities) - Math.min(...a.probabilities)).toBeGreaterThan(1e-3);
    expect(maxDifference(a.probabilities, b.probabilities)).toBeLessThan(FOLDED_BOUND);
    expect(a.offsets?.shape).toEqual([2, 4, 32, 32, 3, 2]);
    // the synchronous read back gives the same classification and offsets
    const synchronous = await classifyViews(fromFolder.recognizer, views, { syncRead: true });
    expect(synchronous.probabilities).toEqual(a.probabilities);
    expect(synchronous.offsets).toEqual(a.offsets);
    // classifyViews' own softmax (float64, in JS) is tf.softmax's, averaged over the views
    const reference = tf.tidy(() => {
      const [v, t, h, w] = views.shape;
      const flows = views.flows == null ? undefined : tf.unstack(tf.tensor(views.flows, [v, 2, t - 1, h, w, 2]), 1);
      const { logits } = original.forward({ clips: tf.tensor5d(views.data, [v, t, h, w, 3]), flows: flows && { forward: flows[0], backward: flows[1] } }, false);
      return tf.mean(tf.softmax(logits), 0);
    });
    expect(maxDifference(b.probabilities, (await reference.data()) as Float32Array)).toBeLessThan(1e-6);
    reference.dispose();
    // and the bound can fail: weights 1% off give other probabilities
    const nudged = await droppedFolder(out);
    const weights = new Float32Array(await (nudged.get('weights.bin') as Blob).arrayBuffer()).map((w) => w * 1.01);
    nudged.set('weights.bin', new Blob([weights]));
    const other = await loadWebModel(nudged);
    expect(maxDifference((await classifyViews(other.recognizer, views)).probabilities, b.probabilities)).toBeGreaterThan(10 * FOLDED_BOUND);
    for (const r of [other.recognizer, fromFolder.recognizer, original]) r.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const noWeights = await droppedFolder(out);
    noWeights.delete('weights.bin');
    await expect(loadWebModel(noWeights)).rejects.toMatchObject({ code: 'BAD_INPUT', path: 'weights.bin' });
    const short = await droppedFolder(out);
    short.set('weights.bin', (short.get('weights.bin') as Blob).slice(8));
    await expect(loadWebModel(short)).rejects.toMatchObject({ code: 'BAD_CHECKPOINT', path: 'model.json', message: expect.stringMatching(/weight bytes, the model needs/) });
  });

  it('a model trained jointly with MotionNet: both models exported and loaded, the same probabilities as the checkpoint', async () => {
    const { checkpoint, out, manifest, files } = await trainedExport('trajectorynet-r18-motionnet-motion-tiny', ['motionnet.width=0.0625']);
    expect(files.sort()).toEqual(['labels.txt', 'model.json', 'motionnet/model.json', 'motionnet/weights.bin', 'trajectorynet.json', 'weights.bin']);
    expect(manifest.trajectories.source).toBe('motionnet');
    await expectFolded(out);
    const fromFolder = await loadWebModel(await droppedFolder(out));
    expect(fromFolder.recognizer.motionNet).toBeDefined();
    const { recognizer: original } = await loadTrainedModel(checkpoint);
    // MotionNet-(T+1): clips of 5 frames, no flows
    const views = randomViews(manifest, 6);
    expect(views.shape[1]).toBe(5);
    const [a, b] = [await classifyViews(fromFolder.recognizer, views), await classifyViews(original, views)];
    expect(Math.max(...a.probabilities) - Math.min(...a.probabilities)).toBeGreaterThan(1e-3);
    // MotionNet's trajectories, for the backbone's 4 frames
    expect(a.offsets?.shape).toEqual([2, 4, 32, 32, 3, 2]);
    // classifyViews' own softmax (float64, in JS) is tf.softmax's, averaged over the views
    const reference = tf.tidy(() => {
      const [v, t, h, w] = views.shape;
      const flows = views.flows == null ? undefined : tf.unstack(tf.tensor(views.flows, [v, 2, t - 1, h, w, 2]), 1);
      const { logits } = original.forward({ clips: tf.tensor5d(views.data, [v, t, h, w, 3]), flows: flows && { forward: flows[0], backward: flows[1] } }, false);
      return tf.mean(tf.softmax(logits), 0);
    });
    expect(maxDifference(b.probabilities, (await reference.data()) as Float32Array)).toBeLessThan(1e-6);
    reference.dispose();
    expect(maxDifference(a.probabilities, b.probabilities)).toBeLessThan(FOLDED_BOUND);
    for (const r of [fromFolder.recognizer, original]) r.dispose();
  });
});
