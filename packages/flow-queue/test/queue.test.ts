import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, enqueueVideos, FlowQueueError, jobIdFor, queueStatus, readVideoList } from '../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = await connectRedis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

async function listFile(lines: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tjn-queue-'));
  const file = path.join(dir, 'list.txt');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const settings = { format: 'jpg' as const, bound: 20 };

describe('enqueue', () => {
  it('adds one job per video; enqueuing again adds nothing', async () => {
    const file = await listFile(['a/v1.mp4 30 0', 'a/v2.mp4 30 1', '', '# comment', 'b/v3.avi 12 2', 'a/v1.mp4 30 0']);
    const videos = await readVideoList(file, '/data');
    expect(videos.map((v) => v.relativePath)).toEqual(['a/v1.mp4', 'a/v2.mp4', 'b/v3.avi']);
    expect(videos[0].absolutePath).toBe(path.join('/data', 'a/v1.mp4'));
    expect(await enqueueVideos(redis, videos, settings, { queueName: 'q1' })).toEqual({ added: 3, alreadyQueued: 0 });
    expect(await enqueueVideos(redis, videos, settings, { queueName: 'q1' })).toEqual({ added: 0, alreadyQueued: 3 });
    const status = await queueStatus(redis, 'q1');
    expect(status.waiting).toBe(3);
    expect(status.done + status.active + status.failed).toBe(0);
    expect(jobIdFor('a/v1.mp4')).toBe(jobIdFor('a/v1.mp4'));
    expect(jobIdFor('a/v1.mp4')).not.toBe(jobIdFor('a/v2.mp4'));
  });

  it('rejects bad lists, naming the file and line', async () => {
    await expect(readVideoList(await listFile(['ok.mp4', '../escape.mp4']), '/d')).rejects.toThrow(/list\.txt:2: '\.\.\/escape\.mp4' must be a path inside/);
    await expect(readVideoList(await listFile(['x/a.mp4', 'x/a.avi']), '/d')).rejects.toThrow(/same output folder/);
    await expect(readVideoList(await listFile(['# nothing']), '/d')).rejects.toThrow(/has no videos/);
    await expect(readVideoList('/nonexistent/list.txt', '/d')).rejects.toThrow(/cannot read the list \(ENOENT\)/);
  });
});

describe('connection', () => {
  it('a server that is down gives one clear error naming the URL', async () => {
    const error = await connectRedis('redis://127.0.0.1:1', { timeoutMs: 2000 }).catch((e) => e);
    expect(error).toBeInstanceOf(FlowQueueError);
    expect(error.code).toBe('REDIS_UNREACHABLE');
    expect(error.message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });
  it('a malformed URL is rejected before connecting', async () => {
    await expect(connectRedis('http://localhost:6379')).rejects.toThrow(/not a redis:\/\/ URL/);
    await expect(connectRedis('not a url')).rejects.toThrow(/not a URL/);
  });
});
