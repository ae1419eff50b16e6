/**
 * The poster's "influence of the quality of trajectory": validation top-1
 * against the end-point error of the trajectories each model follows. Every
 * model of the study that has trajectories gets a point at its source's
 * error, measured on the generator's test split (regime-flow.ts): the true
 * motion at 0, the noisy oracles at their measured errors, TV-L1 at its own.
 * S3D is TrajectoryNet with trajectories that never move, so it stands at
 * zero flow's error.
 */
import { formatInterval, type Interval, lineChart, meanInterval, pairedDifference } from '@trajectorynet/training';
import type { Table } from '../suite.js';
import { JOINT_MOTIONNETS } from './joint-motionnet.js';
import { ORACLE_NOISE_LEVELS, type RegimeFlowQuality } from './regime-flow.js';
import type { AlignmentRow } from './stage-alignment.js';

/**
 * The same curve against alignment at res3 (stage-alignment.ts) instead of
 * pixel error: each source's aligned / unaligned ratio in the error's place
 * (zero offsets: 1).
 */
export function alignmentMeasure(rows: AlignmentRow[], regime: RegimeFlowQuality['regime']): RegimeFlowQuality {
  const res3 = (source: string) => rows.find((r) => r.source === source)?.ratio.res3;
  const noisyOracle = Object.fromEntries(ORACLE_NOISE_LEVELS.flatMap((n) => (res3(`true motion + ${n} px error`) != null ? [[n, res3(`true motion + ${n} px error`) as number]] : [])));
  const motionnets = Object.fromEntries(rows.filter((r) => r.source.startsWith('MotionNet')).map((r) => [r.source, r.ratio.res3]));
  return { regime, pairs: 0, secondsPerPair: 0, zero: 1, truth: res3('true motion') ?? Number.NaN, tvl1: res3('TV-L1') ?? Number.NaN, noisyOracle, motionnets };
}

/** One finished run of the study (the fields this chart reads). */
export interface QualityRun {
  model: string;
  seed: number;
  valTop1: number;
}

export interface QualityPoint {
  model: string;
  /** Where its trajectories come from, for the legend and the table. */
  source: string;
  /** Mean end-point error of its trajectories over moving pixels, px per video frame at the flow's resolution. */
  epe: number;
  top1: Interval;
  /** Paired against S3D on the seeds both finished (null for S3D itself, or with no shared seed). */
  versusS3d: Interval | null;
  seeds: number;
}

/** The frozen-MotionNet study models, and the name of the MotionNet each follows (regime-flow.ts's MotionNetSource). */
export const FROZEN_MOTIONNETS: Record<string, string> = {
  'tn-motionnet-frozen': 'MotionNet (pretrained)',
  'tn-motionnet-videos-frozen': 'MotionNet (pretrained on the videos)',
  // in the graph at 0x lr: its flows stay the pretrained network's
  'tn-motionnet-stacked-fixed': 'MotionNet-(16) (pretrained on the videos)',
};

/**
 * The trajectory error of each study model that has one; models off the curve
 * (C2D, with-motion) are left out. A joint model stands at the mean error of the
 * MotionNets its runs ended with (joint-motionnet.ts).
 */
function trajectoryError(model: string, quality: RegimeFlowQuality): { source: string; epe: number } | null {
  if (model === 's3d') return { source: 'none (S3D: trajectories that stay put)', epe: quality.zero };
  if (model === 'tn-true') return { source: 'true motion', epe: quality.truth ?? 0 };
  if (model === 'tn-tvl1') return { source: 'TV-L1', epe: quality.tvl1 };
  const frozen = FROZEN_MOTIONNETS[model];
  const motionnet = frozen != null ? quality.motionnets?.[frozen] : undefined;
  if (motionnet != null) return { source: (frozen as string).replace(/\)$/, ', frozen)'), epe: motionnet };
  const joint = JOINT_MOTIONNETS[model];
  const jointError = joint != null ? quality.motionnets?.[joint] : undefined;
  if (jointError != null) return { source: joint as string, epe: jointError };
  const noisy = /^tn-true-noise(\d+)$/.exec(model);
  if (noisy != null && quality.noisyOracle[Number(noisy[1])] != null) return { source: `true motion + ${noisy[1]} px error`, epe: quality.noisyOracle[Number(noisy[1])] };
  return null;
}

/** The curve's points, ordered by trajectory error. */
export function qualityPoints(runs: QualityRun[], quality: RegimeFlowQuality): QualityPoint[] {
  const s3d = runs.filter((r) => r.model === 's3d');
  const points: QualityPoint[] = [];
  for (const model of [...new Set(runs.map((r) => r.model))]) {
    const error = trajectoryError(model, quality);
    if (error == null) continue;
    const own = runs.filter((r) => r.model === model).sort((a, b) => a.seed - b.seed);
    const shared = own.filter((r) => s3d.some((s) => s.seed === r.seed));
    const versusS3d =
      model === 's3d' || shared.length === 0
        ? null
        : pairedDifference(
            shared.map((r) => r.valTop1),
            shared.map((r) => s3d.find((s) => s.seed === r.seed)?.valTop1 ?? Number.NaN),
          );
    points.push({ model, ...error, top1: meanInterval(own.map((r) => r.valTop1)), versusS3d, seeds: own.length });
  }
  return points.sort((a, b) => a.epe - b.epe);
}

export function qualityTable(points: QualityPoint[], regime: string): Table {
  return {
    title: `Trajectory quality and accuracy, ${regime} regime (dense sampling)`,
    columns: ['trajectories', 'EPE px per video frame (moving pixels)', 'seeds', 'val top-1 % (mean ± 95% CI)', 'minus S3D, paired (± 95% CI)'],
    rows: points.map((p) => [p.source, p.epe.toFixed(2), p.seeds, formatInterval(p.top1), p.versusS3d == null ? '' : formatInterval(p.versusS3d, true)]),
    note: "Errors from the generator's test split (seed 101), never trained or tuned on; accuracies from the study's runs above. S3D's temporal convolution is TrajectoryNet's with offsets that are always zero, so its error is zero flow's.",
  };
}

/** Validation top-1 against trajectory error: the oracle and its noisy versions as one line, TV-L1 and S3D as points beside it. */
export function qualityChart(points: QualityPoint[], regime: string, xLabel = 'trajectory end-point error, px per video frame'): string {
  const oracle = points.filter((p) => p.model === 'tn-true' || p.model.startsWith('tn-true-noise'));
  const single = points.filter((p) => !oracle.includes(p));
  // whiskers: the 95% interval of the mean over seeds (none with one seed)
  const asPoint = (p: QualityPoint) => ({ x: p.epe, y: p.top1.mean * 100, error: p.top1.halfWidth * 100 });
  return lineChart(
    [
      ...(oracle.length > 0 ? [{ name: 'true motion (+ noise)', points: oracle.map(asPoint) }] : []),
      ...single.map((p) => ({ name: p.model === 's3d' ? 'S3D (zero flow)' : p.source, points: [asPoint(p)] })),
    ],
    { title: `Influence of trajectory quality (${regime} regime)`, xLabel, yLabel: 'val top-1 % (mean over seeds, 95% interval)', zeroY: false },
  );
}
