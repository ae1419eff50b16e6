/** MotionNet pretraining through the training loop: sources, frame stacks, exact resumption, bad input. */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mixSeeds } from '@trajectorynet/core';
import { initBackend } from '@trajectorynet/runtime';
import { createSyntheticDataset, renderProceduralSequence } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMotionNet, loadTextureFrames, PROCEDURAL_PRETRAINING, pretrainMotionNet, proceduralStacks, sourceSamples } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(import.meta.dirname, '../../../../shared/data');

const tiny = { frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16, batchSize: 2, lr: 1e-3 };
const synthetic = () => createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 6, width: 40, height: 32 });
const tempDir = () => mkdtemp(path.join(tmpdir(), 'tjn-mn-'));

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
    const empty = await tempDir();
    await expect(sourceSamples(empty)).rejects.toThrow(new RegExp(`${empty}: no videos`));
  });
});

describe('pretrainMotionNet', () => {
  it('a run stopped after round 1 and resumed ends with the weights of an uninterrupted run', async () => {
    const whole = await pretrainMotionNet(synthetic(), { ...tiny, steps: 4, checkpointEvery: 2, seed: 3, outDir: await tempDir() });
    expect(whole.state.step).toBe(4);
    for (const h of whole.state.history) expect(Number.isFinite(h.train.loss) && h.train.loss > 0).toBe(true);

    const dir = await tempDir();
    (await pretrainMotionNet(synthetic(), { ...tiny, steps: 2, checkpointEvery: 2, seed: 3, outDir: dir })).model.dispose();
    const seen: number[] = [];
    const resumed = await pretrainMotionNet(synthetic(), { ...tiny, steps: 4, checkpointEvery: 2, seed: 3, outDir: dir, resume: true, onStep: (r) => seen.push(r.step) });
    expect(seen).toEqual([3, 4]);
    expect(resumed.state.history.map((h) => h.train.loss)).toEqual(whole.state.history.map((h) => h.train.loss));
    expect(await weightsOf(resumed.model)).toEqual(await weightsOf(whole.model));
    // the checkpoint rebuilds the same network
    const loaded = await loadMotionNet(dir);
    expect(await weightsOf(loaded.model)).toEqual(await weightsOf(whole.model));
    expect(loaded.meta.settings.frames).toBe(2);
    // the weights moved: one step from the same seed differs
    const fresh = await pretrainMotionNet(synthetic(), { ...tiny, steps: 1, seed: 3, outDir: await tempDir() });
    expect(await weightsOf(fresh.model)).not.toEqual(await weightsOf(whole.model));
    for (const m of [whole.model, resumed.model, fresh.model, loaded.model]) m.dispose();
  });

  it('leaks no tensors across steps', async () => {
    const before = tf.memory().numTensors;
    const run = await pretrainMotionNet(synthetic(), { ...tiny, steps: 3, seed: 5, outDir: await tempDir() });
    run.model.dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });

  it('trains on real videos (decoded by ffmpeg on worker threads) with a frame step, and reports the loss terms', async () => {
    const run = await pretrainMotionNet(path.join(DATA, 'videos'), { ...tiny, steps: 2, frameStep: 2, seed: 1, workers: 2, outDir: await tempDir() });
    expect(run.state.step).toBe(2);
    const train = run.state.history[0].train;
    for (const key of ['loss', 'photometric', 'ssim', 'smoothness']) expect(Number.isFinite(train[key]), key).toBe(true);
    run.model.dispose();
  });

  it('refuses bad options, a checkpoint of another architecture, and a damaged checkpoint, naming the file', async () => {
    const dir = await tempDir();
    await expect(pretrainMotionNet(synthetic(), { ...tiny, steps: 0, outDir: dir })).rejects.toThrow(/steps: must be a positive integer/);
    await expect(pretrainMotionNet(synthetic(), { ...tiny, steps: 1, lr: Number.NaN, outDir: dir })).rejects.toThrow(/lr: must be positive/);
    await expect(pretrainMotionNet(synthetic(), { ...tiny, steps: 1, height: 48, outDir: dir })).rejects.toThrow(/height: must be a positive multiple of 32/);
    (await pretrainMotionNet(synthetic(), { ...tiny, steps: 1, outDir: dir })).model.dispose();
    await expect(pretrainMotionNet(synthetic(), { ...tiny, widthMultiplier: 1 / 8, steps: 2, outDir: dir, resume: true })).rejects.toThrow(/the checkpoint is of another run/);
    const damaged = await tempDir();
    await mkdir(damaged, { recursive: true });
    await writeFile(path.join(damaged, 'latest.ckpt'), 'not a checkpoint');
    const error = await pretrainMotionNet(synthetic(), { ...tiny, steps: 2, outDir: damaged, resume: true }).catch((e) => e);
    expect(error.code).toBe('BAD_CHECKPOINT');
    expect(error.path).toBe(path.join(damaged, 'latest.ckpt'));
  });
});

describe('procedural source', () => {
  it('textures: evenly spaced frames of each video and frame folder, every image; a bad path is named', async () => {
    const frames = await loadTextureFrames([path.join(DATA, 'videos', 'part_0.mp4'), path.join(DATA, 'rawframes')], 4);
    expect(frames).toHaveLength(8);
    expect([frames[0].width, frames[0].height, frames[0].data.length]).toEqual([340, 256, 340 * 256 * 3]);
    const images = await loadTextureFrames([path.join(DATA, 'flow', 'flyingchairs', '0000000-img0.ppm')]);
    expect([images[0].width, images[0].height]).toEqual([512, 384]);
    await expect(loadTextureFrames(['/no/such/texture'])).rejects.toThrow(/\/no\/such\/texture: no such file/);
  });

  it('stack i of a round is the generator sequence of (seed, round, i), in 0..1, batch-major', () => {
    const s = { frames: 3, height: 32, width: 32, batchSize: 2, seed: 4 };
    const [first, second] = [...proceduralStacks({ kind: 'procedural' }, s, 5, 2, 2)];
    expect(first.shape).toEqual([2, 3, 32, 32, 3]);
    // the second batch's first stack is position 2 + 2 of round 5
    const expected = renderProceduralSequence({ width: 32, height: 32, frames: 3 }, mixSeeds(4, 'procedural', 5, 4));
    const frame = 32 * 32 * 3;
    for (let t = 0; t < 3; t++) for (let i = 0; i < frame; i += 37) expect(second.data[t * frame + i]).toBeCloseTo(expected.frames[t][i] / 255, 6);
    expect(Array.from(first.data.subarray(0, 50))).not.toEqual(Array.from(second.data.subarray(0, 50)));
  });

  it('pretrains from the generator and resumes exactly; the recipe uses it', async () => {
    const source = { kind: 'procedural' as const, options: { layers: [1, 2] as [number, number] } };
    const whole = await pretrainMotionNet(source, { ...tiny, steps: 4, checkpointEvery: 2, seed: 2, outDir: await tempDir() });
    const dir = await tempDir();
    (await pretrainMotionNet(source, { ...tiny, steps: 2, checkpointEvery: 2, seed: 2, outDir: dir })).model.dispose();
    const resumed = await pretrainMotionNet(source, { ...tiny, steps: 4, checkpointEvery: 2, seed: 2, outDir: dir, resume: true });
    expect(resumed.state.history.map((h) => h.train.loss)).toEqual(whole.state.history.map((h) => h.train.loss));
    expect(await weightsOf(resumed.model)).toEqual(await weightsOf(whole.model));
    for (const m of [whole.model, resumed.model]) m.dispose();
    expect(PROCEDURAL_PRETRAINING.options.frames).toBe(2);
  });

  it('supervisedFrom: the unsupervised loss before it, the true flow from it on, the rate decayed at the given steps; resumes exactly across the switch', async () => {
    const source = { kind: 'procedural' as const, options: { layers: [1, 2] as [number, number] } };
    const options = { ...tiny, steps: 4, checkpointEvery: 2, seed: 3, supervisedFrom: 2, lrDecay: { at: [2], factor: 0.5 } };
    const rates: number[] = [];
    const whole = await pretrainMotionNet(source, { ...options, outDir: await tempDir(), onStep: (r) => rates.push(r.lr) });
    const [first, second] = whole.state.history.map((h) => h.train);
    expect([first.photometric > 0, first.epe, second.epe > 0, second.photometric]).toEqual([true, undefined, true, undefined]);
    expect(rates).toEqual([1e-3, 1e-3, 5e-4, 5e-4]);
    expect(whole.state.meta.settings.supervisedFrom).toBe(2);
    // an unsupervised run of 2 steps, resumed to 4 with the switch at 2: the same run, and its checkpoint records the switch
    const dir = await tempDir();
    (await pretrainMotionNet(source, { ...options, steps: 2, supervisedFrom: undefined, outDir: dir })).model.dispose();
    const resumed = await pretrainMotionNet(source, { ...options, outDir: dir, resume: true });
    expect(resumed.state.history.map((h) => h.train)).toEqual(whole.state.history.map((h) => h.train));
    const saved = await loadMotionNet(dir);
    expect(saved.meta.settings.supervisedFrom).toBe(2);
    saved.model.dispose();
    expect(await weightsOf(resumed.model)).toEqual(await weightsOf(whole.model));
    // supervisedOptions: the supervised rounds draw from their own generator settings, the unsupervised ones do not
    const still = { layers: [0, 0] as [number, number], background: { translation: 0, rotation: 0, zoom: 0 } };
    const other = await pretrainMotionNet({ ...source, supervisedOptions: still }, { ...options, outDir: await tempDir() });
    const [otherFirst, otherSecond] = other.state.history.map((h) => h.train);
    expect(otherFirst).toEqual(first);
    expect(otherSecond.epe).not.toBe(second.epe);
    for (const m of [whole.model, resumed.model, other.model]) m.dispose();
    const refused = async (extra: object, source_: Parameters<typeof pretrainMotionNet>[0] = source) => {
      const error = await pretrainMotionNet(source_, { ...options, ...extra, outDir: await tempDir() }).catch((e) => e);
      return [error.code, error.path];
    };
    expect(await refused({ supervisedFrom: 3 })).toEqual(['BAD_CONFIG', 'supervisedFrom']);
    expect(await refused({ supervisedFrom: 6 })).toEqual(['BAD_CONFIG', 'supervisedFrom']);
    expect(await refused({ supervision: 'flow' })).toEqual(['BAD_CONFIG', 'supervisedFrom']);
    expect(await refused({}, synthetic())).toEqual(['BAD_CONFIG', 'supervisedFrom']);
    expect(await refused({ lrDecay: { at: [0], factor: 0.5 } })).toEqual(['BAD_CONFIG', 'lrDecay']);
  });

  it("supervision 'flow' trains on the generator's true flow (reported as epe); other sources are refused", async () => {
    const run = await pretrainMotionNet({ kind: 'procedural' }, { ...tiny, steps: 2, seed: 1, supervision: 'flow', outDir: await tempDir() });
    const train = run.state.history[0].train;
    expect(Number.isFinite(train.epe) && train.epe > 0 && train.loss > train.epe).toBe(true);
    expect(run.state.meta.settings.supervision).toBe('flow');
    run.model.dispose();
    const error = await pretrainMotionNet(synthetic(), { ...tiny, steps: 1, supervision: 'flow', outDir: await tempDir() }).catch((e) => e);
    expect([error.code, error.path]).toEqual(['BAD_CONFIG', 'supervision']);
  });
});

describe('a pretraining run folder', () => {
  it('config.json and run.log from the start, a record per step with time and memory, curves.svg; a resume says where it continues', async () => {
    const dir = await tempDir();
    const logs: string[] = [];
    (await pretrainMotionNet(synthetic(), { ...tiny, steps: 2, checkpointEvery: 1, seed: 3, outDir: dir, command: 'pretrain (test)' })).model.dispose();
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect([config.source, config.steps, config.frames, config.seed, config.height]).toEqual(['a dataset of 8 samples', 2, 2, 3, 32]);
    const log = await readFile(path.join(dir, 'run.log'), 'utf8');
    expect(log).toMatch(/Z started: pretrain \(test\)/);
    expect(log).toMatch(/backend \w+, seed 3/);
    expect(log).toMatch(/round 2 \[1\/1\] step 2, loss [\d.]+, photometric [\d.]+, ssim [\d.]+, smoothness [\d.]+, lr [\d.e+-]+, time [\d.]+s, data [\d.]+s, rss [\d.]+ MB/);
    expect(await readFile(path.join(dir, 'curves.svg'), 'utf8')).toMatch(/<path d="M/);
    (await pretrainMotionNet(synthetic(), { ...tiny, steps: 3, checkpointEvery: 1, seed: 3, outDir: dir, resume: true, log: (m) => logs.push(m) })).model.dispose();
    expect(logs).toContain(`resuming from ${path.join(dir, 'latest.ckpt')}: round 3, step 2 of 3 steps (3 rounds x 1), 0 of this round's 1 done`);
  });

  it("resuming into a folder of another kind of run is refused without replacing that run's config.json", async () => {
    const dir = await tempDir();
    (await pretrainMotionNet(synthetic(), { ...tiny, steps: 1, checkpointEvery: 1, seed: 3, outDir: dir })).model.dispose();
    const before = await readFile(path.join(dir, 'config.json'), 'utf8');
    const error = await pretrainMotionNet(synthetic(), { ...tiny, frames: 3, steps: 2, checkpointEvery: 1, seed: 3, outDir: dir, resume: true }).catch((e) => e);
    expect(error.code).toBe('BAD_CHECKPOINT');
    expect(await readFile(path.join(dir, 'config.json'), 'utf8')).toBe(before);
  });
});
