/**
 * Workers in this process (real Redis, real or scripted extractors): bad
 * videos fail at once and transient failures are retried, `retryFailed`
 * re-runs failed jobs, a job that vanishes from Redis is abandoned without
 * an unhandled rejection, and `status` counts the pairs of videos in
 * progress for its rate and ETA.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createSyntheticDataset, ffmpegPath, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRedis,
  type Extractor,
  enqueueVideos,
  formatStatus,
  jobIdFor,
  openQueue,
  queueStatus,
  readCompletions,
  readVideoList,
  retryFailed,
  runWorkerUntilDone,
  tvl1Extractor,
} from '../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { removeScratchDirs, scratchDir } from './scratch.js';

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = await connectRedis(server.url);
});
afterAll(async () => {
  await removeScratchDirs();
  redis?.disconnect();
  await server?.stop();
});

const settings = { format: 'jpg' as const, bound: 20 };

async function writeFrames(folder: string, frames: number): Promise<void> {
  const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass: 1, frames, width: 32, height: 24 });
  const clip = renderSyntheticClip(samples[0]);
  for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(folder, `img_${String(i + 1).padStart(5, '0')}.jpg`), { width: 32, height: 24, data });
}

function ffmpeg(args: string[]): void {
  const result = spawnSync(ffmpegPath(), ['-y', '-loglevel', 'error', ...args]);
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${result.stderr}`);
}

async function enqueueList(root: string, names: string[], queueName: string, attempts = 3): Promise<void> {
  const list = path.join(root, `${queueName}.txt`);
  await writeFile(list, `${names.join('\n')}\n`);
  await enqueueVideos(redis, await readVideoList(list, root), settings, { queueName, attempts, backoffMs: 100 });
}

async function runUntilEmpty(root: string, out: string, queueName: string, extract: Extractor, logs: string[] = []): Promise<string[]> {
  await runWorkerUntilDone({ redis, queueName, root, outRoot: out, extract, exitWhenEmpty: true, pollMs: 200, lockDurationMs: 2000, progressIntervalMs: 100, log: (m) => logs.push(m) });
  return logs;
}

/** A stand-in for TV-L1: writes `pairs` pair files, one every `msPerPair`, reporting progress (resumes like the real one). */
function scriptedExtractor(pairs: number, msPerPair: number, fail?: (input: string, call: number) => Error | null): Extractor {
  const calls = new Map<string, number>();
  return async (input, outDir, _settings, onProgress) => {
    const call = (calls.get(input) ?? 0) + 1;
    calls.set(input, call);
    const error = fail?.(input, call);
    if (error != null) throw error;
    onProgress(0, pairs);
    for (let i = 1; i <= pairs; i++) {
      const name = `x_${String(i).padStart(5, '0')}.jpg`;
      if (!existsSync(path.join(outDir, name))) {
        await new Promise((r) => setTimeout(r, msPerPair));
        await writeFile(path.join(outDir, name), `pair ${i}`);
        await writeFile(path.join(outDir, `y_${name.slice(2)}`), `pair ${i}`);
      }
      onProgress(i, pairs);
    }
    return { pairs };
  };
}

describe('failures', () => {
  it('videos that can never succeed (0-byte, audio-only, one frame, missing) fail at once; the good one is done', async () => {
    const root = await scratchDir('bad');
    await writeFile(path.join(root, 'empty.mp4'), '');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', path.join(root, 'audio.m4a')]);
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=32x24:d=1', '-frames:v', '1', path.join(root, 'one.mp4')]);
    await writeFrames(path.join(root, 'one-frame'), 1);
    await writeFrames(path.join(root, 'good'), 3);
    await enqueueList(root, ['empty.mp4', 'audio.m4a', 'one.mp4', 'one-frame', 'missing.mp4', 'good'], 'bad', 3);
    const extract = tvl1Extractor({ workers: 1 });
    try {
      await runUntilEmpty(root, path.join(root, 'out'), 'bad', extract);
    } finally {
      await extract.close();
    }
    const queue = openQueue(redis, 'bad');
    try {
      const failed = Object.fromEntries((await queue.getFailed()).map((j) => [j.data.relativePath, { attempts: j.attemptsMade, reason: j.failedReason }]));
      expect(failed).toEqual({
        'empty.mp4': { attempts: 1, reason: expect.stringMatching(/^CORRUPT: .*empty\.mp4: the file is empty/) },
        'audio.m4a': { attempts: 1, reason: expect.stringMatching(/^CORRUPT: .*audio\.m4a: no video stream/) },
        'one.mp4': { attempts: 1, reason: expect.stringMatching(/^TOO_FEW_FRAMES: .*one\.mp4: has 1 frame/) },
        'one-frame': { attempts: 1, reason: expect.stringMatching(/^TOO_FEW_FRAMES: .*one-frame: has 1 frame/) },
        'missing.mp4': { attempts: 1, reason: expect.stringMatching(/^ENOENT: .*missing\.mp4: no such video or frame folder/) },
      });
      expect(await queue.getJobState(jobIdFor('good'))).toBe('completed');
      expect((await readdir(path.join(root, 'out', 'good'))).sort()).toEqual(['flow-settings.json', 'x_00001.jpg', 'x_00002.jpg', 'y_00001.jpg', 'y_00002.jpg']);
      expect(formatStatus(await queueStatus(redis, 'bad'))).toMatch(/failed: empty\.mp4 after 1 attempt: CORRUPT/);
    } finally {
      await queue.close();
    }
  });

  it('a video finished with other settings (another enqueue into the same folder) fails naming the difference, not "already finished"', async () => {
    const root = await scratchDir('settings');
    await writeFrames(path.join(root, 'good'), 3);
    const out = path.join(root, 'out');
    await enqueueList(root, ['good'], 'first', 1);
    const extract = tvl1Extractor({ workers: 1 });
    try {
      await runUntilEmpty(root, out, 'first', extract);
      const list = path.join(root, 'again.txt');
      await writeFile(list, 'good\n');
      await enqueueVideos(redis, await readVideoList(list, root), { ...settings, bound: 15 }, { queueName: 'again', attempts: 1, backoffMs: 100 });
      await runUntilEmpty(root, out, 'again', extract);
    } finally {
      await extract.close();
    }
    const queue = openQueue(redis, 'again');
    try {
      const [failed] = await queue.getFailed();
      expect(failed?.failedReason).toMatch(/^BAD_DATA: .*out\/good: holds flows made differently \(JPEG bound 20, wanted 15\): remove it/);
    } finally {
      await queue.close();
    }
  });

  it('a transient failure (full disk) is retried; `retryFailed` re-runs failed jobs with fresh attempts', async () => {
    const root = await scratchDir('retry');
    for (const name of ['flaky', 'late']) await mkdir(path.join(root, name));
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    // 'flaky' fails once with a full disk; 'late' fails three times (its attempts), then works once retried
    const calls: Record<string, number> = {};
    const extract = scriptedExtractor(3, 10, (input, call) => {
      calls[path.basename(input)] = call;
      return (input.endsWith('flaky') && call === 1) || (input.endsWith('late') && call <= 3) ? diskFull : null;
    });
    await enqueueList(root, ['flaky', 'late'], 'retry', 3);
    const out = path.join(root, 'out');
    await runUntilEmpty(root, out, 'retry', extract);
    const queue = openQueue(redis, 'retry');
    try {
      expect(await queue.getJobState(jobIdFor('flaky'))).toBe('completed');
      expect(calls).toEqual({ flaky: 2, late: 3 });
      const late = await queue.getJob(jobIdFor('late'));
      expect([await late?.getState(), late?.attemptsMade, late?.failedReason]).toEqual(['failed', 3, expect.stringMatching(/^DISK_FULL: .*: no space left on the device$/)]);

      expect(await retryFailed(redis, 'retry')).toBe(1);
      await runUntilEmpty(root, out, 'retry', extract);
      expect(await queue.getJobState(jobIdFor('late'))).toBe('completed');
      expect(calls.late).toBe(4);
      expect(existsSync(path.join(out, 'late', 'x_00003.jpg'))).toBe(true);
      expect(await retryFailed(redis, 'retry')).toBe(0);
    } finally {
      await queue.close();
    }
  });
});

describe('a job that vanishes from Redis', () => {
  it('is abandoned (no unhandled rejection), its claim released and its working folder kept; status says the jobs were lost', async () => {
    const root = await scratchDir('vanish');
    await mkdir(path.join(root, 'slow'));
    await enqueueList(root, ['slow'], 'vanish');
    const out = path.join(root, 'out');
    let progressCalls = 0;
    const slow = scriptedExtractor(100, 50);
    const extract: Extractor = (input, outDir, s, onProgress) =>
      slow(input, outDir, s, (done, total) => {
        progressCalls += 1;
        onProgress(done, total);
      });
    const logs: string[] = [];
    const running = runUntilEmpty(root, out, 'vanish', extract, logs);
    // FLUSHALL once a few pairs are written (the other queues of this file are done by now)
    for (let i = 0; i < 400 && progressCalls < 5; i++) await new Promise((r) => setTimeout(r, 25));
    expect(progressCalls).toBeGreaterThanOrEqual(5);
    await redis.flushall();
    await running;
    expect(logs.join('\n')).toMatch(/slow: abandoned: its job vanished from Redis/);
    expect(progressCalls).toBeLessThan(100); // stopped, not run to the end
    const left = await readdir(out);
    expect(left.filter((n) => n.endsWith('.claim'))).toEqual([]);
    expect(left.filter((n) => n.startsWith('slow.partial-'))).toHaveLength(1);
    expect(left).not.toContain('slow');
    const status = await queueStatus(redis, 'vanish');
    expect(status.lost).toMatchObject({ video: 'slow' });
    expect(formatStatus(status)).toMatch(/Redis lost this queue's jobs[\s\S]*Enqueue the list again/);

    // enqueuing again resumes from the working folder and clears the note
    await enqueueList(root, ['slow'], 'vanish');
    expect((await queueStatus(redis, 'vanish')).lost).toBeNull();
    await runUntilEmpty(root, out, 'vanish', scriptedExtractor(100, 1), logs);
    expect(logs.at(-1)).toMatch(/^slow: 100 pairs in/);
    expect(logs.join('\n')).toMatch(/slow: extracting \(attempt 1, resuming after [1-9]\d* pairs\)/);
    expect((await readdir(out)).sort()).toEqual(['slow']);
    expect(await readCompletions(redis, 'vanish')).toMatchObject([{ video: 'slow', pairs: 100 }]);
  });
});

describe('status', () => {
  it('counts the pairs of the videos in progress for its rate and ETA', async () => {
    const root = await scratchDir('status');
    for (const name of ['first', 'second']) await mkdir(path.join(root, name));
    await enqueueList(root, ['first', 'second'], 'eta');
    const logs: string[] = [];
    const running = runUntilEmpty(root, path.join(root, 'out'), 'eta', scriptedExtractor(40, 50), logs);
    // well into the first video: nothing completed yet, the rate comes from the pairs in progress
    let status = await queueStatus(redis, 'eta');
    for (let i = 0; i < 200 && !(status.active === 1 && status.inProgress.pairsDone >= 25); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await queueStatus(redis, 'eta');
    }
    await running;
    expect(status).toMatchObject({ active: 1, waiting: 1, done: 0, inProgress: { pairsTotal: 40 } });
    // 40 pairs of the running video at one pair per 50 ms or slower on a busy machine: between 1 and 25 pairs/s
    expect(status.pairsPerSecond).toBeGreaterThan(1);
    expect(status.pairsPerSecond).toBeLessThan(25);
    // remaining: what is left of the first video and the whole second one (40 pairs, the size announced by the first)
    const remaining = 40 - status.inProgress.pairsDone + 40;
    expect(status.etaSeconds).toBeCloseTo(remaining / status.pairsPerSecond, 6);
    expect(formatStatus(status)).toMatch(/active 1 \(\d+\/40 pairs\)/);
  });
});
