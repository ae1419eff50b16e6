/**
 * The paper's comparison on the embedded synthetic dataset (class = motion):
 * C2D, S3D and TrajectoryNet with TV-L1 or jointly trained MotionNet
 * trajectories, with and without the motion representation; several seeds,
 * the same training budget for all.
 */
import path from 'node:path';
import { barChart, resolveConfig, runTraining } from '@trajectorynet/training';
import type { Suite } from '../suite.js';

const VARIANTS = [
  { name: 'C2D', preset: 'c2d-r18-tiny' },
  { name: 'S3D', preset: 's3d-r18-tiny' },
  { name: 'TrajectoryNet (TV-L1)', preset: 'trajectorynet-r18-tiny' },
  { name: 'TrajectoryNet (TV-L1) + motion', preset: 'trajectorynet-r18-motion-tiny' },
  { name: 'TrajectoryNet (MotionNet, joint)', preset: 'trajectorynet-r18-motionnet-tiny' },
  { name: 'TrajectoryNet (MotionNet, joint) + motion', preset: 'trajectorynet-r18-motionnet-motion-tiny' },
];

export const accuracySuite: Suite = {
  name: 'accuracy',
  description: 'C2D vs S3D vs TrajectoryNet (TV-L1 or MotionNet, with/without motion) on the synthetic motion dataset, several seeds',
  async run({ quick, outDir, progress, accuracy }) {
    const defaults = quick ? { epochs: 1, clips: 2, val: 2, seeds: 1 } : { epochs: 12, clips: 24, val: 8, seeds: 3 };
    const seeds = accuracy?.seeds ?? defaults.seeds;
    const budget = { epochs: accuracy?.epochs ?? defaults.epochs, clips: accuracy?.clips ?? defaults.clips, val: defaults.val, seeds: Array.from({ length: seeds }, (_, i) => i + 1) };
    // seed-major: every model gets seed 1 before any gets seed 2, so a stopped run still compares all models
    const top1: Map<string, number[]> = new Map(VARIANTS.map((v) => [v.name, []]));
    const data = [];
    for (const seed of budget.seeds) {
      for (const v of VARIANTS) {
        progress(`${v.name}, seed ${seed}`);
        const config = await resolveConfig({
          preset: v.preset,
          overrides: [`train.epochs=${budget.epochs}`, `train.seed=${seed}`, `data.trainClipsPerClass=${budget.clips}`, `data.valClipsPerClass=${budget.val}`],
        });
        const summary = await runTraining(config, { outDir: path.join(outDir, 'accuracy', `${v.preset}-seed${seed}`), cacheDir: path.join(outDir, 'accuracy', '.cache'), resume: true, quiet: true, log: () => {} });
        top1.get(v.name)?.push(summary.best?.top1 ?? 0);
        data.push({ variant: v.name, seed, top1: summary.best?.top1, top5: summary.best?.top5, seconds: summary.seconds });
      }
    }
    const rows: (string | number)[][] = [];
    const groups = [];
    for (const v of VARIANTS) {
      const values = top1.get(v.name) ?? [];
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
      rows.push([v.name, (mean * 100).toFixed(1), (std * 100).toFixed(1), values.map((t) => (t * 100).toFixed(1)).join(', ')]);
      groups.push({ group: v.name, bars: [{ name: 'val top-1 %', value: mean * 100, error: std * 100 }] });
    }
    return {
      tables: [
        {
          title: `Synthetic motion dataset (8 classes, chance 12.5%): ${budget.clips * 8} training clips, ${budget.epochs} epochs, seeds ${budget.seeds.join(', ')}`,
          columns: ['model', 'val top-1 % (mean)', 'std', 'per seed'],
          rows,
          note: 'Tiny ResNet-18 (width 1/8), 8x64x64 clips, Adam, the same budget for every model. Whatever comes out is reported.',
        },
      ],
      charts: { 'accuracy.svg': barChart(groups, { title: 'Validation top-1 (mean ± std over seeds)', yLabel: '%' }) },
      data,
    };
  },
};
