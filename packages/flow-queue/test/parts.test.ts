/** The parts on their own: claims, publication of a working folder, outage logging, rate and ETA arithmetic, error classes. */
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeFor } from '@trajectorynet/core';
import { Tvl1Error } from '@trajectorynet/tvl1-flow';
import { VideoIOError } from '@trajectorynet/video-io';
import { afterAll, describe, expect, it } from 'vitest';
import { claimVideo, estimateEta, extractionError, isPermanent, outageLog, videoPaths } from '../src/index.js';
import { pairsPerSecond } from '../src/stats.js';
import { prepareWorkingFolder, publish } from '../src/video-output.js';
import { removeScratchDirs, scratchDir } from './scratch.js';

afterAll(removeScratchDirs);

const owner = (token: string) => ({ token, jobId: 'job', worker: `w-${token}` });
const age = async (file: string, seconds: number) => {
  const past = new Date(Date.now() - seconds * 1000);
  await utimes(file, past, past);
};

describe('claims', () => {
  it('are exclusive; the holder keeps its claim alive; a stale claim is taken over and its holder notices', async () => {
    const dir = await scratchDir('claim');
    const prefix = path.join(dir, 'sub', 'video.claim');
    const first = await claimVideo(prefix, owner('a'), 1000);
    if (!('claim' in first)) throw new Error('the first claim must succeed');
    expect(first.claim.file).toBe(`${prefix}.1`);
    expect(await first.claim.isOurs()).toBe(true);
    expect(await claimVideo(prefix, owner('b'), 1000)).toMatchObject({ heldBy: { worker: 'w-a', jobId: 'job' } });

    // the holder refreshes the claim: it does not go stale
    let lost: string | null = null;
    const stop = first.claim.keepAlive(50, (reason) => {
      lost = reason;
    });
    await age(first.claim.file, 5);
    for (let i = 0; i < 100 && Date.now() - (await stat(first.claim.file)).mtimeMs > 1000; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await claimVideo(prefix, owner('b'), 1000)).toMatchObject({ heldBy: { worker: 'w-a' } });
    stop();
    await new Promise((r) => setTimeout(r, 100)); // a refresh already under way lands first

    // a holder that stopped refreshing (killed, frozen) loses the claim once it is older than the stale time
    await age(first.claim.file, 5);
    const third = await claimVideo(prefix, owner('c'), 1000);
    if (!('claim' in third)) throw new Error('a stale claim must be taken over');
    expect(third.claim.file).toBe(`${prefix}.2`);
    expect(await first.claim.isOurs()).toBe(false);
    const stopAgain = first.claim.keepAlive(20, (reason) => {
      lost = reason;
    });
    await new Promise((r) => setTimeout(r, 150));
    stopAgain();
    expect(lost).toMatch(/taken over/);
    // releasing a claim that is no longer ours leaves the new holder's claim in place
    await first.claim.release();
    expect(await third.claim.isOurs()).toBe(true);
    await third.claim.release();
    expect(await readdir(path.dirname(prefix))).toEqual([]);
    // released: the next worker claims at once
    expect(await claimVideo(prefix, owner('d'), 1000)).toMatchObject({ claim: { file: `${prefix}.1` } });
  });

  it('several workers taking over the same stale claim at once: exactly one wins', async () => {
    const dir = await scratchDir('claim-race');
    for (let round = 0; round < 20; round++) {
      const prefix = path.join(dir, `v${round}.claim`);
      await writeFile(`${prefix}.1`, JSON.stringify({ token: 'dead', jobId: 'j', worker: 'gone', since: '' }));
      await age(`${prefix}.1`, 10);
      const attempts = await Promise.all(['p', 'q', 'r', 's'].map((t) => claimVideo(prefix, owner(t), 1000)));
      const winners = attempts.flatMap((a) => ('claim' in a ? [a.claim] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      const files = (await readdir(dir)).filter((n) => n.startsWith(`v${round}.`));
      expect(files).toEqual([path.basename(winners[0].file)]);
      expect(JSON.parse(await readFile(winners[0].file, 'utf8')).token).toBe(winners[0].owner.token);
      expect(await winners[0].isOurs()).toBe(true);
    }
  });
});

describe('working folders', () => {
  it('a new holder adopts the fullest folder left by earlier holders, without their temporaries; publishing leaves a clean final folder', async () => {
    const out = await scratchDir('output');
    const paths = videoPaths(out, 'clips/v1.mp4');
    expect(paths).toMatchObject({ final: path.join(out, 'clips', 'v1'), claim: path.join(out, 'clips', 'v1.claim') });
    const dead = path.join(out, 'clips', 'v1.partial-dead0001');
    await mkdir(dead, { recursive: true });
    for (const f of ['x_00001.jpg', 'y_00001.jpg', 'x_00002.jpg', 'y_00002.jpg', '.x_00003.jpg.999.deadbeef.tmp']) await writeFile(path.join(dead, f), f);
    const older = path.join(out, 'clips', 'v1.partial'); // an earlier version's working folder, emptier
    await mkdir(older);
    await writeFile(path.join(older, 'x_00001.jpg'), 'old');

    const { folder, existingFiles } = await prepareWorkingFolder(paths, 'mine0001');
    expect(folder).toBe(path.join(out, 'clips', 'v1.partial-mine0001'));
    expect(existingFiles).toBe(4);
    expect((await readdir(path.join(out, 'clips'))).sort()).toEqual(['v1.partial-mine0001']);
    await writeFile(path.join(folder, '.y_00003.jpg.1.cafebabe.tmp'), 'a write that never finished');
    expect(await publish(folder, paths)).toBe(true);
    expect((await readdir(paths.final)).sort()).toEqual(['x_00001.jpg', 'x_00002.jpg', 'y_00001.jpg', 'y_00002.jpg']);
    expect(await readdir(path.join(out, 'clips'))).toEqual(['v1']);

    // a second publication of the same video never replaces the first
    const again = path.join(out, 'clips', 'v1.partial-late0001');
    await mkdir(again);
    await writeFile(path.join(again, 'x_00001.jpg'), 'other');
    expect(await publish(again, paths)).toBe(false);
    expect(await readFile(path.join(paths.final, 'x_00001.jpg'), 'utf8')).toBe('x_00001.jpg');
  });
});

describe('outage log', () => {
  it('logs the first connection error, then reminders at doubling intervals, then the reconnection; other errors are not its business', () => {
    let now = 0;
    const lines: string[] = [];
    const outage = outageLog('redis://h:1', (m) => lines.push(m), () => now);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(outage.error(new Error('Missing lock for job x'))).toBe(false);
    // ioredis retries every 50 ms to 2 s; two connections each report every failed attempt
    for (now = 0; now <= 40_000; now += 250) expect(outage.error(refused)).toBe(true);
    expect(lines).toEqual([
      'Redis at redis://h:1 unreachable (ECONNREFUSED); reconnecting in the background (a video in progress goes on)',
      'Redis still unreachable after 5 s (ECONNREFUSED, 21 connection errors)',
      'Redis still unreachable after 15 s (ECONNREFUSED, 61 connection errors)',
      'Redis still unreachable after 35 s (ECONNREFUSED, 141 connection errors)',
    ]);
    outage.ready();
    expect(lines.at(-1)).toBe('Redis reachable again after 40 s');
    outage.ready();
    expect(lines).toHaveLength(5);
  });
});

describe('rate and ETA', () => {
  it('pairs per second over the window, from the start of the oldest sample in it', () => {
    const samples = [
      { fromMs: 0, toMs: 2000, pairs: 10 }, // outside a 5 s window ending at 10 s
      { fromMs: 6000, toMs: 8000, pairs: 20 },
      { fromMs: 7000, toMs: 9000, pairs: 10 }, // another worker, overlapping
    ];
    expect(pairsPerSecond(samples, 10_000, 5000)).toBeCloseTo(30 / 4, 12);
    expect(pairsPerSecond(samples, 10_000, 60_000)).toBeCloseTo(40 / 10, 12);
    expect(pairsPerSecond([], 10_000, 5000)).toBe(0);
    expect(pairsPerSecond([{ fromMs: 9800, toMs: 9900, pairs: 5 }], 10_000, 5000)).toBe(0); // under a second: no rate yet
  });

  it('ETA: pairs left in the videos in progress plus the queued videos at the mean video size, over the rate', () => {
    expect(estimateEta({ queuedVideos: 2, inProgress: [{ done: 10, total: 40 }], pairsPerVideo: 50, pairsPerSecond: 10 })).toBeCloseTo((30 + 100) / 10, 12);
    // nothing completed yet: the videos in progress give the size
    expect(estimateEta({ queuedVideos: 1, inProgress: [{ done: 10, total: 40 }, { done: 0, total: 20 }], pairsPerVideo: 0, pairsPerSecond: 5 })).toBeCloseTo((30 + 20 + 30) / 5, 12);
    expect(estimateEta({ queuedVideos: 3, inProgress: [], pairsPerVideo: 0, pairsPerSecond: 5 })).toBeNull();
    expect(estimateEta({ queuedVideos: 1, inProgress: [], pairsPerVideo: 20, pairsPerSecond: 0 })).toBeNull();
    expect(estimateEta({ queuedVideos: 0, inProgress: [], pairsPerVideo: 20, pairsPerSecond: 0 })).toBe(0);
  });
});

describe('errors', () => {
  it('keeps the errors of video-io and tvl1-flow; bad data is permanent, a full disk is not', () => {
    const tooShort = extractionError(new Tvl1Error('TOO_FEW_FRAMES', 'has 1 frame; flow needs at least 2', { path: '/d/v.mp4' }), '/out');
    expect(tooShort).toMatchObject({ code: 'TOO_FEW_FRAMES', path: '/d/v.mp4', message: '/d/v.mp4: has 1 frame; flow needs at least 2' });
    expect([isPermanent(tooShort), exitCodeFor(tooShort)]).toEqual([true, 3]);
    const empty = extractionError(new VideoIOError('CORRUPT', 'the file is empty (0 bytes)', { path: '/d/e.mp4' }), '/out');
    expect(empty).toMatchObject({ code: 'CORRUPT', message: '/d/e.mp4: the file is empty (0 bytes)' });
    expect(isPermanent(empty)).toBe(true);
    const diskFull = new Tvl1Error('DISK_FULL', 'no space left for flow files', { path: '/out/clips/v.partial-1' });
    expect([extractionError(diskFull, '/out'), isPermanent(diskFull), exitCodeFor(diskFull)]).toEqual([diskFull, false, 6]);
    const full = extractionError(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }), '/out/clips');
    expect(full).toMatchObject({ code: 'DISK_FULL', path: '/out/clips' });
    expect([isPermanent(full), exitCodeFor(full)]).toEqual([false, 6]);
    const bug = new TypeError('x is undefined');
    expect(extractionError(bug, '/out')).toBe(bug);
    expect(isPermanent(bug)).toBe(false);
  });
});
