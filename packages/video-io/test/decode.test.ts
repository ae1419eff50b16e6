import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@trajectorynet/core';
import { decodeFrames, ffmpegPath, probeVideo, readFrames, VideoIOError } from '../src/index.js';
import { DATA } from './data.js';
import { ffmpegReference } from './ffmpeg-reference.js';

const W = 32;
const H = 24;
const T = 12;
/** The exact pixels of frame f: a pattern that differs per frame, row and column. */
const pixel = (f: number, x: number, y: number, c: number) => (f * 37 + x * 5 + y * 9 + c * 71) % 256;

let lossless: string;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tjn-decode-'));
  const raw = Buffer.alloc(W * H * 3 * T);
  for (let f = 0; f < T; f++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) raw[((f * H + y) * W + x) * 3 + c] = pixel(f, x, y, c);
  await writeFile(path.join(dir, 'raw.rgb'), raw);
  lossless = path.join(dir, 'pattern.mkv');
  // lossless RGB H.264, so the decoded pixels must equal the pattern exactly
  execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', '10', '-i', path.join(dir, 'raw.rgb'), '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', lossless]);
});

describe('decoding', () => {
  it('probes and decodes a generated lossless clip to exactly its pixels', async () => {
    expect(await probeVideo(lossless)).toMatchObject({ width: W, height: H, fps: 10, frameCount: T });
    const { frames, width, height } = await readFrames(lossless);
    expect([width, height, frames.length]).toEqual([W, H, T]);
    for (let f = 0; f < T; f++) {
      const expected = Uint8Array.from({ length: W * H * 3 }, (_, i) => pixel(f, Math.floor(i / 3) % W, Math.floor(i / 3 / W), i % 3));
      expect(Buffer.from(frames[f]).equals(Buffer.from(expected)), `frame ${f}`).toBe(true);
    }
  });

  it('picks frames by index, in the order asked, and refuses an index past the end', async () => {
    const { frames } = await readFrames(lossless, { indices: [7, 0, 7, 11] });
    expect(frames.map((f) => f[0])).toEqual([7, 0, 7, 11].map((i) => pixel(i, 0, 0, 0)));
    const error = await readFrames(lossless, { indices: [3, 12] }).catch((e) => e);
    expect(error).toBeInstanceOf(VideoIOError);
    expect(error.code).toBe('OUT_OF_RANGE');
    expect(error.message).toContain(lossless);
    expect(error.message).toMatch(/frame 12 requested but the video has 12/);
  });

  it('streams with start/end and resize', async () => {
    const seen: number[] = [];
    for await (const frame of decodeFrames(lossless, { start: 3, end: 6, resize: { width: 16, height: 12 } })) {
      seen.push(frame.index);
      expect(frame.data.length).toBe(16 * 12 * 3);
    }
    expect(seen).toEqual([3, 4, 5]);
  });

  it.each([
    ['videos/test.mp4', 340, 256],
    ['videos/part_0.mp4', 340, 256],
    ['videos/test.avi', 320, 240],
  ])('real file %s: sparse frames (select filter) have the pixels of the full ffmpeg -f rawvideo decode', async (name, width, height) => {
    const file = path.join(DATA, name);
    const info = await probeVideo(file);
    expect([info.width, info.height]).toEqual([width, height]);
    const reference = ffmpegReference(file, width, height);
    expect(info.frameCount).toBe(reference.length);
    const n = reference.length;
    // ends, a run of neighbours (one between() term), a repeat, out of order, and random ones
    const random = seededRandom(n);
    const indices = [n - 1, 0, 1, 2, 3, Math.floor(n / 2), 1, ...Array.from({ length: 5 }, () => Math.floor(random() * n))];
    const { frames } = await readFrames(file, { indices });
    expect(frames).toHaveLength(indices.length);
    for (const [k, i] of indices.entries()) expect(Buffer.from(frames[k]).equals(reference[i]), `frame ${i}`).toBe(true);
    // resized: the selected frames equal the same frames of a full resized decode
    const resize = { width: 96, height: 72 };
    const picked = [2, Math.floor(n / 3), n - 2];
    const sparse = await readFrames(file, { indices: picked, resize });
    const full: Uint8Array[] = [];
    for await (const frame of decodeFrames(file, { resize, end: n - 1 })) full.push(frame.data);
    for (const [k, i] of picked.entries()) expect(Buffer.from(sparse.frames[k]).equals(Buffer.from(full[i])), `resized frame ${i}`).toBe(true);
  });

  it('decodeFrames with indices and start/end yields each selected frame once, in file order', async () => {
    const seen: number[] = [];
    for await (const frame of decodeFrames(lossless, { indices: [9, 2, 5, 2, 11], start: 3, end: 11 })) {
      seen.push(frame.index);
      expect(frame.data[0]).toBe(pixel(frame.index, 0, 0, 0));
    }
    expect(seen).toEqual([5, 9]);
  });

  it('names the file and the problem for missing, empty and truncated videos', async () => {
    await expect(probeVideo(path.join(dir, 'missing.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
    const empty = path.join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await expect(probeVideo(empty)).rejects.toThrow(/empty\.mp4: the file is empty/);
    const truncated = path.join(dir, 'truncated.mp4');
    const bytes = await readFile(path.join(DATA, 'videos/test.mp4'));
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const error = await (async () => {
      const info = await probeVideo(truncated);
      await readFrames(truncated, { indices: [info.frameCount > 250 ? 299 : 299] });
    })().catch((e) => e);
    expect(error).toBeInstanceOf(VideoIOError);
    expect(error.message).toContain('truncated.mp4');
    expect(['CORRUPT', 'TRUNCATED', 'OUT_OF_RANGE']).toContain(error.code);
  });
});
