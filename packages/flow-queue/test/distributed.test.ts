/**
 * The real thing on loopback: a redis-server, three worker processes of the
 * built CLI, one killed mid-job. Every video's flow must exist once and equal
 * the single-machine extraction bit for bit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFlow } from '@trajectorynet/tvl1-flow';
import { createSyntheticDataset, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, enqueueVideos, queueStatus, readThroughput, readVideoList } from '../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../dist/cli.js');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(here, '../../../../shared/data');
const RESIZE = { width: 80, height: 60 };

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

async function makeDataset(): Promise<{ root: string; list: string; names: string[] }> {
  const root = await mkdtemp(path.join(tmpdir(), 'tjn-dist-'));
  await mkdir(path.join(root, 'videos'));
  const names: string[] = [];
  // test.mp4 and test.avi would share an output folder ('videos/test'): link the avi under another name
  for (const [name, as] of [['test.mp4', 'test.mp4'], ['part_0.mp4', 'part_0.mp4'], ['test.avi', 'test_avi.avi']]) {
    await symlink(path.join(DATA, 'videos', name), path.join(root, 'videos', as));
    names.push(`videos/${as}`);
  }
  const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass: 1, frames: 10, width: 80, height: 60 });
  for (const sample of samples.slice(0, 3)) {
    const clip = renderSyntheticClip(sample);
    const dir = `generated/clip_${sample.label}`;
    for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(root, dir, `img_${String(i + 1).padStart(5, '0')}.jpg`), { width: 80, height: 60, data });
    names.push(dir);
  }
  const list = path.join(root, 'list.txt');
  await writeFile(list, `${names.join('\n')}\n`);
  return { root, list, names };
}

function startWorker(root: string, out: string, name: string): ChildProcess {
  return spawn(process.execPath, [CLI, '--queue', server.url, '--queue-name', name, 'work', '--root', root, '--out', out, '--workers', '1', '--exit-when-empty', '--lock-seconds', '3'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode != null ? resolve(child.exitCode) : child.once('exit', resolve)));

describe('distributed extraction', () => {
  it('three workers, one killed mid-job: every video once, equal to the local extraction', async () => {
    const { root, list, names } = await makeDataset();
    const out = path.join(root, 'flow');
    const reference = path.join(root, 'reference');
    const redis = await connectRedis(server.url);
    try {
      const videos = await readVideoList(list, root);
      expect(await enqueueVideos(redis, videos, { format: 'jpg', bound: 20, resize: RESIZE }, { queueName: 'dist' })).toEqual({ added: 6, alreadyQueued: 0 });

      const workers = [0, 1, 2].map(() => startWorker(root, out, 'dist'));
      // kill the first worker once it is in the middle of a video (a .partial folder exists)
      const deadline = Date.now() + 60_000;
      let killed = false;
      while (!killed && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const partial = existsSync(out) && (await readdir(out, { recursive: true })).some((f) => String(f).endsWith('.partial'));
        if (partial) {
          workers[0].kill('SIGKILL');
          killed = true;
        }
      }
      expect(killed).toBe(true);
      const codes = await Promise.race([Promise.all(workers.slice(1).map(exited)), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 150_000))]);
      expect(codes).toEqual([0, 0]);

      const status = await queueStatus(redis, 'dist');
      expect(status).toMatchObject({ waiting: 0, active: 0, delayed: 0, done: 6, failed: 0 });
      // each video completed (extracted and recorded) exactly once
      const throughput = await readThroughput(redis, 'dist', Date.now());
      expect(Math.round(throughput.pairsDone / throughput.pairsPerVideo)).toBe(6);

      for (const name of names) {
        const folder = path.join(out, path.parse(name).dir, path.parse(name).name);
        const local = path.join(reference, path.parse(name).dir, path.parse(name).name);
        await extractFlow(path.join(root, name), local, { resize: RESIZE, workers: 1 });
        const files = (await readdir(local)).sort();
        expect((await readdir(folder)).sort(), name).toEqual(files);
        for (const f of files) expect((await readFile(path.join(folder, f))).equals(await readFile(path.join(local, f))), `${name}/${f}`).toBe(true);
      }
      const leftovers = (await readdir(out, { recursive: true })).filter((f) => String(f).endsWith('.partial') || String(f).endsWith('.tmp'));
      expect(leftovers).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
