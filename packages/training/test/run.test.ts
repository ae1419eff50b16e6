/**
 * Classification runs on the real packages, small: where trajectories come
 * from (and how many TV-L1 solves that costs), exact resume of a TrajectoryNet
 * run, joint MotionNet training, transfer from a checkpoint of other classes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { createMotionNet } from '@trajectorynet/motionnet';
import { loadCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import { extractFlow } from '@trajectorynet/tvl1-flow';
import { createSyntheticDataset, flowFolderOf, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import { describe, expect, it } from 'vitest';
import { flowCacheDir, parseMetrics, type RunState, resolveConfig, runTraining } from '../src/index.js';

const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.logEvery=1'];
const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `tjn-${name}-`));
const quiet = { quiet: true, log: () => {} };
const epochRecords = async (dir: string) => parseMetrics(await readFile(path.join(dir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl').filter((r) => r.kind === 'epoch');

describe('where trajectories come from', () => {
  it('TV-L1 without a flow folder: solved once into the cache, then read; a second run solves nothing', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'train.epochs=2'] });
    const cacheDir = await tempDir('cache');
    const first = await tempDir('tvl1');
    const summary = await runTraining(config, { outDir: first, cacheDir, ...quiet });
    // 8 train + 8 val clips of 4 frames: 3 pairs each
    expect(summary.flows).toEqual({ source: 'tvl1', solves: 16 * 3 });
    const epochs = await epochRecords(first);
    expect(epochs.map((e) => [e.flowSource, e.tvl1Solves])).toEqual([
      ['tvl1', 48],
      ['tvl1', 0],
    ]);
    const again = await runTraining(config, { outDir: await tempDir('tvl1'), cacheDir, ...quiet });
    expect(again.flows.solves).toBe(0);
    expect(existsSync(path.join(flowCacheDir(cacheDir, config), 'train', '00000', 'flow_00001.flo'))).toBe(true);
  });

  it('precomputed flows (data.flowDir) on a list dataset: zero TV-L1 solves; a missing folder is named', async () => {
    // a frame-folder dataset written from synthetic clips, and its flows extracted as extract-flow does
    const root = await tempDir('frames');
    const flowDir = path.join(root, 'flows');
    const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 6, width: 48, height: 40, seed: 2 });
    const lines: string[] = [];
    for (const sample of samples.slice(0, 4)) {
      const clip = renderSyntheticClip(sample);
      const name = `clip${sample.label}`;
      for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(root, name, `img_${String(i + 1).padStart(5, '0')}.png`), { data, width: 48, height: 40 });
      await extractFlow(path.join(root, name), path.join(flowDir, name), { template: 'img_{:05d}.png', workers: 1 });
      lines.push(`${name} 6 ${sample.label}`);
    }
    const list = path.join(root, 'list.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(list, `${lines.join('\n')}\n`));
    const overrides = [...SMALL, 'train.epochs=1', 'data.kind=list', `data.trainList=${list}`, `data.valList=${list}`, `data.root=${root}`, `data.flowDir=${flowDir}`, 'data.frameInterval=1', 'data.resizeShorter=40'];
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides });
    const out = await tempDir('pre');
    const summary = await runTraining(config, { outDir: out, cacheDir: await tempDir('nocache'), ...quiet });
    expect(summary.flows).toEqual({ source: 'precomputed', solves: 0 });
    expect((await epochRecords(out)).map((e) => [e.flowSource, e.tvl1Solves])).toEqual([['precomputed', 0]]);

    const partial = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...overrides.filter((o) => !o.startsWith('data.flowDir')), `data.flowDir=${path.join(root, 'elsewhere')}`] });
    const error = await runTraining(partial, { outDir: await tempDir('pre'), ...quiet }).catch((e) => e);
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toMatch(/4 of 8 videos have no flow folder|8 of 8 videos have no flow folder/);
    expect(error.message).toContain(flowFolderOf(path.join(root, 'elsewhere'), { id: 'clip0' } as never));
  });

  it('ground truth (the oracle) reads the generator motion: no flows solved', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'train.epochs=1', 'model.trajectorySource=groundtruth'] });
    const summary = await runTraining(config, { outDir: await tempDir('gt'), ...quiet });
    expect(summary.flows).toEqual({ source: 'groundtruth', solves: 0 });
  });

  it('the same batches (frames and flows) whatever the number of loader threads', async () => {
    const base = [...SMALL, 'train.epochs=1', 'model.trajectorySource=groundtruth', 'model.dropout=0'];
    const cacheDir = await tempDir('cache');
    const [a, b] = await Promise.all(
      [0, 2].map(async (workers) => {
        const out = await tempDir('workers');
        await runTraining(await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...base, `data.workers=${workers}`] }), { outDir: out, cacheDir, ...quiet });
        return loadCheckpoint(path.join(out, 'latest.ckpt'));
      }),
    );
    for (const [i, w] of a.weights.entries()) expect(Array.from(await b.weights[i].tensor.data()), w.name).toEqual(Array.from(await w.tensor.data()));
  });
});

describe('runs', () => {
  it('resume after a stop mid-epoch reaches the weights of an uninterrupted run (TrajectoryNet, TV-L1 flows)', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'train.epochs=2', 'train.checkpointEvery=1'] });
    const straight = await tempDir('resume');
    const resumed = await tempDir('resume');
    const cacheDir = path.join(straight, 'cache');
    await runTraining(config, { outDir: straight, cacheDir, ...quiet });
    await runTraining(config, { outDir: resumed, cacheDir, ...quiet, maxStepsThisRun: 3 }); // stopped in epoch 2 (2 steps per epoch)
    await runTraining(config, { outDir: resumed, cacheDir, ...quiet, resume: true });
    const a = await loadCheckpoint<RunState<unknown>>(path.join(straight, 'latest.ckpt'));
    const b = await loadCheckpoint<RunState<unknown>>(path.join(resumed, 'latest.ckpt'));
    expect(b.state.step).toBe(a.state.step);
    for (const [i, w] of a.weights.entries()) expect(Array.from(await b.weights[i].tensor.data()), w.name).toEqual(Array.from(await w.tensor.data()));
  });

  it('TrajectoryNet with MotionNet trajectories trains jointly, and the classification loss alone moves MotionNet', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-motion-tiny', overrides: [...SMALL, 'train.epochs=1', 'motionnet.width=0.0625', 'motionnet.lossWeight=0', 'optimizer.weightDecay=0'] });
    const out = await tempDir('motionnet');
    const summary = await runTraining(config, { outDir: out, ...quiet });
    expect(summary.state.step).toBe(2);
    expect(summary.flows.source).toBe('motionnet');
    const saved = await loadCheckpoint(path.join(out, 'latest.ckpt'));
    const flowWeight = saved.weights.find((w) => w.name === 'conv1/kernel');
    expect(flowWeight).toBeDefined();
    // MotionNet-(T+1): 5 frames for 4-frame clips
    const fresh = withSeededRandom([config.train.seed, 'motionnet'], () => createMotionNet({ frames: 5, height: 32, width: 32, widthMultiplier: 0.0625 }));
    const initial = await fresh.getLayer('conv1').getWeights()[0].data();
    const trained = await (flowWeight as { tensor: tf.Tensor }).tensor.data();
    expect(trained.length).toBe(initial.length);
    expect(Math.max(...Array.from(trained, (v, i) => Math.abs(v - initial[i])))).toBeGreaterThan(1e-6);
    fresh.dispose();
  });

  it('--init-from: a checkpoint of 8 classes starts a run of 5 classes (backbone copied, head new)', async () => {
    const source = await tempDir('source');
    await runTraining(await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=1'] }), { outDir: source, ...quiet });
    const root = await tempDir('five');
    const list = path.join(root, 'list.txt');
    const { samples } = createSyntheticDataset({ split: 'val', clipsPerClass: 1, frames: 6, width: 40, height: 40, seed: 4 });
    const lines: string[] = [];
    for (const sample of samples.slice(0, 5)) {
      const clip = renderSyntheticClip(sample);
      for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(root, `v${sample.label}`, `img_${String(i + 1).padStart(5, '0')}.jpg`), { data, width: 40, height: 40 });
      lines.push(`v${sample.label} 6 ${sample.label % 5}`);
    }
    await import('node:fs/promises').then((fs) => fs.writeFile(list, `${lines.join('\n')}\n`));
    const logs: string[] = [];
    const config = await resolveConfig({
      preset: 's3d-r18-tiny',
      overrides: [...SMALL, 'train.epochs=1', 'train.batchSize=2', 'data.kind=list', `data.trainList=${list}`, `data.valList=${list}`, `data.root=${root}`, `train.initFrom=${path.join(source, 'best.ckpt')}`, 'optimizer.lr=1e-12', 'optimizer.weightDecay=0', 'schedule.warmupSteps=0', 'model.dropout=0'],
    });
    const out = await tempDir('transfer');
    await runTraining(config, { outDir: out, ...quiet, log: (m) => logs.push(m) });
    const message = logs.find((l) => l.startsWith('init from'));
    expect(message).toMatch(/weights loaded, 2 kept as initialised \(fc\/kernel: shape \[\d+,8\] there, \[\d+,5\] here/);
    const [a, b] = await Promise.all([path.join(source, 'best.ckpt'), path.join(out, 'latest.ckpt')].map((f) => loadCheckpoint(f)));
    const stem = (c: typeof a) => c.weights.find((w) => w.name === 'stem_conv/kernel')?.tensor.data();
    const [sa, sb] = await Promise.all([stem(a), stem(b)]);
    // an (almost) zero learning rate: the backbone is the source's
    expect(Math.max(...Array.from(sa as Float32Array, (v, i) => Math.abs(v - (sb as Float32Array)[i])))).toBeLessThan(1e-6);
  });
});


describe('a run folder as it goes (mmengine conventions)', () => {
  const readLog = (dir: string) => readFile(path.join(dir, 'run.log'), 'utf8');
  const stepRecords = async (dir: string) => parseMetrics(await readFile(path.join(dir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl').filter((r) => r.kind === 'step');

  it('config.json, run.log and curves.svg from the first step; records with time, step and data time, memory', async () => {
    const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=2'] });
    const out = await tempDir('monitor');
    const logs: string[] = [];
    await runTraining(config, { outDir: out, quiet: true, log: (m) => logs.push(m), maxStepsThisRun: 1, command: 'trajectorynet train (test)' }); // killed after step 1
    expect(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(config)));
    const log = await readLog(out);
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z started: trajectorynet train \(test\)/);
    expect(log).toMatch(/backend (wasm|cpu|tensorflow), seed 1/);
    expect(logs.some((l) => /^backend \w+, seed 1/.test(l))).toBe(true);
    expect(log).toMatch(/epoch 1 \[1\/2\] step 1, loss \d\.\d{4}, top1 [\d.]+%, lr [\d.e+-]+, time [\d.]+s, data [\d.]+s, rss [\d.]+ MB, tf [\d.]+ MB \(\d+ tensors\)/);
    expect(await readFile(path.join(out, 'curves.svg'), 'utf8')).toMatch(/<path d="M/);
    const [record] = await stepRecords(out);
    expect(Date.parse(record.time as string)).toBeGreaterThan(Date.now() - 600_000);
    expect(record.stepSeconds).toBeGreaterThan(0);
    expect(record.dataSeconds).toBeGreaterThanOrEqual(0);
    expect(record.dataSeconds).toBeLessThanOrEqual(record.stepSeconds as number);
    expect((record.memory as { rss: number }).rss).toBeGreaterThan(1e6);
    expect((record.memory as { tfBytes: number }).tfBytes).toBeGreaterThan(0);
  });

  it('a run stopped before its first checkpoint says so when resumed; a resumed run says where it continues from', async () => {
    const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=2'] });
    const out = await tempDir('restart');
    await runTraining(config, { outDir: out, ...quiet, maxStepsThisRun: 1 });
    const logs: string[] = [];
    await runTraining(config, { outDir: out, quiet: true, log: (m) => logs.push(m), resume: true, maxStepsThisRun: 3 });
    expect(logs).toContain(`no checkpoint in ${out} (the run was stopped before its first one): starting it afresh, 4 steps (2 epochs x 2)`);
    logs.length = 0;
    await runTraining(config, { outDir: out, quiet: true, log: (m) => logs.push(m), resume: true });
    expect(logs).toContain(`resuming from ${path.join(out, 'latest.ckpt')}: epoch 2, step 2 of 4 steps (2 epochs x 2), 0 of this epoch's 2 done`);
    logs.length = 0;
    await runTraining(config, { outDir: out, quiet: true, log: (m) => logs.push(m), resume: true });
    expect(logs).toContain(`${path.join(out, 'latest.ckpt')} ends the run (epoch 2 of 2, step 4): nothing to train (raise the number of epochs to extend it)`);
    const log = await readLog(out);
    expect(log.match(/Z started\b/g)).toHaveLength(1);
    expect(log.match(/Z resumed\b/g)).toHaveLength(3);
  });

  it('a joint loss is logged by its terms (cross-entropy and MotionNet), which add up to it', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny', overrides: [...SMALL, 'train.epochs=1', 'motionnet.width=0.0625'] });
    const out = await tempDir('terms');
    await runTraining(config, { outDir: out, ...quiet });
    for (const r of await stepRecords(out)) {
      const { loss_cls, loss_motionnet } = r.losses as Record<string, number>;
      expect(loss_cls).toBeGreaterThan(0);
      expect(loss_motionnet).toBeGreaterThan(0);
      expect(loss_cls + loss_motionnet).toBeCloseTo(r.loss as number, 4);
    }
    const [epoch] = await epochRecords(out);
    expect(epoch.train.loss_cls + epoch.train.loss_motionnet).toBeCloseTo(epoch.train.loss, 4);
  });

  it('small data: a batch larger than the training set names both; a warm-up longer than the run is a warning in run.log', async () => {
    const big = await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.batchSize=16'] });
    const error = await runTraining(big, { outDir: await tempDir('small'), ...quiet }).catch((e) => e);
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toContain('the training set has 8 videos, fewer than train.batchSize (16)');
    const long = await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=1', 'schedule.warmupSteps=50'] });
    const out = await tempDir('warmup');
    await runTraining(long, { outDir: out, ...quiet });
    expect(await readLog(out)).toContain('warning: schedule.warmupSteps (50) is longer than the run (2 steps: 1 epochs x 2)');
  });

  it('train.keep: the last N epoch checkpoints; the best checkpoint report names its epoch; resumeFrom an epoch checkpoint in another folder ends where the run did', async () => {
    const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=3', 'train.keep=2', 'model.dropout=0'] });
    const out = await tempDir('keep');
    const summary = await runTraining(config, { outDir: out, ...quiet });
    expect(existsSync(path.join(out, 'epoch_1.ckpt'))).toBe(false);
    expect(existsSync(path.join(out, 'epoch_2.ckpt'))).toBe(true);
    expect(existsSync(path.join(out, 'epoch_3.ckpt'))).toBe(true);
    const evaluation = JSON.parse(await readFile(path.join(out, 'eval.json'), 'utf8'));
    expect(evaluation.epoch).toBe(summary.state.best?.epoch);
    expect(evaluation.epoch).toBeGreaterThanOrEqual(1);

    const again = await tempDir('resume-from');
    const logs: string[] = [];
    await runTraining(config, { outDir: again, quiet: true, log: (m) => logs.push(m), resumeFrom: path.join(out, 'epoch_2.ckpt') });
    expect(logs.some((l) => l.startsWith(`resuming from ${path.join(out, 'epoch_2.ckpt')}: epoch 3, step 4`))).toBe(true);
    const [a, b] = await Promise.all([out, again].map((dir) => loadCheckpoint<RunState<unknown>>(path.join(dir, 'latest.ckpt'))));
    expect(b.state.step).toBe(a.state.step);
    for (const [i, w] of a.weights.entries()) expect(Array.from(await b.weights[i].tensor.data()), w.name).toEqual(Array.from(await w.tensor.data()));
  });
});
