import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegPath, probeVideo, readFrames, readSomethingV2 } from '../src/index.js';
import { ffmpegReference } from './ffmpeg-reference.js';

const LABELS = { 'Approaching something with your camera': '0', 'Holding something next to something': '2', 'Pushing something from left to right': '1' };
const entry = (id: string, template: string) => ({ id, label: 'filled-in text (not the class)', template, placeholders: ['potato', 'bottle'] });

describe('Something-Something V2', () => {
  it('reads the labels and split JSON (class = template without brackets) and decodes a generated VP9 webm', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-ssv2-'));
    await writeFile(path.join(dir, 'labels.json'), JSON.stringify(LABELS));
    await writeFile(
      path.join(dir, 'train.json'),
      JSON.stringify([entry('78687', 'Holding [something] next to [something]'), entry('42', 'Pushing [something] from left to right'), entry('7', 'Approaching [something] with your camera')]),
    );
    const ds = await readSomethingV2(path.join(dir, 'train.json'), path.join(dir, 'labels.json'), path.join(dir, 'videos'));
    expect(ds.labels).toEqual(['Approaching something with your camera', 'Pushing something from left to right', 'Holding something next to something']);
    expect(ds.samples).toEqual([
      { path: path.join(dir, 'videos', '78687.webm'), id: '78687.webm', label: 2, frameCount: 0, kind: 'video' },
      { path: path.join(dir, 'videos', '42.webm'), id: '42.webm', label: 1, frameCount: 0, kind: 'video' },
      { path: path.join(dir, 'videos', '7.webm'), id: '7.webm', label: 0, frameCount: 0, kind: 'video' },
    ]);

    // SSv2 videos are VP9 webm; the shipped ffmpeg encodes one with libvpx-vp9
    const webm = ds.samples[0].path;
    await mkdir(path.dirname(webm));
    execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=12:duration=2', '-c:v', 'libvpx-vp9', '-b:v', '200k', webm]);
    const info = await probeVideo(webm);
    expect([info.width, info.height, info.frameCount]).toEqual([64, 48, 24]);
    const reference = ffmpegReference(webm, 64, 48);
    expect(reference).toHaveLength(24);
    const { frames } = await readFrames(webm, { indices: [0, 11, 23] });
    for (const [k, i] of [0, 11, 23].entries()) expect(Buffer.from(frames[k]).equals(reference[i]), `frame ${i}`).toBe(true);
  });

  it('names the file and the entry index of a bad entry, and bad labels files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-ssv2-'));
    const labels = path.join(dir, 'labels.json');
    const split = path.join(dir, 'validation.json');
    await writeFile(labels, JSON.stringify(LABELS));
    const read = () => readSomethingV2(split, labels, dir);
    await writeFile(split, JSON.stringify([entry('1', 'Holding [something] next to [something]'), entry('2', 'Dancing with [something]')]));
    await expect(read()).rejects.toThrow(/validation\.json: entry 1: class 'Dancing with something' is not in .*labels\.json/);
    await writeFile(split, JSON.stringify([entry('1', 'Holding [something] next to [something]'), { id: 5 }]));
    await expect(read()).rejects.toThrow(/validation\.json: entry 1: "id" must be a string/);
    await writeFile(split, JSON.stringify([{ id: '3' }]));
    await expect(read()).rejects.toMatchObject({ code: 'BAD_MANIFEST', message: expect.stringMatching(/entry 0: no "template"/) });
    await writeFile(split, '[{"id": "1",');
    await expect(read()).rejects.toThrow(/validation\.json: not valid JSON/);
    await writeFile(labels, JSON.stringify({ a: '0', b: '2' }));
    await expect(read()).rejects.toThrow(/labels\.json: no class has label 1/);
    await writeFile(labels, JSON.stringify({ a: 0 }));
    await expect(read()).rejects.toThrow(/labels\.json: class 'a': the label must be a number in a string/);
    await expect(readSomethingV2(split, path.join(dir, 'missing.json'), dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
