/**
 * The layered-scene evaluation sets (scenePair with ground truth), in one
 * place for every script that measures a flow method on them:
 * measure-scenes.mjs (TV-L1 against OpenCV) and the benchmark's
 * motionnet-scenes.mjs (MotionNet's pretraining recipes). Disjoint sets, split
 * by seed AND by texture source:
 *   validation    seeds 1000+, textures from test.mp4 and the mmaction rawframes (for choosing settings)
 *   validation-b  seeds 3000+, the same textures (more validation scenes, added 2026-12-07 for issue 30)
 *   test          seeds 5000+, textures from frames 10, 80, 150 of test.avi and 2, 16, 30 of part_0.mp4
 *   fresh         seeds 7300+, textures from frames 40, 115, 160 of test.avi and 6, 24 of part_0.mp4
 *   heldout       seeds 11000+, textures from frames 25, 95, 135 of test.avi and 11, 19, 28 of part_0.mp4
 *                 (frozen 2026-12-08 after the last change to the default, for the one report of issue 30's end)
 * Groups: large512 (512x384, 25-35 px object motion), large1024 (1024x436,
 * 40-100 px), small (2-8 px at both sizes); `chairs` adds the three
 * FlyingChairs pairs of the shared data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlo, readFrames, readImage } from '@trajectorynet/video-io';
import { scenePair, scenePairSpecs } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = process.env.TRAJECTORYNET_DATA ?? path.resolve(here, '../../../../shared/data');

/** Per set: first seed, texture source, and pair counts (large 512x384, large 1024x436, small 512x384, small 1024x436). */
export const SETS = {
  validation: { base: 1000, textures: 'validation', counts: [8, 4, 4, 0] },
  'validation-b': { base: 3000, textures: 'validation', counts: [8, 4, 4, 0] },
  test: { base: 5000, textures: 'test', counts: [8, 8, 4, 4] },
  fresh: { base: 7300, textures: 'fresh', counts: [12, 8, 4, 4] },
  heldout: { base: 11000, textures: 'heldout', counts: [12, 8, 6, 6] },
};

const grayOf = (rgb, width, height) => ({ width, height, data: Float32Array.from({ length: width * height }, (_, i) => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) });

async function textures(source, data) {
  const video = async (file, indices) => {
    const { width, height, frames } = await readFrames(path.join(data, 'videos', file), { indices });
    return frames.map((f) => grayOf(f, width, height));
  };
  const rawframes = (files) => Promise.all(files.map(async (f) => { const img = await readImage(path.join(data, 'rawframes', f)); return grayOf(img.data, img.width, img.height); }));
  if (source === 'validation') return [...(await video('test.mp4', [40, 150, 260])), ...(await rawframes(['img_00001.jpg', 'img_00009.jpg']))];
  if (source === 'test') return [...(await video('test.avi', [10, 80, 150])), ...(await video('part_0.mp4', [2, 16, 30]))];
  if (source === 'heldout') return [...(await video('test.avi', [25, 95, 135])), ...(await video('part_0.mp4', [11, 19, 28]))];
  return [...(await video('test.avi', [40, 115, 160])), ...(await video('part_0.mp4', [6, 24]))];
}

/** A generated pair, kept in cacheDir when given (generation takes seconds per pair): frames, mask and flow in one file. */
function cachedScenePair(set, spec, sources, cacheDir) {
  const file = cacheDir && path.join(cacheDir, `${set}-${spec.kind}-${spec.width}x${spec.height}-${spec.seed}.bin`);
  const n = spec.width * spec.height;
  if (file && existsSync(file)) {
    const b = readFileSync(file);
    const bytes = (k) => new Uint8Array(b.buffer, b.byteOffset + k * n, n).slice();
    const floats = (k) => new Float32Array(b.buffer.slice(b.byteOffset + 3 * n + k * 4 * n, b.byteOffset + 3 * n + (k + 1) * 4 * n));
    const [u, v] = [floats(0), floats(1)];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.hypot(u[i], v[i]);
    const frame = (data) => ({ data, width: spec.width, height: spec.height, channels: 1 });
    return { spec, frame0: frame(bytes(0)), frame1: frame(bytes(1)), occluded: bytes(2), truth: { width: spec.width, height: spec.height, u, v }, meanMagnitude: sum / n };
  }
  const p = scenePair(sources, spec);
  if (file) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(file, Buffer.concat([p.frame0.data, p.frame1.data, p.occluded, Buffer.from(p.truth.u.buffer), Buffer.from(p.truth.v.buffer)]));
  }
  return p;
}

/**
 * The pairs of one set: { group, name, spec, frame0, frame1 (grey, or RGB for
 * FlyingChairs), truth, occluded (null for FlyingChairs), meanMagnitude, file (FlyingChairs id) }.
 */
export async function loadScenePairs({ set, groups = ['large512', 'large1024', 'small'], chairs = false, cacheDir = null, data = DATA_DIR, onPair = () => {} }) {
  if (!Object.hasOwn(SETS, set)) throw new Error(`set must be one of ${Object.keys(SETS).join('|')}, got ${set}`);
  const { base, counts } = SETS[set];
  const sources = await textures(SETS[set].textures, data);
  const specs = [];
  if (groups.includes('large512')) specs.push(...scenePairSpecs({ seed: base, width: 512, height: 384, count: counts[0], magnitude: [25, 35] }).map((s) => ['large 512x384', s]));
  if (groups.includes('large1024')) specs.push(...scenePairSpecs({ seed: base + 1, width: 1024, height: 436, count: counts[1], magnitude: [40, 100] }).map((s) => ['large 1024x436', s]));
  if (groups.includes('small')) {
    specs.push(...scenePairSpecs({ seed: base + 2, width: 512, height: 384, count: counts[2], magnitude: [2, 8] }).map((s) => ['small', s]));
    specs.push(...scenePairSpecs({ seed: base + 3, width: 1024, height: 436, count: counts[3], magnitude: [2, 8] }).map((s) => ['small', s]));
  }
  const pairs = [];
  for (const [group, spec] of specs) {
    pairs.push({ group, name: `${spec.kind} ${spec.width}x${spec.height}`, ...cachedScenePair(set, spec, sources, cacheDir) });
    onPair(pairs.length, specs.length);
  }
  if (chairs)
    for (const id of ['0000000', '0000001', '0000002']) {
      const load = async (n) => ({ ...(await readImage(path.join(data, `flow/flyingchairs/${id}-${n}.ppm`))), channels: 3 });
      const truth = await readFlo(path.join(data, `flow/flyingchairs/${id}-gt.flo`));
      let m = 0;
      for (let i = 0; i < truth.u.length; i++) m += Math.hypot(truth.u[i], truth.v[i]) / truth.u.length;
      pairs.push({ group: 'FlyingChairs', name: `chairs ${id}`, frame0: await load('img0'), frame1: await load('img1'), truth, occluded: null, meanMagnitude: m, file: id });
    }
  return pairs;
}

/** Mean EPE over all pixels with ground truth, and over those not occluded. */
export function sceneErrors(flow, truth, occluded) {
  let [all, n, matched, m] = [0, 0, 0, 0];
  for (let i = 0; i < truth.u.length; i++) {
    if (!(Math.abs(truth.u[i]) <= 1e9 && Math.abs(truth.v[i]) <= 1e9)) continue;
    const e = Math.hypot(flow.u[i] - truth.u[i], flow.v[i] - truth.v[i]);
    all += e;
    n += 1;
    if (!occluded || occluded[i] === 0) {
      matched += e;
      m += 1;
    }
  }
  return { epe: all / n, epeMatched: matched / m };
}
