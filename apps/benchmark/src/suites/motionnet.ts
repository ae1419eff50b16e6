/**
 * MotionNet: forward speed of the paper-width network and of the small
 * variants the trainer uses on CPUs; and flow quality on the FlyingChairs
 * pairs after a short unsupervised pretraining on the shared videos, next to
 * TV-L1 and zero flow on the same pairs in the same run.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, predictFlow, stackFrames, withInputSize } from '@trajectorynet/motionnet';
import { barChart, pretrainMotionNet } from '@trajectorynet/training';
import { endPointError, tvl1 } from '@trajectorynet/tvl1-flow';
import { readFlo, readImage } from '@trajectorynet/video-io';
import { dataDir } from '../data.js';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

interface Variant {
  name: string;
  frames: number;
  size: number;
  width: number;
}

const FULL_VARIANTS: Variant[] = [
  { name: 'paper width, 2 frames 224x224', frames: 2, size: 224, width: 1 },
  { name: 'width 1/4, 8 frames 128x128 (joint presets: 112 rounded up)', frames: 8, size: 128, width: 0.25 },
  { name: 'width 1/8, 8 frames 64x64 (tiny presets)', frames: 8, size: 64, width: 0.125 },
];
const QUICK_VARIANTS: Variant[] = [
  { name: 'width 1/4, 2 frames 64x64', frames: 2, size: 64, width: 0.25 },
  { name: 'width 1/8, 8 frames 64x64 (tiny presets)', frames: 8, size: 64, width: 0.125 },
];

/** Forward passes per second (one stack per pass) and parameters. */
async function forwardSpeed(v: Variant, runs: number): Promise<{ stacksPerSecond: number; parameters: number; ms: number }> {
  const model = createMotionNet({ frames: v.frames, height: v.size, width: v.size, widthMultiplier: v.width });
  const clip = tf.randomUniform([1, v.frames, v.size, v.size, 3]) as tf.Tensor5D;
  const input = stackFrames(clip);
  const timing = await timeIt(() => tf.tidy(() => (model.predict(input) as tf.Tensor[]).forEach((t) => t.dataSync())), { warmup: 1, minRuns: runs, minSeconds: 0 });
  const parameters = model.countParams();
  tf.dispose([clip, input]);
  model.dispose();
  return { stacksPerSecond: 1000 / timing.medianMs, parameters, ms: timing.medianMs };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export const motionnetSuite: Suite = {
  name: 'motionnet',
  description: 'MotionNet forward speed (paper width and small variants) and FlyingChairs EPE after unsupervised pretraining, next to TV-L1',
  async run({ quick, outDir, progress }) {
    const data = dataDir();
    const speed: ({ variant: Variant } & Awaited<ReturnType<typeof forwardSpeed>>)[] = [];
    for (const variant of quick ? QUICK_VARIANTS : FULL_VARIANTS) {
      progress(`forward: ${variant.name}`);
      speed.push({ variant, ...(await forwardSpeed(variant, quick ? 2 : 5)) });
    }

    // a pairwise MotionNet pretrained without labels on the shared videos, then run on FlyingChairs at 512x384
    const budget = quick ? { steps: 3, size: 64, width: 0.125, batch: 2 } : { steps: 400, size: 128, width: 0.25, batch: 4 };
    const started = performance.now();
    let lastLine = 0;
    const pretrained = await pretrainMotionNet(path.join(data, 'videos'), {
      outDir: path.join(outDir, 'motionnet-pretraining'),
      overwrite: true,
      steps: budget.steps,
      frames: 2,
      height: budget.size,
      width: budget.size,
      widthMultiplier: budget.width,
      batchSize: budget.batch,
      lr: 2e-4,
      lrDecay: { every: 300, factor: 0.5 },
      seed: 1,
      onStep: (r) => {
        if (performance.now() - lastLine > 10_000 || r.step === r.steps) {
          lastLine = performance.now();
          const eta = (r.steps - r.step) * (budget.batch / Math.max(1e-9, r.itemsPerSecond));
          progress(`pretraining on the shared videos: step ${r.step}/${r.steps}, loss ${r.loss.toFixed(3)}, ${r.itemsPerSecond.toFixed(2)} pairs/s, ETA ${eta.toFixed(0)} s`);
        }
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const chairsModel = await withInputSize(pretrained.model, 384, 512);
    const ids = quick ? ['0000001'] : ['0000000', '0000001', '0000002'];
    const pairs: { id: string; motionnet: number; motionnetSeconds: number; tvl1: number; tvl1Seconds: number; zero: number }[] = [];
    for (const id of ids) {
      progress(`FlyingChairs ${id}: MotionNet and TV-L1`);
      const file = (suffix: string) => path.join(data, `flow/flyingchairs/${id}-${suffix}`);
      const [a, b, gt] = [await readImage(file('img0.ppm')), await readImage(file('img1.ppm')), await readFlo(file('gt.flo'))];
      let t0 = performance.now();
      const learned = predictFlow(chairsModel, a, b);
      const motionnetSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const classical = tvl1({ ...a, channels: 3 }, { ...b, channels: 3 });
      const tvl1Seconds = (performance.now() - t0) / 1000;
      const zero = { width: gt.width, height: gt.height, u: new Float32Array(gt.u.length), v: new Float32Array(gt.v.length) };
      pairs.push({ id, motionnet: endPointError(learned, gt), motionnetSeconds, tvl1: endPointError(classical, gt), tvl1Seconds, zero: endPointError(zero, gt) });
    }
    chairsModel.dispose();
    pretrained.model.dispose();

    const speedRows = speed.map((s) => [s.variant.name, s.parameters / 1e6, s.ms, s.stacksPerSecond, s.stacksPerSecond * (s.variant.frames - 1)]);
    const epeRows: (string | number)[][] = pairs.map((p) => [p.id, p.motionnet, p.tvl1, p.zero, p.motionnetSeconds, p.tvl1Seconds]);
    epeRows.push(['mean', ...(['motionnet', 'tvl1', 'zero', 'motionnetSeconds', 'tvl1Seconds'] as const).map((k) => mean(pairs.map((p) => p[k])))]);
    const losses = pretrained.state.history.map((h) => h.train.loss);
    return {
      tables: [
        {
          title: 'MotionNet forward speed (batch 1)',
          columns: ['variant', 'params (M)', 'ms per stack', 'stacks/s', 'flow fields/s'],
          rows: speedRows,
          note: 'A stack of n+1 frames gives n flow fields (plus their coarser scales).',
        },
        {
          title: `FlyingChairs end-point error: MotionNet after ${budget.steps} unsupervised steps vs TV-L1 (default options)`,
          columns: ['pair', 'MotionNet EPE', 'TV-L1 EPE', 'zero-flow EPE', 'MotionNet s', 'TV-L1 s'],
          rows: epeRows,
          note: `MotionNet: pairwise, width ${budget.width}, trained at ${budget.size}x${budget.size} on random crops of the shared videos (test.mp4, part_0.mp4, test.avi), batch ${budget.batch}, Adam 2e-4 (halved every 300 steps), ${trainSeconds.toFixed(0)} s; loss ${losses[0]?.toFixed(3)} -> ${losses.at(-1)?.toFixed(3)}. Run at 512x384 with the same weights. The paper's MotionNet is trained for days on UCF101; this budget shows the pipeline, not its ceiling.`,
        },
      ],
      charts: {
        'motionnet-speed.svg': barChart(
          speed.map((s) => ({ group: s.variant.name, bars: [{ name: 'stacks/s', value: s.stacksPerSecond }] })),
          { title: 'MotionNet forward stacks/s', yLabel: 'stacks/s' },
        ),
        'motionnet-epe.svg': barChart(
          pairs.map((p) => ({ group: p.id, bars: [{ name: 'MotionNet', value: p.motionnet }, { name: 'TV-L1', value: p.tvl1 }, { name: 'zero flow', value: p.zero }] })),
          { title: 'FlyingChairs EPE (lower is better)', yLabel: 'EPE (px)' },
        ),
      },
      data: { speed, budget, trainSeconds, losses, pairs },
    };
  },
};
