import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  countFrames,
  detectFrameTemplate,
  flowFileNames,
  flowToColor,
  frameFileName,
  quantiseFlow,
  readFlo,
  readFlowJpegs,
  readFrameFolder,
  readImage,
  writeFlo,
  writeFlowJpegs,
  writeFrame,
} from '../src/index.js';
import { DATA } from './data.js';

const tmp = () => mkdtemp(path.join(tmpdir(), 'tjn-files-'));

describe('frame folders', () => {
  it('reads the mmaction rawframes folder', async () => {
    const dir = path.join(DATA, 'rawframes');
    expect(await countFrames(dir)).toBe(10);
    const { width, height, frames } = await readFrameFolder(dir, { indices: [0, 9] });
    expect(frames).toHaveLength(2);
    expect(frames[0].length).toBe(width * height * 3);
    const single = await readImage(path.join(dir, 'img_00010.jpg'));
    expect(Buffer.from(single.data).equals(Buffer.from(frames[1]))).toBe(true);
    await expect(readFrameFolder(dir, { indices: [10] })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });

  it('templates: img_{:05d}.jpg, {:05d}.jpg, frame{}.png', () => {
    expect(frameFileName('img_{:05d}.jpg', 0)).toBe('img_00001.jpg');
    expect(frameFileName('{:05d}.jpg', 41)).toBe('00042.jpg');
    expect(frameFileName('frame{}.png', 9)).toBe('frame10.png');
  });

  it('detects the folder layout: img_00001.jpg, 00001.jpg, or neither', async () => {
    expect(detectFrameTemplate(path.join(DATA, 'rawframes'))).toBe('img_{:05d}.jpg');
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-template-'));
    expect(detectFrameTemplate(dir)).toBeNull();
    await writeFile(path.join(dir, '00001.jpg'), '');
    expect(detectFrameTemplate(dir)).toBe('{:05d}.jpg');
    // other prefixes, widths and image types, numbered from 1
    for (const [name, template] of [['frame_0001.png', 'frame_{:04d}.png'], ['1.bmp', '{:01d}.bmp'], ['x_000001.jpeg', 'x_{:06d}.jpeg']]) {
      const other = await mkdtemp(path.join(tmpdir(), 'tjn-template-'));
      await writeFile(path.join(other, 'notes.txt'), '');
      await writeFile(path.join(other, name), '');
      expect(detectFrameTemplate(other), name).toBe(template);
    }
    const zeroBased = await mkdtemp(path.join(tmpdir(), 'tjn-template-'));
    await writeFile(path.join(zeroBased, 'img_0000.png'), '');
    expect(detectFrameTemplate(zeroBased)).toBeNull();
  });

  it('writes PNG losslessly and atomically; a corrupt JPEG is named', async () => {
    const dir = await tmp();
    const image = { width: 5, height: 3, data: Uint8Array.from({ length: 45 }, (_, i) => (i * 17) % 256) };
    await writeFrame(path.join(dir, 'a.png'), image);
    expect(await readdir(dir)).toEqual(['a.png']);
    expect(Buffer.from((await readImage(path.join(dir, 'a.png'))).data).equals(Buffer.from(image.data))).toBe(true);
    await writeFile(path.join(dir, 'bad.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x12]));
    await expect(readImage(path.join(dir, 'bad.jpg'))).rejects.toThrow(/bad\.jpg: cannot decode the image/);
  });
});

describe('flow files', () => {
  it('.flo: reads FlyingChairs ground truth, round-trips bit-exactly, detects truncation', async () => {
    const flow = await readFlo(path.join(DATA, 'flow/flyingchairs/0000000-gt.flo'));
    expect([flow.width, flow.height]).toEqual([512, 384]);
    const dir = await tmp();
    const copy = path.join(dir, 'copy.flo');
    await writeFlo(copy, flow);
    const bytes = await readFile(copy);
    expect(bytes.equals(await readFile(path.join(DATA, 'flow/flyingchairs/0000000-gt.flo')))).toBe(true);
    await writeFile(copy, bytes.subarray(0, 1000));
    await expect(readFlo(copy)).rejects.toMatchObject({ code: 'TRUNCATED' });
    await writeFile(copy, 'XXXX nonsense here');
    await expect(readFlo(copy)).rejects.toThrow(/bad magic/);
  });

  it('dense_flow JPEGs: reads the shared x/y images, and write -> read loses at most the quantisation plus JPEG error', async () => {
    const names = flowFileNames(1);
    expect(names).toEqual({ x: 'x_00001.jpg', y: 'y_00001.jpg' });
    expect(flowFileNames(12, 'dense_flow')).toEqual({ x: 'flow_x_00012.jpg', y: 'flow_y_00012.jpg' });
    const shared = await readFlowJpegs(path.join(DATA, 'rawframes', names.x), path.join(DATA, 'rawframes', names.y));
    expect(shared.u.every((v) => v >= -20 && v <= 20)).toBe(true);
    const [w, h] = [48, 32];
    const u = Float32Array.from({ length: w * h }, (_, i) => 6 * Math.sin(i / 50));
    const v = Float32Array.from({ length: w * h }, (_, i) => 30 * Math.cos(i / 70)); // beyond the bound: clipped
    const dir = await tmp();
    await writeFlowJpegs(path.join(dir, 'x.jpg'), path.join(dir, 'y.jpg'), { width: w, height: h, u, v });
    const back = await readFlowJpegs(path.join(dir, 'x.jpg'), path.join(dir, 'y.jpg'));
    let meanU = 0;
    for (let i = 0; i < w * h; i++) meanU += Math.abs(back.u[i] - u[i]) / (w * h);
    // one quantisation step is 40/255 = 0.157 px; JPEG at quality 95 adds about a step on smooth data
    expect(meanU).toBeLessThan(0.3);
    expect(Math.max(...back.v)).toBeLessThanOrEqual(20.01);
  });

  it('flow JPEGs are written with one channel, like dense_flow\'s; the old 3-channel files still read the same', async () => {
    const [w, h] = [40, 24];
    const u = Float32Array.from({ length: w * h }, (_, i) => 8 * Math.sin(i / 30));
    const v = Float32Array.from({ length: w * h }, (_, i) => -5 * Math.cos(i / 45));
    const dir = await tmp();
    await writeFlowJpegs(path.join(dir, 'x.jpg'), path.join(dir, 'y.jpg'), { width: w, height: h, u, v });
    for (const name of ['x.jpg', 'y.jpg']) expect((await sharp(path.join(dir, name)).metadata()).channels).toBe(1);
    // dense_flow's own files in the shared data are greyscale too
    expect((await sharp(path.join(DATA, 'rawframes', 'x_00001.jpg')).metadata()).channels).toBe(1);
    // the layout of earlier versions: the same bytes in three channels
    const bytes = quantiseFlow(u, 20);
    const rgb = new Uint8Array(w * h * 3).map((_, i) => bytes[Math.floor(i / 3)]);
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toFile(path.join(dir, 'x3.jpg'));
    expect((await sharp(path.join(dir, 'x3.jpg')).metadata()).channels).toBe(3);
    const old = await readFlowJpegs(path.join(dir, 'x3.jpg'), path.join(dir, 'y.jpg'));
    let error = 0;
    for (let i = 0; i < w * h; i++) error = Math.max(error, Math.abs(old.u[i] - u[i]));
    expect(error).toBeLessThan(1); // a few quantisation steps (0.157 px each) of JPEG error at most
  });

  it('flowToColor: zero is white, right is red, left is cyan, unknown is black', () => {
    const flow = { width: 4, height: 1, u: Float32Array.from([0, 1, -1, 2e9]), v: Float32Array.from([0, 0, 0, 0]) };
    const { data } = flowToColor(flow);
    expect(Array.from(data.subarray(0, 3))).toEqual([255, 255, 255]);
    const [r1, g1, b1] = data.subarray(3, 6);
    expect(r1).toBeGreaterThan(200);
    expect(Math.max(g1, b1)).toBeLessThan(60);
    const [r2, g2, b2] = data.subarray(6, 9);
    expect(r2).toBeLessThan(60);
    expect(Math.min(g2, b2)).toBeGreaterThan(150);
    expect(Array.from(data.subarray(9, 12))).toEqual([0, 0, 0]);
  });
});
