/**
 * How well computed flow sees a regime's motion: TV-L1's (and the study's
 * MotionNets', pairwise or stacked, when given) end-point error over
 * the moving pixels of the synthetic clips against zero flow's (the error of
 * a trajectory that does not move), on the generator's test split, which no
 * setting was chosen on and no study run trains or validates on.
 */
import type * as tf from '@tensorflow/tfjs';
import { predictFlow } from '@trajectorynet/motionnet';
import { endPointError, tvl1 } from '@trajectorynet/tvl1-flow';
import { SYNTHETIC_REGIMES, type SyntheticRegimeName } from '@trajectorynet/training';
import { createSyntheticDataset, renderSyntheticClip, renderSyntheticFlows } from '@trajectorynet/video-io';
import type { Table } from '../suite.js';
import { stackedFlows } from './stacked-flows.js';

export interface RegimeFlowQuality {
  regime: SyntheticRegimeName;
  pairs: number;
  /** Mean end-point errors over moving pixels, in pixels at the flow's resolution. */
  tvl1: number;
  zero: number;
  secondsPerPair: number;
  /** The noisy oracles' errors (the study's tn-true-noise<N> models), by noise level in px at 64x64. */
  noisyOracle: Record<number, number>;
  /** The true motion's own measure (0 for end-point error; alignment-measured curves set it). */
  truth?: number;
  /** Each pretrained MotionNet's error (the study's MotionNet models start from them), by its name (MotionNetSource.name). */
  motionnets?: Record<string, number>;
}

/** A MotionNet the study uses (pairwise, or stacked over a clip's span), by the name its rows and points carry. */
export interface MotionNetSource {
  name: string;
  model: tf.LayersModel;
}

/** The frames a MotionNet takes: 2 for a pairwise network, N for a stacked MotionNet-(N). */
export function motionNetInputFrames(model: tf.LayersModel): number {
  return (model.inputs[0].shape[3] as number) / 3;
}

/** The noise levels of the study's noisy-oracle models. */
export const ORACLE_NOISE_LEVELS = [1, 2, 4];

/** TV-L1 (and MotionNet, a pairwise model, at its own input size) on the first `pairsPerClip` consecutive pairs of `clipsPerClass` x 8 test clips at 64 x renderScale. */
export async function regimeFlowQuality(regime: SyntheticRegimeName, clipsPerClass: number, options: { pairsPerClip?: number; seed?: number; motionNets?: MotionNetSource[] } = {}): Promise<RegimeFlowQuality> {
  const { pairsPerClip = 3, seed = 101, motionNets = [] } = options;
  const { data } = SYNTHETIC_REGIMES[regime] as { data: { syntheticSpeed?: [number, number]; syntheticTurn?: [number, number]; syntheticAppearance?: 'stripes' | 'textured'; renderScale?: number } };
  const size = 64 * (data.renderScale ?? 1);
  const motion = data.syntheticSpeed != null && data.syntheticTurn != null ? { speed: data.syntheticSpeed, turn: data.syntheticTurn } : undefined;
  // a stacked MotionNet sees as many frames as it takes; the generator draws each clip's motion once, so the first frames are the pairwise methods' ones
  const frames = Math.max(pairsPerClip + 1, ...motionNets.map(({ model }) => motionNetInputFrames(model)));
  const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass, frames, width: size, height: size, seed, motion, appearance: data.syntheticAppearance });
  let [tvl1Sum, zeroSum, pairs, seconds] = [0, 0, 0, 0];
  const motionNetSums = motionNets.map(() => 0);
  const noisySums = ORACLE_NOISE_LEVELS.map(() => 0);
  for (const sample of samples) {
    const clip = renderSyntheticClip(sample);
    const truth = renderSyntheticFlows(sample).forward;
    const stacked = await Promise.all(
      motionNets.map(({ model }) => {
        const n = motionNetInputFrames(model);
        return n === 2 ? null : stackedFlows(model, clip.frames.slice(0, n), size, size, pairsPerClip);
      }),
    );
    const noisy = ORACLE_NOISE_LEVELS.map((noise) => renderSyntheticFlows(sample, { noise }).forward);
    for (let j = 0; j < pairsPerClip; j++) {
      // the still background is left out: it is where zero flow is right by construction
      const moving = { ...truth[j], u: Float32Array.from(truth[j].u), v: Float32Array.from(truth[j].v) };
      for (let p = 0; p < moving.u.length; p++) if (moving.u[p] === 0 && moving.v[p] === 0) moving.u[p] = moving.v[p] = 2e9;
      const frame = (data: Uint8Array) => ({ data, width: size, height: size, channels: 3 as const });
      const started = performance.now();
      const flow = tvl1(frame(clip.frames[j]), frame(clip.frames[j + 1]));
      seconds += (performance.now() - started) / 1000;
      const zero = { width: size, height: size, u: new Float32Array(size * size), v: new Float32Array(size * size) };
      tvl1Sum += endPointError(flow, moving);
      for (const [k, { model }] of motionNets.entries()) motionNetSums[k] += endPointError(stacked[k]?.[j] ?? (await predictFlow(model, frame(clip.frames[j]), frame(clip.frames[j + 1]))), moving);
      zeroSum += endPointError(zero, moving);
      noisy.forEach((flows, k) => {
        noisySums[k] += endPointError(flows[j], moving);
      });
      pairs += 1;
    }
  }
  const noisyOracle = Object.fromEntries(ORACLE_NOISE_LEVELS.map((noise, k) => [noise, noisySums[k] / pairs]));
  return { regime, pairs, tvl1: tvl1Sum / pairs, zero: zeroSum / pairs, secondsPerPair: seconds / pairs, noisyOracle, ...(motionNets.length > 0 ? { motionnets: Object.fromEntries(motionNets.map(({ name }, k) => [name, motionNetSums[k] / pairs])) } : {}) };
}

export function regimeFlowTable(results: RegimeFlowQuality[]): Table {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.motionnets ?? {})))];
  return {
    title: `TV-L1${names.length > 0 ? ' and MotionNet' : ''} on the synthetic regimes: end-point error over the moving pixels (test split, never trained or tuned on)`,
    columns: [
      'regime',
      'pairs',
      'TV-L1 EPE px',
      'zero-flow EPE px',
      'TV-L1 / zero',
      's/pair',
      ...names.flatMap((name) => [`${name} EPE px`, `${name} / zero`]),
      ...ORACLE_NOISE_LEVELS.map((n) => `oracle + ${n} px error: EPE px`),
    ],
    rows: results.map((r) => [
      r.regime,
      r.pairs,
      r.tvl1.toFixed(2),
      r.zero.toFixed(2),
      (r.tvl1 / r.zero).toFixed(3),
      r.secondsPerPair.toFixed(3),
      ...names.flatMap((name) => {
        const epe = r.motionnets?.[name];
        return epe != null ? [epe.toFixed(2), (epe / r.zero).toFixed(3)] : ['', ''];
      }),
      ...ORACLE_NOISE_LEVELS.map((n) => r.noisyOracle[n].toFixed(2)),
    ]),
    note: `TV-L1 with the package's default settings on consecutive video frames at the resolution it is solved at during training (64 x renderScale)${names.length > 0 ? "; MotionNet: the study's pretrained networks (procedural: --accuracy-motionnet; on the videos: pretrained by the suite on the regime's videos of another generator seed) on the same pairs at their input size, a stacked MotionNet-(N) on the clip's first N frames" : ''}; zero flow's error is the mean true displacement of the moving pixels per video frame.`,
  };
}
