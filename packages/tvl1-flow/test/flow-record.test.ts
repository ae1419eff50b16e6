import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSyntheticDataset, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowPool, extractFlow, extractVideos, FLOW_RECORD, type FlowPool, partialFolderOf, readFlowRecord } from '../src/index.js';
import { DATA } from './data.js';

const tmp = () => mkdtemp(path.join(tmpdir(), 'tjn-record-'));
const width = async (file: string) => (await sharp(file).metadata()).width;

describe('flow folders record what made them', () => {
  let pool: FlowPool;
  beforeAll(() => {
    pool = createFlowPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('extract-flow again at another frame size re-extracts the video instead of reporting it done', async () => {
    const dir = await tmp();
    const jobs = [{ input: path.join(DATA, 'videos/part_0.mp4'), outDir: path.join(dir, 'flow', 'part_0') }];
    const small = await extractVideos(jobs, { resize: { width: 34, height: 26 }, pool });
    expect(small.done[0].result).toMatchObject({ pairs: 31, computed: 31 });
    expect(await width(path.join(dir, 'flow/part_0/x_00001.jpg'))).toBe(34);
    const record = await readFlowRecord(path.join(dir, 'flow/part_0'));
    expect(record).toMatchObject({ resize: { width: 34, height: 26 }, format: 'jpg', bound: 20, input: { path: path.join(DATA, 'videos/part_0.mp4') } });
    expect(record?.tvl1.preset).toBe('accurate');

    const same = await extractVideos(jobs, { resize: { width: 34, height: 26 }, pool });
    expect(same.done[0].result).toMatchObject({ computed: 0 });

    const larger = await extractVideos(jobs, { resize: { width: 40, height: 30 }, pool });
    expect(larger.done[0].result).toMatchObject({ pairs: 31, computed: 31 });
    expect(larger.done[0].result.replaced).toBe('frame size 34x26, wanted 40x30');
    expect(await width(path.join(dir, 'flow/part_0/x_00031.jpg'))).toBe(40);
    expect(await width(path.join(dir, 'flow/part_0/x_00001.jpg'))).toBe(40);
    expect(existsSync(partialFolderOf(path.join(dir, 'flow/part_0')))).toBe(false);

    const quantised = await extractVideos(jobs, { resize: { width: 40, height: 30 }, bound: 15, pool });
    expect(quantised.done[0].result.replaced).toBe('JPEG bound 20, wanted 15');
  });

  it('another video under the same name gets its own flows, not the first one\'s', async () => {
    const dir = await tmp();
    for (const [folder, video] of [
      ['a', 'part_0.mp4'],
      ['b', 'test.avi'],
    ]) {
      await mkdir(path.join(dir, folder));
      await symlink(path.join(DATA, 'videos', video), path.join(dir, folder, 'clip.mp4'));
    }
    const out = path.join(dir, 'flow');
    const options = { pairs: [0, 1], resize: { width: 34, height: 26 }, pool };
    const a = await extractFlow(path.join(dir, 'a/clip.mp4'), out, options);
    expect(a).toMatchObject({ computed: 2 });
    const first = await sharp(path.join(out, 'x_00001.jpg')).raw().toBuffer();
    const b = await extractFlow(path.join(dir, 'b/clip.mp4'), out, options);
    expect(b).toMatchObject({ computed: 2 });
    expect(b.replaced).toMatch(/a\/clip\.mp4, not .*b\/clip\.mp4/);
    expect((await sharp(path.join(out, 'x_00001.jpg')).raw().toBuffer()).equals(first)).toBe(false);
    expect((await readFlowRecord(out))?.input.path).toBe(path.join(dir, 'b/clip.mp4'));
  });

  it('flows without a record (another tool, an older version) are recomputed rather than trusted', async () => {
    const dir = await tmp();
    const out = path.join(dir, 'flow');
    await extractFlow(path.join(DATA, 'videos/part_0.mp4'), out, { pairs: [0], resize: { width: 34, height: 26 }, pool });
    const { rm } = await import('node:fs/promises');
    await rm(path.join(out, FLOW_RECORD));
    const again = await extractFlow(path.join(DATA, 'videos/part_0.mp4'), out, { pairs: [0], resize: { width: 34, height: 26 }, pool });
    expect(again).toMatchObject({ computed: 1 });
    expect(again.replaced).toMatch(/no flow-settings\.json/);
  });

  it('a video that fails midway leaves no folder under its final name; the next run completes it there', async () => {
    const dir = await tmp();
    const frames = path.join(dir, 'frames');
    const clip = renderSyntheticClip(createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 5, width: 40, height: 32 }).samples[0]);
    const write = (i: number, w: number) => writeFrame(path.join(frames, `img_${String(i + 1).padStart(5, '0')}.png`), { width: w, height: 32, data: w === 40 ? clip.frames[i] : new Uint8Array(w * 32 * 3).fill(90) });
    for (let i = 0; i < 5; i++) await write(i, i === 3 ? 44 : 40); // frame 4 of another size: the extraction stops there
    const jobs = [{ input: frames, outDir: path.join(dir, 'flow', 'v') }];
    const failed = await extractVideos(jobs, { format: 'flo', pool });
    expect(failed.failed).toHaveLength(1);
    expect(existsSync(path.join(dir, 'flow', 'v'))).toBe(false);
    expect(await readdir(partialFolderOf(path.join(dir, 'flow', 'v')))).toContain('flow_00001.flo');
    await write(3, 40);
    const done = await extractVideos(jobs, { format: 'flo', pool });
    expect(done.done[0].result.pairs).toBe(4);
    expect((await readdir(path.join(dir, 'flow', 'v'))).sort()).toEqual([FLOW_RECORD, 'flow_00001.flo', 'flow_00002.flo', 'flow_00003.flo', 'flow_00004.flo']);
    expect(existsSync(partialFolderOf(path.join(dir, 'flow', 'v')))).toBe(false);
  });
});
