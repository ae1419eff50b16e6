/**
 * The trainer on the real packages, small: train -> eval -> predict through the
 * built CLI, exact resume of a TrajectoryNet run, and clear errors.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { loadCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import type { RunState } from '../src/train/loop.js';
import { runTraining } from '../src/run.js';
import { createMotionNet } from '@trajectorynet/motionnet';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' } });

describe('trainer end to end', () => {
  it('train -> eval -> predict through the CLI', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-e2e-'));
    const sets = [...SMALL, 'train.epochs=2'].flatMap((s) => ['--set', s]);
    const train = cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets, '--out', out]);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/best val top-1 \d+\.\d%/);
    const metrics = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.kind === 'epoch')).toHaveLength(2);
    expect(await readFile(path.join(out, 'curves.svg'), 'utf8')).toContain('<svg');

    const evaluation = cli(['eval', '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    const report = JSON.parse(evaluation.stdout);
    expect(report.clips).toBe(8);
    expect(report.confusion).toHaveLength(8);
    expect(await readFile(path.join(out, 'confusion.csv'), 'utf8')).toContain('right clockwise');

    const predict = cli(['predict', path.join(DATA, 'videos/test.mp4'), '--checkpoint', path.join(out, 'best.ckpt'), '--json', '--top', '3']);
    expect(predict.status, predict.stderr).toBe(0);
    const predictions = JSON.parse(predict.stdout).predictions;
    expect(predictions).toHaveLength(3);
    expect(predictions[0].score).toBeGreaterThanOrEqual(predictions[1].score);

    const folder = cli(['predict', path.join(DATA, 'rawframes'), '--checkpoint', path.join(out, 'best.ckpt')]);
    expect(folder.status, folder.stderr).toBe(0);
  });

  it('train -> eval -> predict on an mmaction list file made from the shared videos', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-list-'));
    const list = path.join(out, 'videos.txt');
    await writeFile(list, 'videos/test.mp4 0\nvideos/part_0.mp4 1\nvideos/test.avi 2\nvideos/part_0.mp4 1\n');
    const sets = [...SMALL, 'train.epochs=1', 'data.kind=list', `data.trainList=${list}`, `data.valList=${list}`, `data.root=${DATA}`, 'train.batchSize=2'].flatMap((s) => ['--set', s]);
    const train = cli(['train', '--preset', 's3d-r18-tiny', ...sets, '--out', out]);
    expect(train.status, train.stderr).toBe(0);
    const evaluation = cli(['eval', '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout).clips).toBe(4);
    // 2 clips x 3 crops per video, averaged per video
    const multiView = cli(['eval', '--checkpoint', path.join(out, 'best.ckpt'), '--set', 'eval.clips=2', '--set', 'eval.crops=3', '--json']);
    expect(multiView.status, multiView.stderr).toBe(0);
    expect(JSON.parse(multiView.stdout)).toMatchObject({ clips: 4, views: 24 });
    const predict = cli(['predict', path.join(DATA, 'videos/test.avi'), '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(predict.status, predict.stderr).toBe(0);
    expect(JSON.parse(predict.stdout).predictions.map((p: { label: string }) => p.label).sort()).toEqual(['0', '1', '2']);
  });

  it('resume after a stop mid-epoch reaches the weights of an uninterrupted run (TrajectoryNet, TV-L1 flows)', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'train.epochs=2', 'train.checkpointEvery=1'] });
    const straight = await mkdtemp(path.join(tmpdir(), 'tjn-resume-'));
    const resumed = await mkdtemp(path.join(tmpdir(), 'tjn-resume-'));
    const cacheDir = path.join(straight, 'cache');
    await runTraining(config, { outDir: straight, cacheDir, quiet: true, log: () => {} });
    await runTraining(config, { outDir: resumed, cacheDir, quiet: true, log: () => {}, maxStepsThisRun: 3 }); // stopped in epoch 2 (2 steps per epoch)
    await runTraining(config, { outDir: resumed, cacheDir, quiet: true, log: () => {}, resume: true });
    const a = await loadCheckpoint<RunState>(path.join(straight, 'latest.ckpt'));
    const b = await loadCheckpoint<RunState>(path.join(resumed, 'latest.ckpt'));
    expect(b.state.step).toBe(a.state.step);
    for (const [i, w] of a.weights.entries()) expect(Array.from(await b.weights[i].tensor.data()), w.name).toEqual(Array.from(await w.tensor.data()));
  });

  it('TrajectoryNet with MotionNet trajectories trains jointly, and the classification loss reaches MotionNet', async () => {
    const config = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-motion-tiny', overrides: [...SMALL, 'train.epochs=1', 'motionnet.width=0.0625', 'motionnet.lossWeight=0', 'optimizer.weightDecay=0'] });
    // lossWeight 0 and no weight decay: MotionNet can only move through the classification loss
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-motionnet-'));
    const summary = await runTraining(config, { outDir: out, quiet: true, log: () => {} });
    expect(summary.state.step).toBe(2);
    expect(summary.best).not.toBeNull();
    const saved = await loadCheckpoint<RunState>(path.join(out, 'latest.ckpt'));
    // MotionNet's weights are part of the checkpoint and moved during training
    const flowWeight = saved.weights.find((w) => w.name === 'conv1/kernel');
    expect(flowWeight).toBeDefined();
    const fresh = withSeededRandom(`${config.train.seed}:motionnet`, () => createMotionNet({ frames: 4, height: 32, width: 32, widthMultiplier: 0.0625 }));
    const initial = await fresh.getLayer('conv1').getWeights()[0].data();
    const trained = await (flowWeight as { tensor: { data(): Promise<Float32Array> } }).tensor.data();
    expect(Math.max(...Array.from(trained, (v, i) => Math.abs(v - initial[i])))).toBeGreaterThan(1e-6);
    const predict = cli(['predict', path.join(DATA, 'videos/part_0.mp4'), '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(predict.status, predict.stderr).toBe(0);
  });

  it('pretrain-motionnet on the shared videos resumes when run again, and its checkpoint starts the joint model', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-pretrain-'));
    const args = (steps: number) => ['pretrain-motionnet', path.join(DATA, 'videos'), '--out', out, '--steps', String(steps), '--frames', '4', '--size', '32', '--width', '0.0625', '--batch', '2', '--lr', '1e-3', '--checkpoint-every', '1'];
    const first = cli(args(2));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('2 steps');
    const again = cli(args(3));
    expect(again.status, again.stderr).toBe(0);
    const history = (await readFile(path.join(out, 'history.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(history.map((h) => h.step)).toEqual([1, 2, 3]);
    expect(await readFile(path.join(out, 'loss.svg'), 'utf8')).toContain('<svg');
    const checkpoint = path.join(out, 'motionnet.ckpt');

    // a joint run from that checkpoint, one step at a negligible rate: MotionNet's weights are the pretrained ones
    const config = await resolveConfig({
      preset: 'trajectorynet-r18-motionnet-tiny',
      overrides: [...SMALL, 'train.epochs=1', 'data.trainClipsPerClass=1', 'motionnet.width=0.0625', `motionnet.pretrained=${checkpoint}`, 'optimizer.lr=1e-12', 'optimizer.weightDecay=0', 'schedule.warmupSteps=0'],
    });
    const logs: string[] = [];
    const run = path.join(out, 'joint');
    await runTraining(config, { outDir: run, quiet: true, log: (m) => logs.push(m) });
    expect(logs.join('\n')).toContain(`MotionNet weights from ${checkpoint}`);
    const pretrained = (await loadCheckpoint(checkpoint)).weights.find((w) => w.name === 'conv1/kernel');
    const joint = (await loadCheckpoint<RunState>(path.join(run, 'latest.ckpt'))).weights.find((w) => w.name === 'conv1/kernel');
    const [a, b] = await Promise.all([pretrained, joint].map((w) => (w as { tensor: { data(): Promise<Float32Array> } }).tensor.data()));
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6);

    // a checkpoint for another clip length is refused with the weight that does not fit (the size does not matter: all convolutions)
    const wrong = cli(['train', '--preset', 'trajectorynet-r18-motionnet-tiny', ...SMALL.flatMap((x) => ['--set', x]), '--set', 'data.frames=8', '--set', 'motionnet.width=0.0625', '--set', `motionnet.pretrained=${checkpoint}`, '--out', path.join(out, 'bad')]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/motionnet.pretrained: .*motionnet.ckpt: weight '.*' has shape/);
    const noSource = cli(['pretrain-motionnet', '/no/such/videos', '--out', path.join(out, 'x')]);
    expect(noSource.status).toBe(2);
    expect(noSource.stderr).toContain('/no/such/videos');
  });

  it('bad input: unknown preset, bad key, damaged checkpoint, missing data; non-zero exits with the reason', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-bad-'));
    const unknown = cli(['train', '--preset', 'nope', '--out', dir]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown preset 'nope'");
    const badKey = cli(['train', '--preset', 's3d-r18-tiny', '--set', 'train.epoch=3', '--out', dir]);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain('train.epoch');
    const damaged = path.join(dir, 'bad.ckpt');
    await writeFile(damaged, 'TJNCKPT1garbage');
    const load = cli(['predict', path.join(DATA, 'videos/test.mp4'), '--checkpoint', damaged]);
    expect(load.status).toBe(4);
    expect(load.stderr).toContain(damaged);
    const missing = cli(['train', '--preset', 's3d-r18-tiny', '--set', 'data.kind=list', '--set', 'data.trainList=/nonexistent/train.txt', '--out', dir]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('/nonexistent/train.txt');
  });

  it('--help on every command, with examples', () => {
    for (const command of ['demo', 'train', 'eval', 'predict', 'extract-flow', 'pretrain-motionnet', 'info']) {
      const help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
      expect(help, command).toContain('Examples:');
    }
  });
});
