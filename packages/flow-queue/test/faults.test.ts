/**
 * Fault injection with real processes: a redis-server, worker processes of
 * the built CLI, and the faults the README's reliability section promises to
 * survive: a Redis FLUSHALL, a Redis restart without persistence (with a
 * SIGTERM while it is down), a network partition longer than the job lock,
 * and a SIGKILLed worker. Each test checks the promised outcome: every video
 * finished exactly once and never by two workers at once, outputs equal to
 * the single-machine extraction byte for byte, no temporaries, working
 * folders or claims left, status correct, workers exiting cleanly.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, enqueueVideos, queueStatus, readVideoList } from '../src/index.js';
import {
  type CliProcess,
  describeLogs,
  exitCodes,
  exitTimes,
  expectSameAsReference,
  type Fixture,
  finishCounts,
  killLeftoverProcesses,
  leftovers,
  makeFixture,
  outputOf,
  overlaps,
  runCli,
  SIZE,
  sleep,
  startWorker,
  waitFor,
  writeList,
} from './harness.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { removeScratchDirs } from './scratch.js';
import { startTcpProxy } from './tcp-proxy.js';

let server: RedisServer;
let fixture: Fixture;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  fixture = await makeFixture();
});
afterEach(killLeftoverProcesses);
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  await removeScratchDirs();
});

/** What `enqueue <list> --resize 64x48` does (in this process: a CLI start costs seconds on a busy machine; cli.test.ts runs the command itself). */
async function enqueue(queueName: string, videos: string[]): Promise<void> {
  redis ??= await connectRedis(server.url);
  const list = await writeList(fixture, videos);
  await enqueueVideos(redis, await readVideoList(list, fixture.root), { format: 'jpg', bound: 20, resize: SIZE }, { queueName });
}

/** A working folder of `video` (`<video>.partial...`) exists. */
async function workingFolderOf(out: string, video: string): Promise<string | null> {
  const final = outputOf(out, video);
  const names = await readdir(path.dirname(final)).catch(() => [] as string[]);
  const name = names.find((n) => n.startsWith(`${path.basename(final)}.partial`));
  return name != null ? path.join(path.dirname(final), name) : null;
}

/** The outcome every test promises once the workers are done. */
async function expectAllDoneOnce(queueName: string, out: string, videos: string[], processes: CliProcess[], { overlapsAllowed = false } = {}): Promise<void> {
  redis ??= await connectRedis(server.url);
  expect(await queueStatus(redis, queueName)).toMatchObject({ waiting: 0, active: 0, delayed: 0, done: videos.length, failed: 0 });
  expect(finishCounts(processes, videos), describeLogs(processes)).toEqual(Object.fromEntries(videos.map((v) => [v, 1])));
  if (!overlapsAllowed) expect(overlaps(processes, await exitTimes(processes), videos), describeLogs(processes)).toEqual([]);
  expect(await leftovers(out)).toEqual([]);
  await expectSameAsReference(fixture, out, videos);
}

describe('fault injection', () => {
  it('Redis flushed during extraction: workers abandon the vanished jobs without crashing; enqueuing again finishes every video once', async () => {
    const videos = fixture.videos;
    const out = path.join(fixture.root, 'out-flush');
    await enqueue('flush', videos);
    const first = [startWorker('A', server.url, 'flush', fixture, out), startWorker('B', server.url, 'flush', fixture, out)];
    // flush while both workers are in the middle of a video
    await waitFor('both workers extracting', () => first.every((w) => w.lines.some((l) => / extracting/.test(l.text))), 60_000, 50, first);
    redis ??= await connectRedis(server.url);
    await redis.flushall();
    expect(await exitCodes(first, 60_000), describeLogs(first)).toEqual([0, 0]);
    // each worker says why it leaves with its video unfinished, rather than exiting like a finished one
    for (const worker of first) expect(worker.lines.map((l) => l.text).join('\n'), describeLogs(first)).toMatch(/queue is empty because Redis lost its jobs.*enqueue the list again/);
    const lost = await queueStatus(redis, 'flush');
    expect(lost).toMatchObject({ waiting: 0, active: 0, done: 0 });
    const shown = runCli('status', ['--queue', server.url, '--queue-name', 'flush', 'status']);
    expect(await exitCodes([shown], 30_000)).toEqual([0]);
    expect(shown.lines.map((l) => l.text).join('\n')).toMatch(/enqueue the list again/i);

    await enqueue('flush', videos);
    const second = [startWorker('C', server.url, 'flush', fixture, out), startWorker('D', server.url, 'flush', fixture, out)];
    expect(await exitCodes(second, 120_000), describeLogs(second)).toEqual([0, 0]);
    await expectAllDoneOnce('flush', out, videos, [...first, ...second]);
  });

  it('Redis restarted without persistence: SIGTERM is honoured while it is down, errors are logged with backoff, and nothing is lost', async () => {
    const videos = fixture.videos;
    const out = path.join(fixture.root, 'out-restart');
    await enqueue('restart', videos);
    const first = [startWorker('A', server.url, 'restart', fixture, out), startWorker('B', server.url, 'restart', fixture, out)];
    await waitFor('both workers extracting', () => first.every((w) => w.lines.some((l) => / extracting/.test(l.text))), 60_000, 50, first);
    redis?.disconnect();
    redis = undefined as unknown as Redis;
    await server.stop();
    const downAt = Date.now();
    try {
      await sleep(1500);
      first[0].child.kill('SIGTERM');
      // A finishes its current video (no Redis needed) and leaves without waiting for Redis
      expect(await exitCodes([first[0]], 30_000), describeLogs(first)).toEqual([0]);
      await sleep(Math.max(0, downAt + 6000 - Date.now()));
      // B keeps going through the outage, logging it once and then with backoff (not every reconnection attempt)
      const duringOutage = first[1].lines.filter((l) => l.at >= downAt && /redis|connect/i.test(l.text));
      expect(duringOutage.length, describeLogs([first[1]])).toBeLessThanOrEqual(3);
      expect(duringOutage.length, describeLogs([first[1]])).toBeGreaterThanOrEqual(1);
    } finally {
      await server.start();
    }
    expect(await exitCodes([first[1]], 60_000), describeLogs(first)).toEqual([0]);

    await enqueue('restart', videos);
    const second = [startWorker('C', server.url, 'restart', fixture, out)];
    expect(await exitCodes(second, 120_000), describeLogs(second)).toEqual([0]);
    await expectAllDoneOnce('restart', out, videos, [...first, ...second]);
  });

  it('a worker cut off from Redis for longer than the lock: its video is never extracted by two workers at once', async () => {
    const videos = [fixture.long, ...fixture.videos.slice(1)];
    const out = path.join(fixture.root, 'out-partition');
    await enqueue('partition', videos);
    const proxy = await startTcpProxy(server.port);
    try {
      const a = startWorker('A', proxy.url, 'partition', fixture, out);
      await waitFor(`A extracting ${fixture.long}`, () => a.lines.some((l) => l.text.startsWith(`${fixture.long}: extracting`)), 60_000, 50, [a]);
      await proxy.cut();
      const cutAt = Date.now();
      const b = startWorker('B', server.url, 'partition', fixture, out);
      // B's stalled-job check gives it A's job once A's lock expired: the hazard this test is about
      await waitFor(
        `B offered ${fixture.long} while A is cut off`,
        () => b.lines.some((l) => l.at > cutAt && l.text.startsWith(`${fixture.long}: `)),
        60_000,
        50,
        [a, b],
      );
      await sleep(2000);
      await proxy.restore();
      expect(await exitCodes([a, b], 120_000), describeLogs([a, b])).toEqual([0, 0]);
      await expectAllDoneOnce('partition', out, videos, [a, b]);
    } finally {
      await proxy.close();
    }
  });

  it('a worker killed in the middle of writing a pair: another resumes its video, and the temporary it left never reaches the finished folder', async () => {
    const videos = fixture.videos;
    const out = path.join(fixture.root, 'out-kill');
    await enqueue('kill', videos);
    // core's failpoint: SIGKILL this worker after 100 bytes of the 6th pair's x image have reached the disk
    const a = startWorker('A', server.url, 'kill', fixture, out, { TRAJECTORYNET_FAIL_WRITE: 'x_00006.jpg=KILL@100' });
    expect(await exitCodes([a], 60_000), describeLogs([a])).toEqual([null]);
    const video = /^(\S+): extracting/.exec(a.lines.at(-1)?.text ?? '')?.[1];
    expect(video, describeLogs([a])).toBeDefined();
    const working = await workingFolderOf(out, video as string);
    const names = await readdir(working as string);
    expect(names.filter((n) => n.startsWith('.x_00006.jpg.'))).toHaveLength(1); // the half-written temporary
    const b = startWorker('B', server.url, 'kill', fixture, out);
    expect(await exitCodes([b], 120_000), describeLogs([a, b])).toEqual([0]);
    expect(b.lines.map((l) => l.text).join('\n')).toMatch(new RegExp(`${video}: extracting \\(attempt 1, resuming after [4-9] pairs\\)`));
    await expectAllDoneOnce('kill', out, videos, [a, b]);
  });
  it('a worker frozen (SIGSTOP) for longer than the lock: another takes its claim over and finishes the video; once thawed, it stops without touching it', async () => {
    const videos = [fixture.long];
    const out = path.join(fixture.root, 'out-frozen');
    await enqueue('frozen', videos);
    const a = startWorker('A', server.url, 'frozen', fixture, out);
    await waitFor(
      'A in the middle of the long video',
      async () => {
        const folder = await workingFolderOf(out, fixture.long);
        return folder != null && (await readdir(folder).catch(() => [])).length >= 20;
      },
      60_000,
      20,
      [a],
    );
    a.child.kill('SIGSTOP');
    try {
      const b = startWorker('B', server.url, 'frozen', fixture, out);
      expect(await exitCodes([b], 120_000), describeLogs([a, b])).toEqual([0]);
      expect(b.lines.map((l) => l.text).join('\n')).toMatch(/clips\/long: extracting \(attempt 1, resuming after [1-9]\d* pairs\)/);
      a.child.kill('SIGCONT');
      expect(await exitCodes([a], 60_000), describeLogs([a, b])).toEqual([0]);
      // A was never told by Redis in time: its claim told it (the interval in which it "was extracting" spans its frozen time)
      expect(a.lines.map((l) => l.text).join('\n')).toMatch(/clips\/long: abandoned: its claim .* was taken over/);
      await expectAllDoneOnce('frozen', out, videos, [a, b], { overlapsAllowed: true });
    } finally {
      a.child.kill('SIGCONT');
    }
  });
});
