import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSyntheticDataset, readFlo, readFrames, renderSyntheticClip, VideoIOError, writeFrame } from '@trajectorynet/video-io';
import { describe, expect, it } from 'vitest';
import { createFlowPool, extractFlow, type FlowPool, Tvl1Error, tvl1 } from '../src/index.js';
import { DATA } from './data.js';

describe('extractFlow', () => {
  it('a frame folder -> .flo files equal to tvl1 on each pair; a second run skips everything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-extract-'));
    const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 4, width: 40, height: 32 });
    const clip = renderSyntheticClip(samples[2]);
    for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(dir, 'frames', `img_${String(i + 1).padStart(5, '0')}.png`), { width: 40, height: 32, data });
    const first = await extractFlow(path.join(dir, 'frames'), path.join(dir, 'flow'), { format: 'flo', workers: 2, template: 'img_{:05d}.png' });
    expect(first).toMatchObject({ pairs: 3, computed: 3, skipped: 0 });
    expect((await readdir(path.join(dir, 'flow'))).sort()).toEqual(['flow-settings.json', 'flow_00001.flo', 'flow_00002.flo', 'flow_00003.flo']);
    for (let i = 0; i < 3; i++) {
      const direct = tvl1({ data: clip.frames[i], width: 40, height: 32, channels: 3 }, { data: clip.frames[i + 1], width: 40, height: 32, channels: 3 });
      const saved = await readFlo(path.join(dir, 'flow', `flow_0000${i + 1}.flo`));
      expect(Buffer.from(saved.u.buffer).equals(Buffer.from(direct.u.buffer))).toBe(true); // same code in a worker thread: bit for bit
    }
    const again = await extractFlow(path.join(dir, 'frames'), path.join(dir, 'flow'), { format: 'flo', workers: 2, template: 'img_{:05d}.png' });
    expect(again).toMatchObject({ pairs: 3, computed: 0, skipped: 3 });
  });

  it('a real video, resized, to dense_flow JPEGs with mmaction names', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-extract-'));
    const video = path.join(DATA, 'videos/part_0.mp4');
    const { frames } = await readFrames(video, { resize: { width: 68, height: 52 } });
    const pool = createFlowPool(2);
    let last = 0;
    const result = await extractFlow(video, dir, { resize: { width: 68, height: 52 }, pool, onProgress: (done) => (last = done) });
    await pool.close();
    expect(result.pairs).toBe(frames.length - 1);
    expect(last).toBe(frames.length - 1);
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith('x_'))).toHaveLength(frames.length - 1);
    expect(names).toContain('y_00001.jpg');
    expect(names.some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  /** A folder of synthetic frames img_00001.png ... (40x32 unless sizes say otherwise). */
  async function frameFolder(count: number, sizes: [number, number][] = []): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-extract-'));
    const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: count, width: 40, height: 32 });
    const clip = renderSyntheticClip(samples[0]);
    for (const [i, data] of clip.frames.entries()) {
      const [width, height] = sizes[i] ?? [40, 32];
      const image = width === 40 && height === 32 ? data : new Uint8Array(width * height * 3).fill(90);
      await writeFrame(path.join(dir, 'frames', `img_${String(i + 1).padStart(5, '0')}.png`), { width, height, data: image });
    }
    return dir;
  }

  it('streams: never more pairs in flight than twice the pool size', async () => {
    const dir = await frameFolder(9);
    let inFlight = 0;
    let most = 0;
    const pool: FlowPool = {
      size: 1,
      async compute(a, b, o) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return tvl1(a, b, o);
      },
      close: async () => {},
    };
    const result = await extractFlow(path.join(dir, 'frames'), path.join(dir, 'flow'), { format: 'flo', pool, template: 'img_{:05d}.png' });
    expect(result).toMatchObject({ pairs: 8, computed: 8 });
    expect(most).toBe(2);
  });

  it('refuses a one-frame folder and an empty video with an error naming them, writing nothing', async () => {
    const dir = await frameFolder(1);
    const out = path.join(dir, 'flow');
    const one = extractFlow(path.join(dir, 'frames'), out, { template: 'img_{:05d}.png' });
    await expect(one).rejects.toThrow(Tvl1Error);
    await expect(extractFlow(path.join(dir, 'frames'), out, { template: 'img_{:05d}.png' })).rejects.toThrow(/frames: has 1 frame; flow needs at least 2/);
    await writeFile(path.join(dir, 'empty.mp4'), '');
    await expect(extractFlow(path.join(dir, 'empty.mp4'), out)).rejects.toThrow(VideoIOError);
    await expect(extractFlow(path.join(dir, 'missing.mp4'), out)).rejects.toThrow(/missing\.mp4: no such file/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an output folder it cannot write before computing anything', async () => {
    const dir = await frameFolder(3);
    await writeFile(path.join(dir, 'a-file'), 'not a folder');
    const out = path.join(dir, 'a-file', 'flow');
    let computed = 0;
    const pool: FlowPool = {
      size: 1,
      async compute(a, b, o) {
        computed += 1;
        return tvl1(a, b, o);
      },
      close: async () => {},
    };
    const run = extractFlow(path.join(dir, 'frames'), out, { pool, template: 'img_{:05d}.png' });
    await expect(run).rejects.toThrow(Tvl1Error);
    await expect(extractFlow(path.join(dir, 'frames'), out, { pool, template: 'img_{:05d}.png' })).rejects.toThrow(/a-file\/flow: cannot write flow files here \(ENOTDIR\)/);
    expect(computed).toBe(0);
  });

  it('stops at a frame of another size, naming it; the pairs before it are complete files, nothing half-written', async () => {
    const dir = await frameFolder(5, [[40, 32], [40, 32], [40, 32], [48, 32]]);
    const out = path.join(dir, 'flow');
    await expect(extractFlow(path.join(dir, 'frames'), out, { format: 'flo', workers: 1, template: 'img_{:05d}.png' })).rejects.toThrow(/img_00004\.png: size 48x32 differs from the folder's 40x32/);
    const names = (await readdir(out)).filter((n) => n !== 'flow-settings.json');
    expect(names.every((n) => /^flow_0000[12]\.flo$/.test(n))).toBe(true);
    for (const name of names) expect((await readFlo(path.join(out, name))).width).toBe(40);
  });

  it.each([
    [{ bound: Number.NaN }, /bound: must be a positive number, got NaN/],
    [{ workers: Number.NaN }, /workers: must be a positive integer, got NaN/],
    [{ format: 'png' }, /format: must be 'jpg' or 'flo', got png/],
    [{ tvl1: { lambda: Number.NaN } }, /tvl1\.lambda: must be positive, got NaN/],
  ])('refuses the option %o before reading or writing anything', async (options, message) => {
    const out = path.join(tmpdir(), `tjn-never-${process.pid}`);
    await expect(extractFlow(path.join(DATA, 'videos/part_0.mp4'), out, options as never)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it('the worker pool runs under `node --input-type=module -e` (workers must not inherit that flag)', () => {
    const dist = path.resolve(import.meta.dirname, '../dist/index.js');
    const script = `import { createFlowPool } from ${JSON.stringify(dist)};
const frame = (shift) => ({ data: Uint8Array.from({ length: 32 * 32 }, (_, i) => 128 + 100 * Math.sin(((i % 32) - shift) / 3)), width: 32, height: 32, channels: 1 });
const pool = createFlowPool(2);
const flow = await pool.compute(frame(0), frame(1), {});
await pool.close();
console.log(pool.size, flow.u.length);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('2 1024');
  });

  it('createFlowPool refuses a worker count that is not a positive integer', () => {
    expect(() => createFlowPool(0)).toThrow(/workers: must be a positive integer, got 0/);
    expect(() => createFlowPool(Number.NaN)).toThrow(Tvl1Error);
  });

  it('a flow thread that dies mid-extraction fails the run naming the pair, never hangs, and a rerun completes', async () => {
    const video = path.join(DATA, 'videos/part_0.mp4');
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-extract-crash-'));
    const options = { resize: { width: 48, height: 36 }, workers: 2, format: 'flo' as const };
    process.env.TRAJECTORYNET_FAIL_WORKER = 'TV-L1 pair@4'; // every flow thread exits at its 4th pair
    let error: Error & { code?: string; path?: string };
    try {
      error = await extractFlow(video, out, options).then(() => new Error('no failure'), (e) => e);
    } finally {
      delete process.env.TRAJECTORYNET_FAIL_WORKER;
    }
    expect(error.code).toBe('WORKER');
    expect(error.path).toMatch(/part_0\.mp4 pair \d+ \(frames \d+-\d+\)$/);
    const written = (await readdir(out)).filter((n) => n.endsWith('.flo'));
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(31);
    // the pairs written before the failure are whole files: a rerun keeps them and computes the rest
    const rerun = await extractFlow(video, out, options);
    expect(rerun.skipped).toBe(written.length);
    expect(rerun.computed + rerun.skipped).toBe(31);
  });

  it('pairs: only the pairs asked for, decoding only their frames, equal to the same pairs of a full extraction', async () => {
    const video = path.join(DATA, 'videos/part_0.mp4');
    const [all, some] = [await mkdtemp(path.join(tmpdir(), 'tjn-all-')), await mkdtemp(path.join(tmpdir(), 'tjn-some-'))];
    const options = { resize: { width: 40, height: 30 }, format: 'flo' as const, workers: 1 };
    await extractFlow(video, all, options);
    const result = await extractFlow(video, some, { ...options, pairs: [7, 3, 7, 30] });
    expect(result).toMatchObject({ pairs: 3, computed: 3, skipped: 0 });
    expect((await readdir(some)).sort()).toEqual(['flow-settings.json', 'flow_00004.flo', 'flow_00008.flo', 'flow_00031.flo']);
    for (const name of ['flow_00004.flo', 'flow_00008.flo', 'flow_00031.flo']) {
      const [a, b] = await Promise.all([readFlo(path.join(all, name)), readFlo(path.join(some, name))]);
      expect(Buffer.from(b.u.buffer).equals(Buffer.from(a.u.buffer)), name).toBe(true);
    }
    expect((await extractFlow(video, some, { ...options, pairs: [3] })).computed).toBe(0);
    await expect(extractFlow(video, some, { ...options, pairs: [31] })).rejects.toThrow(/pair 31 needs frame 33, the input has 32/);
  });
});
