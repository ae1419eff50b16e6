import { seededRandom } from '@trajectorynet/core';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createLoader,
  createSyntheticDataset,
  cropBox,
  denseIndices,
  framesToFloat,
  listTypeOf,
  readMmactionList,
  readVideoList,
  renderSyntheticClip,
  renderSyntheticFlows,
  SYNTHETIC_LABELS,
  segmentIndices,
} from '../src/index.js';

describe('synthetic dataset: the textured look and slower motion', () => {
  const options = { split: 'train' as const, clipsPerClass: 2, frames: 4, width: 128, height: 128, seed: 5 };
  const stripes = createSyntheticDataset(options);
  const textured = createSyntheticDataset({ ...options, appearance: 'textured' });

  it('changes only the object: same background, same motion', () => {
    for (let i = 0; i < 4; i++) {
      const a = renderSyntheticClip(stripes.samples[i]);
      const b = renderSyntheticClip(textured.samples[i]);
      const flowsA = renderSyntheticFlows(stripes.samples[i]);
      const flowsB = renderSyntheticFlows(textured.samples[i]);
      expect(flowsB.forward[0].u).toEqual(flowsA.forward[0].u);
      expect(flowsB.forward[2].v).toEqual(flowsA.forward[2].v);
      // background pixels (no motion) equal; object pixels differ somewhere
      const moving = flowsA.forward[0];
      let [differentObject, differentBackground] = [0, 0];
      for (let p = 0; p < 128 * 128; p++) {
        const still = moving.u[p] === 0 && moving.v[p] === 0;
        for (let c = 0; c < 3; c++) {
          if (b.frames[0][p * 3 + c] === a.frames[0][p * 3 + c]) continue;
          if (still) differentBackground++;
          else differentObject++;
        }
      }
      expect(differentBackground).toBe(0);
      expect(differentObject).toBeGreaterThan(100);
    }
  });

  it('degrades the true motion by a smooth, seeded error of about the size asked for', () => {
    let [squares, neighbours, values] = [0, 0, 0];
    for (const sample of stripes.samples.slice(0, 8)) {
      const truth = renderSyntheticFlows(sample).forward[1];
      const noisy = renderSyntheticFlows(sample, { noise: 2 }).forward[1];
      expect(renderSyntheticFlows(sample, { noise: 2 }).forward[1].u).toEqual(noisy.u);
      expect(renderSyntheticFlows(sample, { noise: 0 }).forward[1].u).toEqual(truth.u);
      const error = noisy.u.map((u, p) => u - truth.u[p]);
      for (let p = 0; p + 1 < error.length; p++) {
        squares += error[p] ** 2;
        neighbours += error[p] * error[p + 1];
        values += 1;
      }
    }
    // 2 px at 64x64 is 4 px at 128x128 at the grid points; bilinear interpolation between them lowers it
    const rms = Math.sqrt(squares / values);
    expect(rms).toBeGreaterThan(0.5 * 4);
    expect(rms).toBeLessThan(1.1 * 4);
    // smooth: neighbouring pixels err together
    expect(neighbours / squares).toBeGreaterThan(0.9);
  });

  it('leaves out the spin when asked: one translation for every object pixel, the rigid flow mean', () => {
    for (const sample of stripes.samples.slice(0, 4)) {
      const rigid = renderSyntheticFlows(sample).forward[0];
      const translation = renderSyntheticFlows(sample, { spin: false }).forward[0];
      const object = [...rigid.u.keys()].filter((p) => rigid.u[p] !== 0 || rigid.v[p] !== 0);
      // same support: the object's pixels in the frame the flow starts from
      expect([...translation.u.keys()].filter((p) => translation.u[p] !== 0 || translation.v[p] !== 0)).toEqual(object);
      const [u0, v0] = [translation.u[object[0]], translation.v[object[0]]];
      for (const p of object) expect([translation.u[p], translation.v[p]]).toEqual([u0, v0]);
      // a turn about the centre averages to zero over the square: the rigid flow's mean is the translation
      const mean = (values: Float32Array) => object.reduce((sum, p) => sum + values[p], 0) / object.length;
      expect(mean(rigid.u)).toBeCloseTo(u0, 0);
      expect(mean(rigid.v)).toBeCloseTo(v0, 0);
      // and the rigid flow does turn: its spread around the translation is well above zero
      const spread = Math.sqrt(object.reduce((sum, p) => sum + (rigid.u[p] - u0) ** 2 + (rigid.v[p] - v0) ** 2, 0) / object.length);
      expect(spread).toBeGreaterThan(1);
    }
  });

  it('moves at the speed asked for', () => {
    const slow = createSyntheticDataset({ ...options, motion: { speed: [3, 5], turn: [10, 15] } });
    for (const sample of slow.samples) {
      const { u, v } = renderSyntheticFlows(sample).forward[0];
      // the centre moves 3-5 px at 64x64, 6-10 px at 128x128; rotation adds at most |2 sin(turn/2)| x the half-diagonal
      const largest = Math.max(...u.map((x, p) => Math.hypot(x, v[p])));
      expect(largest).toBeGreaterThan(6 - 1e-3);
      expect(largest).toBeLessThan(10 + 2 * Math.sin((15 * Math.PI) / 360) * 26 * Math.SQRT2 + 1e-3);
    }
  });
});

describe('synthetic dataset', () => {
  it('8 classes, deterministic rendering, disjoint splits', () => {
    const train = createSyntheticDataset({ split: 'train', clipsPerClass: 2, frames: 6, width: 48, height: 40, seed: 3 });
    const val = createSyntheticDataset({ split: 'val', clipsPerClass: 2, frames: 6, width: 48, height: 40, seed: 3 });
    expect(train.labels).toEqual(SYNTHETIC_LABELS);
    expect(SYNTHETIC_LABELS).toHaveLength(8);
    expect(train.samples.map((s) => s.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
    const a = renderSyntheticClip(train.samples[5]);
    const b = renderSyntheticClip(train.samples[5]);
    expect(a.frames).toHaveLength(6);
    expect(a.frames[0].length).toBe(48 * 40 * 3);
    expect(a.frames.every((f, i) => Buffer.from(f).equals(Buffer.from(b.frames[i])))).toBe(true);
    const seeds = new Set(train.samples.map((s) => s.synthetic.seed));
    expect(val.samples.some((s) => seeds.has(s.synthetic.seed))).toBe(false);
  });

  it('objects move several pixels per frame: consecutive frames differ, the background does not move', () => {
    const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, seed: 1 });
    for (const sample of samples) {
      const { frames } = renderSyntheticClip(sample);
      let changed = 0;
      for (let i = 0; i < frames[0].length; i++) if (frames[0][i] !== frames[1][i]) changed += 1;
      // a 14-22 px square moving 2.5-4 px and turning ~20 deg changes hundreds of values, but far from all
      expect(changed).toBeGreaterThan(150);
      expect(changed).toBeLessThan(frames[0].length / 3);
    }
  });
});

describe('sampling and transforms', () => {
  it('segment sampling: centres when testing, inside each segment when training', () => {
    expect(segmentIndices(80, 8, 'test')).toEqual([5, 15, 25, 35, 45, 55, 65, 75]);
    let k = 0; // a fixed sequence of "random" numbers
    const seq = [0, 0.99, 0.5, 0.25];
    const train = segmentIndices(40, 4, 'train', () => seq[k++ % seq.length]);
    expect(train).toEqual([0, 19, 25, 32]);
    expect(segmentIndices(3, 8, 'test').every((i) => i >= 0 && i < 3)).toBe(true);
    // clip 0 of 2: a quarter into each segment
    expect(segmentIndices(80, 8, 'test', Math.random, 0.25)).toEqual([2, 12, 22, 32, 42, 52, 62, 72]);
  });

  it('dense sampling: evenly spread test windows, looping in short videos', () => {
    expect(denseIndices(100, { clipLength: 4, interval: 2, mode: 'test', clipIndex: 0, numClips: 3 })).toEqual([0, 2, 4, 6]);
    expect(denseIndices(100, { clipLength: 4, interval: 2, mode: 'test', clipIndex: 2, numClips: 3 })).toEqual([93, 95, 97, 99]);
    expect(denseIndices(5, { clipLength: 4, interval: 2, mode: 'test' })).toEqual([0, 2, 4, 1]);
  });

  it('framesToFloat: identity, flip, normalisation and exact bilinear resizing of a ramp', () => {
    const [w, h] = [8, 4];
    const frame = Uint8Array.from({ length: w * h * 3 }, (_, i) => 10 * (Math.floor(i / 3) % w)); // value = 10 * x
    const out = new Float32Array(w * h * 3);
    const identity = { box: cropBox('full', w, h), outWidth: w, outHeight: h, flip: false, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    framesToFloat([frame], w, h, identity, out);
    expect(Array.from(out.subarray(0, 6)).map((v) => Math.round(v * 255))).toEqual([0, 0, 0, 10, 10, 10]);
    framesToFloat([frame], w, h, { ...identity, flip: true }, out);
    expect(Math.round(out[0] * 255)).toBe(70);
    const half = new Float32Array(4 * 2 * 3);
    framesToFloat([frame], w, h, { ...identity, outWidth: 4, outHeight: 2 }, half);
    // output column x samples source x' = 2x + 0.5: value 10 * x'
    expect(Array.from({ length: 4 }, (_, x) => Math.round(half[x * 3] * 255 * 10) / 10)).toEqual([5, 25, 45, 65]);
    expect(cropBox('centre', 340, 256)).toEqual({ x: 42, y: 0, width: 256, height: 256 });
  });
});

describe('manifests and loader', () => {
  it('reads an mmaction rawframes list and names a bad line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-list-'));
    const list = path.join(dir, 'train.txt');
    await writeFile(list, 'a 30 0\nb 12 2\n');
    const ds = await readMmactionList(list, { root: dir, type: 'rawframes' });
    expect(ds.samples).toEqual([
      { path: path.join(dir, 'a'), id: 'a', label: 0, frameCount: 30, kind: 'frames' },
      { path: path.join(dir, 'b'), id: 'b', label: 2, frameCount: 12, kind: 'frames' },
    ]);
    expect(ds.labels).toEqual(['0', '1', '2']);
    await writeFile(list, 'a 30 0\nb twelve 2\n');
    await expect(readMmactionList(list, { root: dir, type: 'rawframes' })).rejects.toThrow(/train\.txt: line 2: total_frames/);
    // paths with spaces: the numbers are read from the right
    await writeFile(list, 'my clips/a b.mp4 4\nsingle.mp4 0\n');
    expect(listTypeOf('my clips/a b.mp4 4\n')).toBe('videos');
    expect(listTypeOf('frames/x 30 2\n')).toBe('rawframes');
    const videos = await readMmactionList(list, { root: dir, type: 'videos' });
    expect(videos.samples.map((s) => [s.id, s.path, s.label])).toEqual([
      ['my clips/a b.mp4', path.join(dir, 'my clips/a b.mp4'), 4],
      ['single.mp4', path.join(dir, 'single.mp4'), 0],
    ]);
    await writeFile(list, 'lonely\n');
    await expect(readMmactionList(list, { root: dir, type: 'videos' })).rejects.toThrow(/line 1: expected 2 columns/);
    // lists for flow extraction: paths (with spaces), with or without the numeric columns
    await writeFile(list, 'my clips/a b.mp4 4\nframes/x 30 2\nplain.avi\nplain.avi\n');
    expect(await readVideoList(list, dir)).toEqual([
      { id: 'my clips/a b.mp4', path: path.join(dir, 'my clips/a b.mp4') },
      { id: 'frames/x', path: path.join(dir, 'frames/x') },
      { id: 'plain.avi', path: path.join(dir, 'plain.avi') },
    ]);
    await writeFile(list, 'a.mp4 0\na.avi 1\n');
    await expect(readVideoList(list, dir)).rejects.toThrow(/line 2: 'a\.mp4' and 'a\.avi' would write the same flow folder 'a'/);
    await writeFile(list, '../outside.mp4\n');
    await expect(readVideoList(list, dir)).rejects.toThrow(/must be a path inside the dataset root/);
  });

  it('loader: batches in the given order, at most `prefetch` loads in flight, bad samples skipped when asked', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const load = async (i: number) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      if (i === 3) throw new Error('sample 3 is broken');
      return { data: Float32Array.from([i, i]), shape: [2], label: i % 2 };
    };
    const order = seededRandom(1).permutation(7);
    const loader = createLoader(7, load, { batchSize: 2, order, prefetch: 3, skipBad: true });
    const seen: number[] = [];
    for await (const batch of loader) {
      expect(batch.shape[1]).toBe(2);
      seen.push(...batch.indices);
      expect(Array.from(batch.data.filter((_, j) => j % 2 === 0))).toEqual(Array.from(batch.indices));
    }
    expect(seen).toEqual(order.filter((i) => i !== 3));
    expect(loader.skipped).toEqual([{ index: 3, error: 'sample 3 is broken' }]);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    await expect(
      (async () => {
        for await (const _ of createLoader(7, load, { batchSize: 2 })) void _;
      })(),
    ).rejects.toThrow(/sample 3 is broken/);
    expect(seededRandom(1).permutation(7)).toEqual(order);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
