import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSyntheticDataset, readFlo, readFrames, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import { describe, expect, it } from 'vitest';
import { createFlowPool, extractFlow, tvl1 } from '../src/index.js';
import { DATA } from './data.js';

describe('extractFlow', () => {
  it('a frame folder -> .flo files equal to tvl1 on each pair; a second run skips everything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-extract-'));
    const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 4, width: 40, height: 32 });
    const clip = renderSyntheticClip(samples[2]);
    for (const [i, data] of clip.frames.entries()) await writeFrame(path.join(dir, 'frames', `img_${String(i + 1).padStart(5, '0')}.png`), { width: 40, height: 32, data });
    const first = await extractFlow(path.join(dir, 'frames'), path.join(dir, 'flow'), { format: 'flo', workers: 2, template: 'img_{:05d}.png' });
    expect(first).toMatchObject({ pairs: 3, computed: 3, skipped: 0 });
    expect((await readdir(path.join(dir, 'flow'))).sort()).toEqual(['flow_00001.flo', 'flow_00002.flo', 'flow_00003.flo']);
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
});
