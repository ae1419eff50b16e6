import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSettings, connectRedis, enqueueVideos, FlowQueueError, jobIdFor, queueStatus, readVideoList } from '../src/index.js';
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

async function listFile(lines: string[]): Promise<string> {
  const dir = await scratchDir('queue');
  const file = path.join(dir, 'list.txt');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const settings = { format: 'jpg' as const, bound: 20 };

describe('enqueue', () => {
  it('adds one job per video; enqueuing again adds nothing', async () => {
    const file = await listFile(['a/v1.mp4 30 0', 'a/v2.mp4 30 1', '', '# comment', 'b/v3.avi 12 2', 'a/v1.mp4 30 0', 'c/with space.mp4 7 1']);
    const videos = await readVideoList(file, '/data');
    expect(videos.map((v) => v.relativePath)).toEqual(['a/v1.mp4', 'a/v2.mp4', 'b/v3.avi', 'c/with space.mp4']);
    expect(videos[0].absolutePath).toBe(path.join('/data', 'a/v1.mp4'));
    expect(await enqueueVideos(redis, videos, settings, { queueName: 'q1' })).toEqual({ added: 4, alreadyQueued: 0, failed: 0 });
    expect(await enqueueVideos(redis, videos, settings, { queueName: 'q1' })).toEqual({ added: 0, alreadyQueued: 4, failed: 0 });
    const status = await queueStatus(redis, 'q1');
    expect(status.waiting).toBe(4);
    expect(status.done + status.active + status.failed).toBe(0);
    expect(jobIdFor('a/v1.mp4')).toBe(jobIdFor('a/v1.mp4'));
    expect(jobIdFor('a/v1.mp4')).not.toBe(jobIdFor('a/v2.mp4'));
  });

  it('rejects bad lists with a data error naming the file and line', async () => {
    const bad = async (lines: string[] | null) => readVideoList(lines == null ? '/nonexistent/list.txt' : await listFile(lines), '/d').catch((e) => e);
    expect(await bad(['ok.mp4', '../escape.mp4'])).toMatchObject({ code: 'BAD_MANIFEST', message: expect.stringMatching(/list\.txt: line 2: '\.\.\/escape\.mp4' must be a path inside/) });
    expect(await bad(['x/a.mp4', 'x/a.avi'])).toMatchObject({ code: 'BAD_MANIFEST', message: expect.stringMatching(/would write the same flow folder/) });
    expect(await bad(['# nothing'])).toMatchObject({ code: 'BAD_MANIFEST', message: expect.stringMatching(/has no videos/) });
    expect(await bad(null)).toMatchObject({ code: 'ENOENT', path: '/nonexistent/list.txt', message: expect.stringMatching(/no such file or folder/) });
  });

  it('refuses bad settings before adding anything, naming the option', async () => {
    const videos = await readVideoList(await listFile(['v.mp4']), '/d');
    const refused = (s: object, o: object = {}) => enqueueVideos(redis, videos, { ...settings, ...s }, { queueName: 'q-bad', ...o }).catch((e) => e);
    expect(await refused({ resize: { width: 0, height: -5 } })).toMatchObject({ code: 'BAD_ARGUMENT', path: '--resize' });
    expect(await refused({ bound: Number.NaN })).toMatchObject({ code: 'BAD_ARGUMENT', path: '--bound' });
    expect(await refused({ format: 'png' })).toMatchObject({ code: 'BAD_ARGUMENT', path: '--format' });
    expect(await refused({}, { attempts: 0 })).toMatchObject({ code: 'BAD_ARGUMENT', path: '--attempts' });
    expect(() => checkSettings({ ...settings, resize: { width: 340, height: 256 } }, { attempts: 2 })).not.toThrow();
    expect((await queueStatus(redis, 'q-bad')).waiting).toBe(0);
  });
});

describe('connection', () => {
  it('a server that is down gives one clear error naming the URL', async () => {
    const error = await connectRedis('redis://127.0.0.1:1', { timeoutMs: 2000 }).catch((e) => e);
    expect(error).toBeInstanceOf(FlowQueueError);
    expect(error.code).toBe('REDIS_UNREACHABLE');
    expect(error.message).toMatch(/^redis:\/\/127\.0\.0\.1:1: cannot reach Redis: ECONNREFUSED$/);
  });
  it('a malformed URL is a bad argument, rejected before connecting; passwords never appear in messages', async () => {
    await expect(connectRedis('http://localhost:6379')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', path: '--queue', message: expect.stringMatching(/not a redis:\/\/ URL/) });
    await expect(connectRedis('not a url')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/not a URL/) });
    const error = await connectRedis('redis://:secret@127.0.0.1:1', { timeoutMs: 2000 }).catch((e) => e);
    expect(error.message).not.toMatch(/secret/);
  });
});
