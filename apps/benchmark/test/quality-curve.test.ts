import { describe, expect, it } from 'vitest';
import { alignmentMeasure, qualityChart, qualityPoints, qualityTable } from '../src/suites/quality-curve.js';
import { foldJointErrors } from '../src/suites/joint-motionnet.js';
import type { RegimeFlowQuality } from '../src/suites/regime-flow.js';

const quality: RegimeFlowQuality = { regime: 'trackable', pairs: 96, tvl1: 0.95, zero: 4.2, secondsPerPair: 0.01, noisyOracle: { 1: 0.8, 2: 1.7, 4: 3.3 } };

describe('trajectory-quality curve', () => {
  it('places each model at its trajectories\' error, pairs it with S3D on shared seeds, and leaves models without trajectories out', () => {
    const runs = [
      { model: 's3d', seed: 1, valTop1: 0.5 },
      { model: 's3d', seed: 2, valTop1: 0.52 },
      { model: 'tn-true', seed: 1, valTop1: 0.6 },
      { model: 'tn-true', seed: 2, valTop1: 0.64 },
      { model: 'tn-tvl1', seed: 1, valTop1: 0.55 },
      // seed 3 has no S3D run: counted in its mean, not in the paired difference
      { model: 'tn-tvl1', seed: 3, valTop1: 0.4 },
      { model: 'tn-true-noise2', seed: 2, valTop1: 0.56 },
      { model: 'c2d', seed: 1, valTop1: 0.17 },
      { model: 'tn-true-motion', seed: 1, valTop1: 0.8 },
    ];
    const points = qualityPoints(runs, quality);
    expect(points.map((p) => [p.model, p.epe])).toEqual([
      ['tn-true', 0],
      ['tn-tvl1', 0.95],
      ['tn-true-noise2', 1.7],
      ['s3d', 4.2],
    ]);
    const byModel = Object.fromEntries(points.map((p) => [p.model, p]));
    expect(byModel['tn-true'].top1.mean).toBeCloseTo(0.62, 10);
    expect(byModel['tn-true'].versusS3d?.mean).toBeCloseTo(0.11, 10); // (0.10 + 0.12) / 2
    expect(byModel['tn-tvl1'].top1.mean).toBeCloseTo(0.475, 10);
    expect(byModel['tn-tvl1'].versusS3d?.mean).toBeCloseTo(0.05, 10); // seed 1 only
    expect(byModel['tn-true-noise2'].versusS3d?.mean).toBeCloseTo(0.04, 10);
    expect(byModel.s3d.versusS3d).toBeNull();
    expect(qualityTable(points, 'trackable').rows[1]).toEqual(['TV-L1', '0.95', 2, expect.stringMatching(/^47\.5 ± /), expect.stringMatching(/^\+5\.0/)]);
    const svg = qualityChart(points, 'trackable');
    expect(svg).toContain('true motion (+ noise)');
    expect(svg).toContain('S3D (zero flow)');
  });

  it('puts each frozen MotionNet at its own pretrained error when one was measured; a joint one only at its joint runs\' measured error', () => {
    const runs = [
      { model: 's3d', seed: 1, valTop1: 0.5 },
      { model: 'tn-motionnet-frozen', seed: 1, valTop1: 0.53 },
      { model: 'tn-motionnet', seed: 1, valTop1: 0.58 },
      { model: 'tn-motionnet-videos-frozen', seed: 1, valTop1: 0.55 },
    ];
    const motionnets = { 'MotionNet (pretrained)': 2.1, 'MotionNet (pretrained on the videos)': 1.3 };
    expect(qualityPoints(runs, { ...quality, motionnets }).map((p) => [p.model, p.source, p.epe])).toEqual([
      ['tn-motionnet-videos-frozen', 'MotionNet (pretrained on the videos, frozen)', 1.3],
      ['tn-motionnet-frozen', 'MotionNet (pretrained, frozen)', 2.1],
      ['s3d', 'none (S3D: trajectories that stay put)', 4.2],
    ]);
    // without the pretrained network's error there is nothing to place it at
    expect(qualityPoints(runs, quality).map((p) => p.model)).toEqual(['s3d']);
    // the joint model stands at the error its own runs' MotionNets ended with, not the pretrained one's
    const withJoint = qualityPoints(runs, { ...quality, motionnets: { ...motionnets, 'MotionNet (pretrained, joint)': 3.0 } });
    expect(withJoint.find((p) => p.model === 'tn-motionnet')?.epe).toBe(3.0);
  });

  it('folds the joint runs\' per-seed MotionNet errors into one mean per model and a table of the seeds', () => {
    const measured: RegimeFlowQuality = {
      ...quality,
      motionnets: {
        'MotionNet (pretrained on the videos)': 1.47,
        'MotionNet (pretrained on the videos, joint), seed 1': 2.0,
        'MotionNet (pretrained on the videos, joint), seed 3': 3.0,
        'MotionNet (pretrained on the videos, joint at 0.1x lr), seed 2': 1.6,
      },
    };
    const { quality: folded, table } = foldJointErrors(measured);
    expect(folded.motionnets).toEqual({
      'MotionNet (pretrained on the videos)': 1.47,
      'MotionNet (pretrained on the videos, joint)': 2.5,
      'MotionNet (pretrained on the videos, joint at 0.1x lr)': 1.6,
    });
    expect(table?.rows).toEqual([
      ['MotionNet (pretrained on the videos, joint)', 'seed 1: 2.00, seed 3: 3.00', '2.50', (2.5 / 4.2).toFixed(3)],
      ['MotionNet (pretrained on the videos, joint at 0.1x lr)', 'seed 2: 1.60', '1.60', (1.6 / 4.2).toFixed(3)],
    ]);
    expect(table?.note).toContain('MotionNet (pretrained on the videos) 1.47 px');
    // nothing joint measured: unchanged, no table
    expect(foldJointErrors(quality)).toEqual({ quality, table: null });
  });

  it('against res3 alignment: each source at its aligned / unaligned ratio, S3D at 1', () => {
    const rows = [
      { source: 'zero (S3D)', ratio: { res3: 1, res4: 1 } },
      { source: 'true motion', ratio: { res3: 0.62, res4: 0.81 } },
      { source: 'true motion + 2 px error', ratio: { res3: 0.65, res4: 0.82 } },
      { source: 'TV-L1', ratio: { res3: 0.58, res4: 0.8 } },
      { source: 'MotionNet (pretrained)', ratio: { res3: 0.72, res4: 0.88 } },
      { source: 'MotionNet (pretrained on the videos)', ratio: { res3: 0.69, res4: 0.86 } },
    ];
    const runs = ['s3d', 'tn-true', 'tn-true-noise2', 'tn-tvl1', 'tn-motionnet-frozen', 'tn-motionnet-videos-frozen'].map((model, k) => ({ model, seed: 1, valTop1: 0.5 + k / 100 }));
    expect(qualityPoints(runs, alignmentMeasure(rows, 'trackable')).map((p) => [p.model, p.epe])).toEqual([
      ['tn-tvl1', 0.58],
      ['tn-true', 0.62],
      ['tn-true-noise2', 0.65],
      ['tn-motionnet-videos-frozen', 0.69],
      ['tn-motionnet-frozen', 0.72],
      ['s3d', 1],
    ]);
    // a noise level not measured has no point
    expect(alignmentMeasure(rows, 'trackable').noisyOracle).toEqual({ 2: 0.65 });
  });
});
