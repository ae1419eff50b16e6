/**
 * TV-L1 against OpenCV 4.6 DualTVL1 (one thread, gray frames), in one run:
 * - accuracy and seconds per pair on layered scenes (scenePair: independent
 *   objects over a moving background, thin bars, motion blur, illumination
 *   change; 512x384 with 25-35 px, 1024x436 with 40-100 px, small motions of
 *   2-8 px; the held-out seeds and textures of tvl1-flow's
 *   scripts/measure-scenes.mjs, never used to choose the default), on
 *   single-motion pairs (syntheticPair: translations, rotations, zooms, two
 *   layers; 20-40 px and 2-8 px) and on the shared FlyingChairs pairs, for
 *   our default, our previous default, the 'ipol' and 'opencv' presets and
 *   OpenCV with a full pyramid (scaleStep 0.5, nscales = 1 + log2(min(H, W) / 16))
 *   and (full run only) with its defaults;
 * - extraction speed at 340x256 (frames of test.mp4 4 apart): pairs/s with
 *   one worker and with all workers, against both OpenCV configurations.
 * OpenCV runs when /usr/bin/python3 imports cv2; the columns stay empty
 * otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { barChart } from '@trajectorynet/training';
import { createFlowPool, endPointError, type GrayImage, scenePair, scenePairSpecs, syntheticPair, syntheticPairSpecs, type Tvl1Options, tvl1 } from '@trajectorynet/tvl1-flow';
import { type Flow, readFlo, readFrames, readImage, writeFlo } from '@trajectorynet/video-io';
import type { Suite } from '../suite.js';

const PYTHON = '/usr/bin/python3';
/** The OpenCV runner shipped with tvl1-flow's scripts (one JSON list of pairs in, EPE and seconds out). */
const OPENCV_SCRIPT = path.join(path.dirname(createRequire(import.meta.url).resolve('@trajectorynet/tvl1-flow/package.json')), 'scripts/opencv-pairs.py');
const SEED = 2026;
/** The layered scenes' held-out seeds (tvl1-flow's scripts/measure-scenes.mjs --set test). */
const SCENE_SEED = 5000;
/** The previous default, for reference: IPOL with the texture split, 4 warps and restart-and-fuse from the 64 px level. */
const PREVIOUS: Tvl1Options = { preset: 'ipol', minLevels: 3, warps: 4, structureTexture: 0.95, restartSize: 64 };
/** Our columns: the default, the previous default and the other presets. */
const OURS: Record<string, Tvl1Options> = { ours: {}, previous: PREVIOUS, ipol: { preset: 'ipol' }, opencvPreset: { preset: 'opencv' } };
type OpencvConfig = 'full' | 'default';

function opencvAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import cv2; cv2.optflow.DualTVL1OpticalFlow_create'], { stdio: 'ignore' }).status === 0;
}

interface Pair {
  group: string;
  name: string;
  frame0: { data: Uint8Array; width: number; height: number; channels: 1 | 3 };
  frame1: { data: Uint8Array; width: number; height: number; channels: 1 | 3 };
  truth: Flow | null;
  magnitude: number;
  /** What OpenCV reads: image files, or raw 8-bit gray. */
  files: { frame0: string; frame1: string; truth: string | null; width?: number; height?: number };
}

interface Measured {
  epe: number | null;
  /** Wall-clock and CPU seconds (CPU time is what a shared machine disturbs least). */
  seconds: number;
  cpu: number;
}

async function grayTexture(file: string): Promise<GrayImage> {
  const rgb = await readImage(file);
  const data = new Float32Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = 0.299 * rgb.data[3 * i] + 0.587 * rgb.data[3 * i + 1] + 0.114 * rgb.data[3 * i + 2];
  return { width: rgb.width, height: rgb.height, data };
}

/** Gray frames of a video, as textures for synthetic scenes. */
async function videoTextures(file: string, indices: number[]): Promise<GrayImage[]> {
  const { width, height, frames } = await readFrames(file, { indices });
  return frames.map((rgb) => ({ width, height, data: Float32Array.from({ length: width * height }, (_, i) => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) }));
}

/** Layered scenes, single-motion synthetic pairs (both written as raw gray + .flo for OpenCV) and the FlyingChairs pairs. */
async function accuracyPairs(data: string, work: string, quick: boolean): Promise<Pair[]> {
  const textures = await Promise.all(['0000000', '0000001', '0000002'].map((id) => grayTexture(path.join(data, `flow/flyingchairs/${id}-img0.ppm`))));
  textures.push(await grayTexture(path.join(data, 'rawframes/img_00001.jpg')));
  // the held-out textures of measure-scenes.mjs --set test (the default was chosen on test.mp4 and rawframes textures)
  const sceneTextures = [...(await videoTextures(path.join(data, 'videos/test.avi'), [10, 80, 150])), ...(await videoTextures(path.join(data, 'videos/part_0.mp4'), [2, 16, 30]))];
  const chairsSize: [number, number][] = [[512, 384]];
  const sintelSize: [number, number][] = [[1024, 436]];
  const sceneGroups = [
    { group: 'scenes 512x384 (25-35 px)', specs: scenePairSpecs({ seed: SCENE_SEED, width: 512, height: 384, count: 8, magnitude: [25, 35] }) },
    { group: 'scenes 1024x436 (40-100 px)', specs: scenePairSpecs({ seed: SCENE_SEED + 1, width: 1024, height: 436, count: 8, magnitude: [40, 100] }) },
    {
      group: 'scenes small (2-8 px)',
      specs: [...scenePairSpecs({ seed: SCENE_SEED + 2, width: 512, height: 384, count: 4, magnitude: [2, 8] }), ...scenePairSpecs({ seed: SCENE_SEED + 3, width: 1024, height: 436, count: 4, magnitude: [2, 8] })],
    },
  ];
  const pairs: Pair[] = [];
  for (const { group, specs } of sceneGroups) {
    for (const [i, spec] of (quick ? specs.slice(0, 1) : specs).entries()) {
      const p = scenePair(sceneTextures, spec);
      const base = path.join(work, `scene-${group.split(' ')[1]}-${i}`);
      const files = { frame0: `${base}-0.raw`, frame1: `${base}-1.raw`, truth: `${base}.flo`, width: spec.width, height: spec.height };
      await writeFile(files.frame0, p.frame0.data);
      await writeFile(files.frame1, p.frame1.data);
      await writeFlo(files.truth, p.truth);
      pairs.push({ group, name: `${spec.kind} ${spec.width}x${spec.height}`, frame0: p.frame0, frame1: p.frame1, truth: p.truth, magnitude: p.meanMagnitude, files });
    }
  }
  const groups = [
    {
      group: 'large (20-40 px)',
      specs: [
        ...syntheticPairSpecs({ seed: SEED, sizes: chairsSize, perSize: quick ? 1 : 2, magnitude: [20, 40] }),
        ...(quick ? [] : syntheticPairSpecs({ seed: SEED + 2, sizes: sintelSize, perSize: 1, magnitude: [20, 40] })),
      ],
    },
    {
      group: 'small (2-8 px)',
      specs: quick ? [] : [...syntheticPairSpecs({ seed: SEED + 1, sizes: chairsSize, perSize: 1, magnitude: [2, 8] }), ...syntheticPairSpecs({ seed: SEED + 3, sizes: sintelSize, perSize: 1, magnitude: [2, 8] })],
    },
  ];
  for (const { group, specs } of groups) {
    for (const [i, spec] of (quick ? specs.slice(0, 1) : specs).entries()) {
      const p = syntheticPair(textures, spec);
      const base = path.join(work, `${group.split(' ')[0]}-${i}`);
      const files = { frame0: `${base}-0.raw`, frame1: `${base}-1.raw`, truth: `${base}.flo`, width: spec.width, height: spec.height };
      await writeFile(files.frame0, p.frame0.data);
      await writeFile(files.frame1, p.frame1.data);
      await writeFlo(files.truth, p.truth);
      pairs.push({ group, name: `${spec.motion} ${spec.width}x${spec.height}`, frame0: p.frame0, frame1: p.frame1, truth: p.truth, magnitude: p.meanMagnitude, files });
    }
  }
  for (const id of quick ? ['0000001'] : ['0000000', '0000001', '0000002']) {
    const file = (n: string) => path.join(data, `flow/flyingchairs/${id}-${n}`);
    const [a, b, truth] = [await readImage(file('img0.ppm')), await readImage(file('img1.ppm')), await readFlo(file('gt.flo'))];
    let magnitude = 0;
    for (let i = 0; i < truth.u.length; i++) magnitude += Math.hypot(truth.u[i], truth.v[i]) / truth.u.length;
    pairs.push({ group: 'FlyingChairs', name: id, frame0: { ...a, channels: 3 }, frame1: { ...b, channels: 3 }, truth, magnitude, files: { frame0: file('img0.ppm'), frame1: file('img1.ppm'), truth: file('gt.flo') } });
  }
  return pairs;
}

function ours(pairs: Pair[], options: Tvl1Options): Measured[] {
  return pairs.map((p) => {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const flow = tvl1(p.frame0, p.frame1, options);
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6, epe: p.truth ? endPointError(flow, p.truth) : null };
  });
}

function opencv(files: Pair['files'][], config: OpencvConfig): Measured[] {
  return JSON.parse(execFileSync(PYTHON, [OPENCV_SCRIPT, JSON.stringify(files), config], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const flowSuite: Suite = {
  name: 'flow',
  description: 'TV-L1 EPE and seconds per pair on synthetic large/small-motion pairs (512x384, 1024x436) and FlyingChairs, pairs/s at 340x256 with 1 and all workers, next to OpenCV DualTVL1 (defaults and full pyramid)',
  needsData: true,
  async run({ quick, outDir, progress, dataDir }) {
    const data = dataDir!;
    const work = path.join(outDir, 'flow-inputs');
    await mkdir(work, { recursive: true });
    const withOpencv = opencvAvailable();
    if (!withOpencv) progress('python3-opencv not importable: OpenCV columns left empty');
    // OpenCV's defaults take 5-50 s per large-motion pair (the iterations never stop early): not in the quick run
    const OPENCV_CONFIGS: OpencvConfig[] = withOpencv ? (quick ? ['full'] : ['full', 'default']) : [];

    // accuracy and seconds per pair, one thread
    const pairs = await accuracyPairs(data, work, quick);
    // the quick run checks that the suite works, not its numbers: our default only
    const ourColumns = quick ? ['ours'] : Object.keys(OURS);
    const measured: Record<string, Measured[]> = {};
    for (const c of ourColumns) {
      progress(`${pairs.length} pairs with ground truth: ${c} ${JSON.stringify(OURS[c])}`);
      measured[c] = ours(pairs, OURS[c]);
    }
    if (withOpencv) {
      for (const config of OPENCV_CONFIGS) {
        progress(`OpenCV DualTVL1, ${config}`);
        measured[config] = opencv(
          pairs.map((p) => p.files),
          config,
        );
      }
    }
    const columns = [...ourColumns, ...OPENCV_CONFIGS];
    const pairRows = pairs.map((p, i) => [p.group, p.name, p.magnitude, ...columns.flatMap((c) => [measured[c][i].epe ?? '-', measured[c][i].cpu, measured[c][i].seconds])]);
    const groupRows: (string | number)[][] = [];
    for (const group of [...new Set(pairs.map((p) => p.group))]) {
      const idx = pairs.flatMap((p, i) => (p.group === group ? [i] : []));
      const epe = (c: string) => mean(idx.map((i) => measured[c][i].epe as number));
      const seconds = (c: string) => median(idx.map((i) => measured[c][i].cpu));
      const ratio = (c: string) => median(idx.map((i) => measured.ours[i].cpu / measured[c][i].cpu));
      groupRows.push([group, idx.length, ...columns.map(epe), ...columns.map(seconds), ...OPENCV_CONFIGS.map(ratio)]);
    }

    // extraction speed at 340x256: wall-clock pairs/s for ours (the pool's throughput), CPU-time pairs/s for OpenCV (its rate on an undisturbed core)
    const pairCount = quick ? 2 : 8;
    const { width, height, frames } = await readFrames(path.join(data, 'videos/test.mp4'), { indices: Array.from({ length: pairCount + 1 }, (_, i) => i * 4) });
    const frame = (i: number) => ({ data: frames[i], width, height, channels: 3 as const });
    progress(`${pairCount} pairs of ${width}x${height}, one worker`);
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < pairCount; i++) tvl1(frame(i), frame(i + 1));
    const cpuUsed = process.cpuUsage(cpu0);
    const oneWorker = pairCount / ((performance.now() - t0) / 1000);
    const oneWorkerCpu = pairCount / ((cpuUsed.user + cpuUsed.system) / 1e6);
    const workers = os.availableParallelism();
    progress(`${pairCount} pairs, ${workers} workers`);
    const pool = createFlowPool(workers);
    t0 = performance.now();
    await Promise.all(Array.from({ length: pairCount }, (_, i) => pool.compute(frame(i), frame(i + 1), {})));
    const allWorkers = pairCount / ((performance.now() - t0) / 1000);
    await pool.close();
    const opencvRates: Record<string, { wall: number; cpu: number }> = {};
    if (withOpencv) {
      const videoPairs: Pair['files'][] = [];
      const gray = (f: Uint8Array) => Uint8Array.from({ length: width * height }, (_, j) => Math.round(0.299 * f[3 * j] + 0.587 * f[3 * j + 1] + 0.114 * f[3 * j + 2]));
      for (let i = 0; i < pairCount; i++) {
        const [a, b] = [path.join(work, `video-${i}-0.raw`), path.join(work, `video-${i}-1.raw`)];
        await writeFile(a, gray(frames[i]));
        await writeFile(b, gray(frames[i + 1]));
        videoPairs.push({ frame0: a, frame1: b, truth: null, width, height });
      }
      for (const config of OPENCV_CONFIGS) {
        progress(`OpenCV DualTVL1 ${config} on the ${width}x${height} pairs`);
        const runs = opencv(videoPairs, config);
        opencvRates[config] = { wall: pairCount / runs.reduce((s, r) => s + r.seconds, 0), cpu: pairCount / runs.reduce((s, r) => s + r.cpu, 0) };
      }
    }
    // ratios to OpenCV's wall-clock rate (same run, same machine load) and to its CPU-time rate (an undisturbed core: conservative for us)
    const ratios = (rate: number) => OPENCV_CONFIGS.flatMap((c) => [rate / opencvRates[c].wall, rate / opencvRates[c].cpu]);
    const speedRows: (string | number)[][] = [
      ['ours, 1 worker', oneWorker, oneWorkerCpu, ...ratios(oneWorker)],
      [`ours, ${workers} workers`, allWorkers, '-', ...ratios(allWorkers)],
      ...OPENCV_CONFIGS.map((c) => [`OpenCV DualTVL1 ${c}, 1 thread`, opencvRates[c].wall, opencvRates[c].cpu, ...ratios(opencvRates[c].wall)]),
    ];
    const names: Record<string, string> = { ours: 'ours', previous: 'previous default', ipol: "preset 'ipol'", opencvPreset: "preset 'opencv'", full: 'OpenCV full pyramid', default: 'OpenCV defaults' };
    return {
      tables: [
        {
          title: 'TV-L1 by group: mean EPE, median CPU seconds per pair (one thread), median per-pair CPU time ratio ours / OpenCV',
          columns: ['group', 'pairs', ...columns.map((c) => `${names[c]} EPE`), ...columns.map((c) => `${names[c]} CPU s`), ...OPENCV_CONFIGS.map((c) => `ours / ${names[c]} time`)],
          rows: groupRows,
          note: `Scenes: scenePair on frames of test.avi and part_0.mp4 (seeds ${SCENE_SEED}-${SCENE_SEED + 3}, held out from choosing the default), EPE over all pixels. Single-motion pairs: syntheticPair on real images (seeds ${SEED} and ${SEED + 2} large at 512x384 and 1024x436, ${SEED + 1} and ${SEED + 3} small), EPE over pixels with a correspondence (occluded and out-of-frame pixels excluded, the same mask for every method). "previous default": ${JSON.stringify(PREVIOUS)}.`,
        },
        { title: 'TV-L1 per pair: EPE and seconds', columns: ['group', 'pair', 'mean |flow| px', ...columns.flatMap((c) => [`${names[c]} EPE`, 'CPU s', 'wall s'])], rows: pairRows },
        {
          title: `TV-L1 extraction speed, ${width}x${height} frames of test.mp4 (4 apart)`,
          columns: ['implementation', 'pairs/s (wall clock)', 'pairs/s (CPU time)', ...OPENCV_CONFIGS.flatMap((c) => [`x ${names[c]} (wall)`, `x ${names[c]} (CPU-time rate)`])],
          rows: speedRows,
          note: 'Wall-clock pairs/s divided by OpenCV single-thread pairs/s: by its wall-clock rate in the same run, and by its CPU-time rate (what one undisturbed core gives it; on a busy machine this ratio understates ours).',
        },
      ],
      charts: {
        'flow-speed.svg': barChart(
          speedRows.map((r) => ({ group: String(r[0]), bars: [{ name: 'pairs/s (wall clock)', value: Number(r[1]) }] })),
          { title: `TV-L1 pairs/s at ${width}x${height}`, yLabel: 'pairs/s' },
        ),
      },
      data: { seed: SEED, sceneSeed: SCENE_SEED, pairs: pairs.map((p, i) => ({ group: p.group, name: p.name, magnitude: p.magnitude, ...Object.fromEntries(columns.map((c) => [c, measured[c][i]])) })), oneWorker, oneWorkerCpu, allWorkers, workers, opencvRates },
    };
  },
};
