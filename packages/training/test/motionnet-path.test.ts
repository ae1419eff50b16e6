/**
 * From pretraining to joint training: motionnet.pretrained takes the
 * pretrain-motionnet run folder (as `trajectorynet flow --motionnet` does) or
 * its checkpoint; a MotionNet of other frames or width is refused with what
 * to pretrain instead, not a weight-shape error; and a classifier run folder
 * given to pretrain-motionnet is named as such.
 */
import { readdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { predictFlow } from '@trajectorynet/motionnet';
import { initBackend, loadCheckpoint } from '@trajectorynet/runtime';
import { createSyntheticDataset, readFlo, renderSyntheticClip } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { flowCacheDir, loadDataset, loadMotionNet, pretrainMotionNet, resolveConfig, runTraining } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.epochs=1'];
const tempDir = () => mkdtemp(path.join(tmpdir(), 'tjn-mnpath-'));
const synthetic = () => createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 6, width: 40, height: 32 });
const quiet = { quiet: true, log: () => {} };

/** A pretrain-motionnet run folder of one step. */
async function pretrained(frames: number, widthMultiplier: number): Promise<string> {
  const dir = await tempDir();
  const run = await pretrainMotionNet(synthetic(), { frames, height: 32, width: 32, widthMultiplier, batchSize: 2, lr: 1e-3, steps: 1, outDir: dir });
  run.model.dispose();
  return dir;
}

describe('motionnet.pretrained', { timeout: 600_000 }, () => {
  it('takes a run folder; other frames or width are refused saying what to pretrain; a classifier folder is not a MotionNet run', async () => {
    const joint = (pretrainedPath: string) => resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny', overrides: [...SMALL, 'train.checkpointEvery=1', 'motionnet.width=0.0625', `motionnet.pretrained=${pretrainedPath}`] });

    const pairwise = await pretrained(2, 0.0625);
    await expect(runTraining(await joint(pairwise), { outDir: await tempDir(), ...quiet })).rejects.toMatchObject({
      code: 'BAD_CONFIG',
      message: `${path.join(pairwise, 'latest.ckpt')}: this MotionNet takes 2 frames; the model's takes 5 (the clip's span and the frame after it, or motionnet.frames): pretrain one with --frames 5, or set motionnet.frames=2 to run this pairwise network on each consecutive pair`,
    });
    // as it says: the pairwise network on each pair of a clip sampled every second frame
    const pairwiseLogs: string[] = [];
    const strided = await resolveConfig({
      preset: 'trajectorynet-r18-motionnet-tiny',
      overrides: [...SMALL, 'data.syntheticFrames=8', 'data.frameInterval=2', 'motionnet.frames=2', 'motionnet.width=0.0625', `motionnet.pretrained=${pairwise}`],
    });
    await runTraining(strided, { outDir: await tempDir(), quiet: true, log: (m) => pairwiseLogs.push(m), maxStepsThisRun: 1 });
    expect(pairwiseLogs).toContain(`MotionNet weights from ${path.join(pairwise, 'latest.ckpt')}`);
    const wider = await pretrained(5, 0.125);
    await expect(runTraining(await joint(wider), { outDir: await tempDir(), ...quiet })).rejects.toThrow(/this MotionNet has width 0.125; the model's has motionnet.width 0.0625/);

    const matching = await pretrained(5, 0.0625);
    const logs: string[] = [];
    const out = await tempDir();
    await runTraining(await joint(matching), { outDir: out, quiet: true, log: (m) => logs.push(m), maxStepsThisRun: 1 });
    expect(logs).toContain(`MotionNet weights from ${path.join(matching, 'latest.ckpt')}`);

    // the joint run's folder holds a classifier checkpoint: not a MotionNet run to resume
    await expect(pretrainMotionNet(synthetic(), { frames: 5, height: 32, width: 32, widthMultiplier: 0.0625, steps: 2, outDir: out, resume: true })).rejects.toThrow(
      /not a pretrain-motionnet run: it holds a classifier checkpoint \(written by `trajectorynet train`\); use another folder/,
    );
  });

  it("motionnet-frozen: a pretrained pairwise MotionNet solves every pair once into a cache keyed by its checkpoint, as predictFlow gives them; a stacked one and none are refused", async () => {
    const pairwise = await pretrained(2, 0.0625);
    const frozen = (over: string[]) => resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'data.syntheticFrames=5', 'data.frameInterval=1', 'model.trajectorySource=motionnet-frozen', ...over] });
    await expect(frozen([])).rejects.toThrow(/motionnet\.pretrained.*'motionnet-frozen' computes the flows with a pretrained pairwise MotionNet/);
    const config = await frozen([`motionnet.pretrained=${pairwise}`]);
    const cacheDir = await tempDir();
    const logs: string[] = [];
    const summary = await runTraining(config, { outDir: await tempDir(), cacheDir, quiet: true, log: (m) => logs.push(m), maxStepsThisRun: 1 });
    expect(summary.flows.source).toBe('motionnet-frozen');
    // train and val: 8 + 8 clips of 5 frames, 4 pairs each
    expect(summary.flows.solves).toBe(64);
    expect(logs.some((m) => m.startsWith('MotionNet: 64 frame pairs solved into '))).toBe(true);
    const { model } = await loadMotionNet(pairwise);
    const dir = (await readdir(path.join(cacheDir, 'flows'))).map((d) => path.join(cacheDir, 'flows', d));
    expect(dir.length).toBe(1);
    // a TV-L1 cache would be another folder
    expect(dir[0]).not.toBe(flowCacheDir(cacheDir, config));
    const sample = (await loadDataset(config.data, 'train', config.train.seed)).samples[3];
    const clip = renderSyntheticClip(sample as Parameters<typeof renderSyntheticClip>[0]);
    const frame = (j: number) => ({ data: clip.frames[j], width: clip.width, height: clip.height, channels: 3 as const });
    const expected = await predictFlow(model, frame(2), frame(3));
    const cached = await readFlo(path.join(dir[0], sample.id, 'flow_00003.flo'));
    // solved in a batch of that video's pairs: the same flow up to the batch's float rounding
    const worst = Math.max(...Array.from(cached.u, (u, i) => Math.abs(u - expected.u[i])), ...Array.from(cached.v, (v, i) => Math.abs(v - expected.v[i])));
    expect(worst).toBeLessThan(1e-4);
    expect(Math.max(...Array.from(expected.u, Math.abs))).toBeGreaterThan(1e-3);
    model.dispose();
    // a second run reads them: nothing solved
    const again = await runTraining(config, { outDir: await tempDir(), cacheDir, quiet: true, log: () => {}, maxStepsThisRun: 1 });
    expect(again.flows.solves).toBe(0);
    const stacked = await pretrained(3, 0.0625);
    await expect(runTraining(await frozen([`motionnet.pretrained=${stacked}`]), { outDir: await tempDir(), cacheDir, ...quiet })).rejects.toThrow(/takes a pairwise MotionNet \(pretrained with --frames 2\); this one takes 3 frames/);
  });

  it('a joint run resumed in a folder without a checkpoint (stopped before its first) starts from the pretrained MotionNet, not a random one', async () => {
    const matching = await pretrained(5, 0.0625);
    // a learning rate too small to move the weights: after one step they are still the ones the run started from
    const config = await resolveConfig({
      preset: 'trajectorynet-r18-motionnet-tiny',
      overrides: [...SMALL, 'train.checkpointEvery=1', 'motionnet.width=0.0625', `motionnet.pretrained=${matching}`, 'optimizer.lr=1e-12', 'optimizer.weightDecay=0'],
    });
    const out = await tempDir();
    const logs: string[] = [];
    await runTraining(config, { outDir: out, quiet: true, log: (m) => logs.push(m), resume: true, maxStepsThisRun: 1 });
    expect(logs.join('\n')).toMatch(/no checkpoint in .*starting it afresh/);
    expect(logs).toContain(`MotionNet weights from ${path.join(matching, 'latest.ckpt')}`);
    const source = await loadCheckpoint(path.join(matching, 'latest.ckpt'));
    const joint = await loadCheckpoint(path.join(out, 'latest.ckpt'));
    const jointByName = new Map(joint.weights.map((w) => [w.name, w.tensor]));
    let compared = 0;
    for (const { name, tensor } of source.weights) {
      const after = jointByName.get(name);
      expect(after, name).toBeDefined();
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(tensor, after as tf.Tensor))).dataSync()[0]);
      expect(difference, name).toBeLessThan(1e-6);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(10);
    tf.dispose([...source.weights, ...joint.weights].map((w) => w.tensor));

    // resumed again, now from its checkpoint: the checkpoint's weights, no second load of the pretrained ones
    const again: string[] = [];
    await runTraining(config, { outDir: out, quiet: true, log: (m) => again.push(m), resume: true, maxStepsThisRun: 1 });
    expect(again.join('\n')).toMatch(/resuming from /);
    expect(again.some((m) => m.startsWith('MotionNet weights from'))).toBe(false);
  });

  it('motionnet.lrScale=0 (the study\'s control) keeps every MotionNet weight exactly while the classifier trains', async () => {
    const matching = await pretrained(5, 0.0625);
    const config = await resolveConfig({
      preset: 'trajectorynet-r18-motionnet-tiny',
      overrides: [...SMALL, 'train.epochs=2', 'train.checkpointEvery=1', 'motionnet.width=0.0625', `motionnet.pretrained=${matching}`, 'motionnet.lrScale=0', 'optimizer.lr=1e-2'],
    });
    const out = await tempDir();
    const weightsAfterStep = async () => {
      await runTraining(config, { outDir: out, ...quiet, resume: true, maxStepsThisRun: 1 });
      const { weights } = await loadCheckpoint(path.join(out, 'latest.ckpt'));
      return new Map(weights.map((w) => [w.name, w.tensor]));
    };
    const first = await weightsAfterStep();
    const second = await weightsAfterStep();
    const source = await loadCheckpoint(path.join(matching, 'latest.ckpt'));
    const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    for (const { name, tensor } of source.weights) {
      expect(second.get(name), name).toBeDefined();
      expect(maxDifference(tensor, second.get(name) as tf.Tensor), name).toBe(0);
    }
    // the classifier moved between the two steps: the step was not a no-op for the whole model
    const motionNetNames = new Set(source.weights.map((w) => w.name));
    const moved = [...first].filter(([name, tensor]) => !motionNetNames.has(name) && maxDifference(tensor, second.get(name) as tf.Tensor) > 0);
    expect(moved.length).toBeGreaterThan(10);
    tf.dispose([...source.weights.map((w) => w.tensor), ...first.values(), ...second.values()]);
  });

  it('extending a finished run whose rounds would change length is refused, naming the rounds to keep, instead of training nothing', async () => {
    // 1 step below the default checkpointEvery (100): one round of 1 step; 2 steps would be one round of 2
    const dir = await pretrained(2, 0.0625);
    const extend = (checkpointEvery?: number) =>
      pretrainMotionNet(synthetic(), { frames: 2, height: 32, width: 32, widthMultiplier: 0.0625, batchSize: 2, lr: 1e-3, steps: 2, checkpointEvery, outDir: dir, resume: true });
    await expect(extend()).rejects.toThrow(/this run went in rounds of 1 steps .*this one would go in rounds of 2: to extend it, give checkpointEvery 1/);
    const extended = await extend(1);
    expect(extended.state.step).toBe(2);
    extended.model.dispose();
  });
});
