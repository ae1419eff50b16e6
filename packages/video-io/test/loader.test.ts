import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Batch,
  type ClipPipeline,
  createLoader,
  createSyntheticDataset,
  ffmpegPath,
  loadClip,
  readFrames,
  type Loader,
  renderSyntheticClip,
  type Sample,
  VideoIOError,
} from '../src/index.js';
import { seededRandom } from '@trajectorynet/core';
import { DATA } from './data.js';
import { ffmpegReference } from './ffmpeg-reference.js';

const video = (name: string, label: number): Sample => ({ path: path.join(DATA, 'videos', name), id: name, label, frameCount: 0, kind: 'video' });
const REAL: Sample[] = [video('test.mp4', 0), video('part_0.mp4', 1), video('test.avi', 2), { path: path.join(DATA, 'rawframes'), id: 'rawframes', label: 3, frameCount: 10, kind: 'frames' }];

const TRAIN: ClipPipeline = { sampling: { kind: 'segments', segments: 4 }, mode: 'train', crop: 'multiscale', size: [40, 32], flip: true };
const TEST: ClipPipeline = { sampling: { kind: 'dense', clipLength: 3, interval: 2, numClips: 2 }, mode: 'test', resizeShorter: 64, crop: 'three', size: [24, 24], flip: false };

let dir: string;
/** Small H.264 videos made from synthetic clips (decoded with the same ffmpeg as the loader). */
let generated: Sample[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tjn-loader-'));
  const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 16, width: 64, height: 48, seed: 5 });
  generated = await Promise.all(
    samples.slice(0, 3).map(async (sample, i) => {
      const { frames } = renderSyntheticClip(sample);
      const raw = path.join(dir, `${i}.rgb`);
      await writeFile(raw, Buffer.concat(frames));
      const file = path.join(dir, `${i}.mp4`);
      execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-r', '8', '-i', raw, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file]);
      return { path: file, id: `${i}.mp4`, label: sample.label, frameCount: 0, kind: 'video' as const };
    }),
  );
});

async function collect(loader: Loader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of loader) out.push(batch);
  return out;
}

function expectSameBatches(a: Batch[], b: Batch[]): void {
  expect(b.map((x) => Array.from(x.indices))).toEqual(a.map((x) => Array.from(x.indices)));
  for (const [i, x] of a.entries()) {
    expect(b[i].shape).toEqual(x.shape);
    expect(Array.from(b[i].labels)).toEqual(Array.from(x.labels));
    // bit-exact: the same code on the same random stream, whichever thread ran it
    expect(Buffer.from(b[i].data.buffer).equals(Buffer.from(x.data.buffer)), `batch ${i}`).toBe(true);
  }
}

/** Each sample's clip bytes, by dataset index. */
function clipsByIndex(batches: Batch[]): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const b of batches) {
    const size = b.data.byteLength / b.indices.length;
    for (const [k, i] of b.indices.entries()) out.set(i, Buffer.from(b.data.buffer, k * size, size));
  }
  return out;
}

describe('dataset loader with worker threads', () => {
  it('runs on worker threads, not a fallback in this thread', async () => {
    const loader = createLoader({ samples: REAL.slice(0, 2) }, TRAIN, { batchSize: 1, workers: 2 });
    for await (const _ of loader) {
      expect(loader.workers).toBe(2);
      break;
    }
    expect(loader.workers).toBe(0);
  });

  it.each([
    ['train: segments, multiscale crops, flips', TRAIN],
    ['test: dense clips x three crops, resized', TEST],
  ])('%s: workers 0, 1 and 2 give the same batches as loadClip on each sample seed', async (_, pipeline) => {
    const dataset = { samples: [...REAL, ...generated] };
    const options = { batchSize: 3, shuffle: true, seed: 11, epoch: 2 };
    const main = await collect(createLoader(dataset, pipeline, { ...options, workers: 0 }));
    expect(main.map((b) => b.indices.length)).toEqual([3, 3, 1]);
    expect(new Set(main.flatMap((b) => Array.from(b.indices)))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expectSameBatches(main, await collect(createLoader(dataset, pipeline, { ...options, workers: 1 })));
    const twoThreads = createLoader(dataset, pipeline, { ...options, workers: 2, prefetch: 5 });
    expectSameBatches(main, await collect(twoThreads));
    expect(twoThreads.workers).toBe(0); // stopped at the end of the pass
    // each sample is loadClip on its own stream (seed, epoch, index), not on a shared one
    const first = main[0].indices[1];
    const alone = await loadClip(dataset.samples[first], pipeline, seededRandom(11, 2, first));
    const size = alone.data.length;
    expect(Buffer.from(main[0].data.buffer, size * 4, size * 4).equals(Buffer.from(alone.data.buffer))).toBe(true);
    // another epoch: other random choices in training, the same views in testing
    const before = clipsByIndex(main);
    const after = clipsByIndex(await collect(createLoader(dataset, pipeline, { ...options, epoch: 3, workers: 2 })));
    const changed = [...before].filter(([i, clip]) => !clip.equals(after.get(i) as Buffer)).length;
    if (pipeline.mode === 'train') expect(changed).toBeGreaterThan(3);
    else expect(changed).toBe(0);
  });

  it('test views against ffmpeg: clips x three crops of test.avi, unscaled, in view order', async () => {
    const file = path.join(DATA, 'videos/test.avi');
    const reference = ffmpegReference(file, 320, 240);
    const n = reference.length;
    const pipeline: ClipPipeline = { sampling: { kind: 'segments', segments: 3, numClips: 2 }, mode: 'test', crop: 'three', size: [240, 240], flip: false, mean: [0, 0, 0], std: [1, 1, 1] };
    const [batch] = await collect(createLoader({ samples: [video('test.avi', 7)] }, pipeline, { batchSize: 1, workers: 2 }));
    expect(batch.shape).toEqual([1, 6, 3, 240, 240, 3]);
    expect(Array.from(batch.labels)).toEqual([7]);
    let worst = 0;
    for (let c = 0; c < 2; c++) {
      for (const [k, x0] of [0, 40, 80].entries()) {
        for (let s = 0; s < 3; s++) {
          // segment s of clip c: (c + 0.5) / 2 of the way into it
          const frame = reference[Math.floor(s * (n / 3) + (n / 3) * ((c + 0.5) / 2))];
          const base = ((c * 3 + k) * 3 + s) * 240 * 240 * 3;
          for (let y = 0; y < 240; y += 7) {
            for (let x = 0; x < 240; x += 5) {
              for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(batch.data[base + (y * 240 + x) * 3 + ch] - frame[(y * 320 + x + x0) * 3 + ch] / 255));
            }
          }
        }
      }
    }
    // same-size boxes are copied, so only float rounding remains
    expect(worst).toBeLessThan(1e-6);
  });

  it('resizeShorter: frames decoded at the shorter side asked for (340x256 -> 85x64), aspect kept', async () => {
    const file = path.join(DATA, 'videos/test.mp4');
    const pipeline: ClipPipeline = { sampling: { kind: 'segments', segments: 3 }, mode: 'test', resizeShorter: 64, crop: 'full', size: [85, 64], flip: false, mean: [0, 0, 0], std: [1, 1, 1] };
    const clip = await loadClip(video('test.mp4', 0), pipeline, seededRandom(1));
    expect(clip.shape).toEqual([3, 64, 85, 3]);
    // the centres of 3 segments of 300 frames, scaled by ffmpeg to 85x64
    const { frames } = await readFrames(file, { indices: [50, 150, 250], resize: { width: 85, height: 64 } });
    const expected = Float32Array.from(Buffer.concat(frames), (v) => v / 255);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(clip.data[i] - expected[i]));
    expect(worst).toBeLessThan(1e-6);
  });

  it('a missing or corrupt file: fails fast naming its path, or is skipped and counted with skipBad', async () => {
    const corrupt = path.join(dir, 'corrupt.mp4');
    await writeFile(corrupt, Buffer.from('not a video at all, just some bytes'.repeat(50)));
    const missing = path.join(dir, 'missing.mp4');
    const samples = [generated[0], { ...generated[1], path: missing }, generated[2], { ...generated[0], path: corrupt }];
    for (const workers of [0, 2]) {
      const failing = createLoader({ samples }, TRAIN, { batchSize: 2, workers });
      const error = await collect(failing).catch((e) => e);
      expect(error).toBeInstanceOf(VideoIOError);
      expect(error.path).toBe(missing);
      expect(error.code).toBe('ENOENT');
      expect(error.message).toContain(missing);
      expect(failing.workers).toBe(0);

      const skipping = createLoader({ samples }, TRAIN, { batchSize: 2, workers, skipBad: true });
      const batches = await collect(skipping);
      expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 2]]);
      const skipped = [...skipping.skipped].sort((a, b) => a.index - b.index);
      expect(skipped.map((s) => s.index)).toEqual([1, 3]);
      expect(skipped[0].error).toContain(missing);
      expect(skipped[1].error).toContain(corrupt);
    }
  });

  it('an unexpected error inside a worker comes back as a VideoIOError naming the sample', async () => {
    const broken = { path: 'synthetic://broken', id: 'broken', label: 0, frameCount: 8, kind: 'synthetic' as const } as Sample; // no render settings
    const error = await collect(createLoader({ samples: [generated[0], broken] }, TRAIN, { batchSize: 1, workers: 2 })).catch((e) => e);
    expect(error).toBeInstanceOf(VideoIOError);
    expect(error.message).toMatch(/^synthetic:\/\/broken: cannot load the sample: /);
  });

  it('breaking out of for-await terminates the workers (loads cut short are not counted as skipped)', async () => {
    const loader = createLoader({ samples: [...generated, ...generated, ...generated] }, TRAIN, { batchSize: 2, workers: 2, skipBad: true });
    let running = 0;
    for await (const batch of loader) {
      running = loader.workers;
      expect(batch.indices.length).toBe(2);
      break;
    }
    expect(running).toBe(2);
    expect(loader.workers).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(loader.skipped).toEqual([]);
  });

  it('from the built package (ESM and CJS): workers run, and the process exits after an early break', () => {
    const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
    const body = (samples: Sample[]) => `
      const loader = createLoader({ samples: ${JSON.stringify(samples)} }, ${JSON.stringify(TRAIN)}, { batchSize: 1, workers: 2 });
      let shapes = [];
      for await (const batch of loader) { shapes.push(batch.shape.join('x'), loader.workers); break; }
      console.log(JSON.stringify(shapes));`;
    const scripts = [
      ['--input-type=module', '-e', `import { createLoader } from ${JSON.stringify(path.join(dist, 'index.js'))};\n${body(generated)}`],
      ['-e', `const { createLoader } = require(${JSON.stringify(path.join(dist, 'index.cjs'))});\n(async () => {${body(generated)}})();`],
    ];
    for (const args of scripts) {
      // a thread left running would keep the process alive until the timeout
      const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(['1x4x32x40x3', 2]);
    }
  });

  it('refuses a bad pipeline or worker count before starting', () => {
    expect(() => createLoader({ samples: generated }, { ...TRAIN, size: [40] as unknown as [number, number] }, { batchSize: 1 })).toThrow(/pipeline: size must be \[width, height\]/);
    expect(() => createLoader({ samples: generated }, { ...TRAIN, sampling: { kind: 'segments', segments: 0 } }, { batchSize: 1 })).toThrow(/sampling\.segments/);
    expect(() => createLoader({ samples: generated }, TRAIN, { batchSize: 1, workers: -1 })).toThrow(/workers: must be a non-negative integer/);
  });
});
