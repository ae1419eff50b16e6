/**
 * Trajectory quality where the network uses it: at the feature maps of the
 * trajectory convolutions (res3 at 1/8 of the input, res4 at 1/16), how well
 * sampling the next clip frame at the +1 tap's pooled offsets matches the
 * current frame, both average-pooled to that resolution, as a share of the
 * error of reading it unmoved (zero offsets: 1). Pixel end-point error
 * (regime-flow.ts) scores flow per pixel; this scores it after the pooling
 * that brings it to each stage, which is what the network samples with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { predictFlow } from '@trajectorynet/motionnet';
import { resizeOffsets, trajectoriesFromFlow, warpBilinear } from '@trajectorynet/trajectory-conv';
import { SYNTHETIC_REGIMES, type SyntheticRegimeName } from '@trajectorynet/training';
import { tvl1 } from '@trajectorynet/tvl1-flow';
import { type ClipPipeline, createSyntheticDataset, type FlowSpec, flowFolderOf, loadClip, renderSyntheticClip, type SyntheticSample, writeFlo } from '@trajectorynet/video-io';
import type { Table } from '../suite.js';
import { type MotionNetSource, ORACLE_NOISE_LEVELS } from './regime-flow.js';

const SIZE = 64;
const T = 8;
/** The stages with trajectory convolutions and their downsampling of a 64x64 input. */
export const STAGES = [
  { name: 'res3', factor: 8 },
  { name: 'res4', factor: 16 },
] as const;

export interface AlignmentRow {
  source: string;
  /** Aligned / unaligned error per stage (1: no better than zero offsets). */
  ratio: Record<string, number>;
}

/** Sums of |next sampled at the +1 tap - current| and |next - current| over the cells where the oracle's +1 tap moves. */
function stageErrors(video: tf.Tensor4D, offsets: tf.Tensor, oracle: tf.Tensor, factor: number): [number, number] {
  return tf.tidy(() => {
    const pooled = tf.avgPool(video, factor, factor, 'same') as tf.Tensor4D;
    const [, h, w] = pooled.shape;
    const current = tf.slice(pooled, [0, 0, 0, 0], [T - 1, h, w, 3]);
    const next = tf.slice(pooled, [1, 0, 0, 0], [T - 1, h, w, 3]) as tf.Tensor4D;
    const plusOne = (o: tf.Tensor) => tf.reshape(tf.slice(resizeOffsets(o, factor), [0, 0, 0, 0, 2, 0], [1, T - 1, h, w, 1, 2]), [T - 1, h, w, 2]);
    const moving = tf.cast(tf.greater(tf.norm(plusOne(oracle), 'euclidean', -1, true), 0.1), 'float32');
    const aligned = tf.sum(tf.mul(tf.abs(tf.sub(warpBilinear(next, plusOne(offsets)), current)), moving));
    const unaligned = tf.sum(tf.mul(tf.abs(tf.sub(next, current)), moving));
    return [aligned.dataSync()[0], unaligned.dataSync()[0]];
  });
}

/** Offsets [1, T, 64, 64, 3, 2] of a loaded clip's flows. */
function clipOffsets(flows: Float32Array): tf.Tensor {
  return tf.tidy(() => {
    const both = tf.tensor(flows, [2, T - 1, SIZE, SIZE, 2]);
    const part = (k: number) => tf.slice(both, [k, 0, 0, 0, 0], [1, T - 1, SIZE, SIZE, 2]);
    return trajectoriesFromFlow(part(0), part(1), { taps: 3 });
  });
}

/** Consecutive-pair flows of each sample written as .flo files, as extract-flow's cache holds them. */
async function writeFlows(samples: SyntheticSample[], dir: string, solve: (a: Uint8Array, b: Uint8Array) => Promise<Parameters<typeof writeFlo>[1]>): Promise<void> {
  for (const sample of samples) {
    const clip = renderSyntheticClip(sample);
    for (let j = 0; j + 1 < clip.frames.length; j++) await writeFlo(path.join(flowFolderOf(dir, sample), `flow_${String(j + 1).padStart(5, '0')}.flo`), await solve(clip.frames[j], clip.frames[j + 1]));
  }
}

/**
 * The alignment of each trajectory source on `clipsPerClass` x 8 clips of the
 * regime's test split (seed 101, as regime-flow.ts): zero, the oracle and its
 * noisy versions, TV-L1 (default settings), and the pretrained pairwise
 * MotionNets given. Clips go through the study's pipeline (dense
 * sampling at the regime's interval, flows chained over the frames between).
 */
export async function stageAlignment(regime: SyntheticRegimeName, clipsPerClass: number, motionNets: MotionNetSource[] = []): Promise<AlignmentRow[]> {
  const settings = SYNTHETIC_REGIMES[regime];
  const data = settings.data as { syntheticSpeed?: [number, number]; syntheticTurn?: [number, number]; syntheticAppearance?: 'stripes' | 'textured' };
  const motion = data.syntheticSpeed != null && data.syntheticTurn != null ? { speed: data.syntheticSpeed, turn: data.syntheticTurn } : undefined;
  const frames = (T - 1) * settings.denseInterval + 1;
  const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass, frames, width: SIZE, height: SIZE, seed: 101, motion, appearance: data.syntheticAppearance });
  const scratch = await mkdtemp(path.join(tmpdir(), 'tjn-align-'));
  try {
    const image = (d: Uint8Array) => ({ data: d, width: SIZE, height: SIZE, channels: 3 as const });
    await writeFlows(samples, path.join(scratch, 'tvl1'), async (a, b) => tvl1(image(a), image(b)));
    for (const [k, { model }] of motionNets.entries()) await writeFlows(samples, path.join(scratch, `motionnet${k}`), (a, b) => predictFlow(model, image(a), image(b)));
    const sources: [string, FlowSpec | null][] = [
      ['zero (S3D)', null],
      ['true motion', { source: 'synthetic' }],
      ...ORACLE_NOISE_LEVELS.map((noise): [string, FlowSpec] => [`true motion + ${noise} px error`, { source: 'synthetic', noise }]),
      ['TV-L1', { source: 'files', dir: path.join(scratch, 'tvl1') }],
      ...motionNets.map(({ name }, k): [string, FlowSpec] => [name, { source: 'files', dir: path.join(scratch, `motionnet${k}`) }]),
    ];
    const rows: AlignmentRow[] = [];
    for (const [source, flows] of sources) {
      const sums = STAGES.map(() => [0, 0]);
      for (const [k, sample] of samples.entries()) {
        const pipeline: ClipPipeline = { sampling: { kind: 'dense', clipLength: T, interval: settings.denseInterval }, mode: 'test', crop: 'full', size: [SIZE, SIZE], flip: false, flows: { source: 'synthetic' } };
        const truth = await loadClip(sample, pipeline, seededRandom(k));
        const clip = flows != null ? await loadClip(sample, { ...pipeline, flows }, seededRandom(k)) : truth;
        const video = tf.tensor4d(clip.data, [T, SIZE, SIZE, 3]);
        const oracle = clipOffsets(truth.flows as Float32Array);
        const offsets = flows != null ? clipOffsets(clip.flows as Float32Array) : tf.zerosLike(oracle);
        STAGES.forEach(({ factor }, s) => {
          const [aligned, unaligned] = stageErrors(video, offsets, oracle, factor);
          sums[s][0] += aligned;
          sums[s][1] += unaligned;
        });
        tf.dispose([video, oracle, offsets]);
      }
      rows.push({ source, ratio: Object.fromEntries(STAGES.map(({ name }, s) => [name, sums[s][0] / sums[s][1]])) });
    }
    return rows;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export function alignmentTable(rows: AlignmentRow[], regime: string, clips: number): Table {
  return {
    title: `Trajectory alignment at the feature maps, ${regime} regime: next frame sampled at the +1 tap / read unmoved (lower is better; zero offsets = 1)`,
    columns: ['trajectories', ...STAGES.map(({ name, factor }) => `${name} (1/${factor})`)],
    rows: rows.map((r) => [r.source, ...STAGES.map(({ name }) => r.ratio[name].toFixed(3))]),
    note: `${clips} test-split clips (seed 101, never trained or tuned on), 8 frames at the regime's interval; frames and the +1 tap's offsets average-pooled to each stage as the network pools them; error summed over the cells where the true motion moves. Pixel end-point error scores flow per pixel; this scores it after the pooling, where a flow that spills smoothly past an object's edge can beat the true per-pixel motion, which is zero on the background.`,
  };
}
