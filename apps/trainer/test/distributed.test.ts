/**
 * `trajectorynet train --nproc-per-node 2` on the synthetic set: a rank
 * killed with SIGKILL mid-run stops the group, the survivor says which
 * collective lost its peer, the launcher names the dead rank, exit code 7.
 * With --max-restarts 1, the group restarts from the last checkpoint and ends
 * with the weights of an uninterrupted run; a second kill ends it with code 7.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { distributedAvailability } from '@trajectorynet/distributed';
import { loadCheckpoint } from '@trajectorynet/runtime';
import { describe, expect, it } from 'vitest';
import { restartArguments } from '../src/launch.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=2', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];
const availability = distributedAvailability();
if (!availability.ok) console.warn(`[trainer] distributed tests skipped: ${availability.reason}`);

/** The pid of the process whose environment has RANK=<rank> and whose command line mentions `marker`. */
function rankPid(marker: string, rank: number, not?: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === not) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

describe.skipIf(!availability.ok)('trajectorynet train --nproc-per-node', () => {
  it('a rank killed mid-run stops the group with one line naming it (exit code 7)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-nproc-'));
    const sets = [...SMALL, 'train.epochs=30'].flatMap((s) => ['--set', s]);
    const child = spawn(process.execPath, [CLI, 'train', '--preset', 'trajectorynet-r18-tiny', ...sets, '--out', out, '--quiet', '--nproc-per-node', '2', '--dist-timeout', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // wait for the first logged step, then kill rank 1
    const metrics = path.join(out, 'metrics.jsonl');
    for (let i = 0; i < 200 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step"')); i++) await new Promise((r) => setTimeout(r, 1000));
    const pid = rankPid(out, 1);
    expect(pid).not.toBeNull();
    const killedAt = Date.now();
    process.kill(pid as number, 'SIGKILL');
    const code = await exited;
    expect(code).toBe(7);
    // well within the 60 s timeout: Gloo sees the closed connection
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    const lines = stderr.trim().split('\n');
    // which collective and which socket error the survivor sees depends on where it was when the peer died:
    // Gloo's 'Connection closed by peer' on a read, 'Connection reset by peer' or 'Broken pipe' on a write
    expect(lines.at(-2)).toMatch(
      /^trajectorynet: rank 0: lost another rank during collective #\d+ \((allreduce of \d+ floats|broadcast of \d+ floats from rank 0)\): .*(Connection closed by peer|Connection reset by peer|Broken pipe|Connection refused)/,
    );
    expect(lines.at(-1)).toBe('trajectorynet train: rank 1 of 2 was killed by SIGKILL; the group stopped');
  });
});

/** `trajectorynet train ... --nproc-per-node 2` in the background: its exit code and stderr (`log`: stderr so far). */
function launch(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--quiet', '--nproc-per-node', '2', '--dist-timeout', '60'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return Object.assign(exited, { log: () => stderr });
}

/** Waits until `check` holds (polling every 100 ms), up to `seconds`. */
async function until(check: () => boolean, seconds: number, what = ''): Promise<void> {
  for (let i = 0; i < seconds * 10 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(check(), what).toBe(true);
}

/** Epoch records written to a run's metrics.jsonl so far. */
const epochsDone = (out: string) => (existsSync(path.join(out, 'metrics.jsonl')) ? readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"epoch"')).length : 0);

/** Kills rank `rank` of the run writing to `out` with SIGKILL (once it exists). */
async function killRank(out: string, rank: number, log: () => string, notPid?: number): Promise<number> {
  let pid: number | null = null;
  await until(
    () => {
      pid = rankPid(out, rank, notPid);
      return pid != null;
    },
    120,
    `no rank ${rank} running; the launcher said:\n${log()}`,
  );
  process.kill(pid as unknown as number, 'SIGKILL');
  return pid as unknown as number;
}

describe('restartArguments', () => {
  it("drops the launcher's options and --overwrite, and resumes (from the run folder's checkpoint once there is one)", async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-restart-args-'));
    const argv = ['cli.js', 'train', '--preset', 'p', '--nproc-per-node', '2', '--max-restarts=3', '--overwrite', '--out', out];
    const from = ['cli.js', 'train', '--preset', 'p', '--nproc-per-node=2', '--max-restarts', '3', '--resume-from', 'a/epoch_2.ckpt', '--out', out];
    // no checkpoint yet: a fresh start in the folder the failed one left, or from the given checkpoint again
    expect(restartArguments(argv, out)).toEqual(['cli.js', 'train', '--preset', 'p', '--out', out, '--resume']);
    expect(restartArguments(from, out)).toEqual(['cli.js', 'train', '--preset', 'p', '--resume-from', 'a/epoch_2.ckpt', '--out', out]);
    await writeFile(path.join(out, 'latest.ckpt'), '');
    expect(restartArguments(argv, out)).toEqual(['cli.js', 'train', '--preset', 'p', '--out', out, '--resume']);
    expect(restartArguments(from, out)).toEqual(['cli.js', 'train', '--preset', 'p', '--out', out, '--resume']);
  });
});

describe.skipIf(!availability.ok)('trajectorynet train --nproc-per-node --max-restarts', { timeout: 900_000 }, () => {
  const EPOCHS = 4;
  const sets = [...SMALL, `train.epochs=${EPOCHS}`].flatMap((s) => ['--set', s]);
  const config = ['--preset', 'trajectorynet-r18-tiny', ...sets, '--keep', String(EPOCHS)];

  it('a rank killed after a checkpoint: the group resumes from it and ends with the weights of an uninterrupted run', async () => {
    const plain = await mkdtemp(path.join(tmpdir(), 'tjn-restart-plain-'));
    const uninterrupted = await launch([...config, '--out', plain, '--max-restarts', '1']);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    // uninterrupted indeed: a restart would hide a failure
    expect(uninterrupted.stderr).not.toMatch(/restarting/);

    const out = await mkdtemp(path.join(tmpdir(), 'tjn-restart-killed-'));
    const run = launch([...config, '--out', out, '--max-restarts', '1']);
    // after the first epoch's checkpoint, before the last epoch
    await until(() => epochsDone(out) >= 1 && existsSync(path.join(out, 'latest.ckpt')), 300);
    await killRank(out, 1, run.log);
    const killedAt = epochsDone(out);
    expect(killedAt).toBeLessThan(EPOCHS);
    const { code, stderr } = await run;
    expect(code, stderr).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes('restarting'))).toEqual([`trajectorynet train: rank 1 of 2 was killed by SIGKILL; restarting the group from ${path.join(out, 'latest.ckpt')} (restart 1/1)`]);
    // the second start resumed (run.log), and the run finished every epoch once
    expect(readFileSync(path.join(out, 'run.log'), 'utf8')).toMatch(/resuming from .*latest\.ckpt: epoch [2-4], step \d+ of \d+/);
    expect(epochsDone(out)).toBe(EPOCHS);

    const [expected, actual] = await Promise.all([loadCheckpoint<{ step: number }>(path.join(plain, 'latest.ckpt')), loadCheckpoint<{ step: number }>(path.join(out, 'latest.ckpt'))]);
    expect(actual.state.step).toBe(expected.state.step);
    expect(actual.weights.map((w) => w.name)).toEqual(expected.weights.map((w) => w.name));
    let largest = 0;
    let moved = 0;
    for (const [i, { tensor }] of expected.weights.entries()) {
      const a = actual.weights[i].tensor.dataSync();
      const e = tensor.dataSync();
      expect(a.length).toBe(e.length);
      for (let j = 0; j < e.length; j++) largest = Math.max(largest, Math.abs(a[j] - e[j]));
    }
    // and training moved them after the first epoch: not a comparison of untouched models
    const early = await loadCheckpoint(path.join(plain, 'epoch_1.ckpt'));
    for (const [i, { tensor }] of expected.weights.entries()) {
      const a = early.weights[i].tensor.dataSync();
      const e = tensor.dataSync();
      for (let j = 0; j < e.length; j++) moved = Math.max(moved, Math.abs(a[j] - e[j]));
    }
    tf.dispose([...expected.weights, ...actual.weights, ...expected.optimizer, ...actual.optimizer, ...early.weights, ...early.optimizer].map((w) => w.tensor));
    expect(largest).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('a second kill after the last restart stops the group with code 7, saying so', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-restart-twice-'));
    const run = launch([...config, '--set', 'train.epochs=30', '--out', out, '--max-restarts', '1']);
    await until(() => existsSync(path.join(out, 'latest.ckpt')), 300);
    const first = await killRank(out, 1, run.log);
    await killRank(out, 1, run.log, first);
    const { code, stderr } = await run;
    expect(code).toBe(7);
    expect(stderr.trim().split('\n').at(-1)).toBe('trajectorynet train: rank 1 of 2 was killed by SIGKILL; the group stopped after 1 restart');
  });
});
