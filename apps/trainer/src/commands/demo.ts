/**
 * `trajectorynet demo`: no data, no network. Trains a small S3D, a small
 * TrajectoryNet following the generator's true motion (the oracle), one
 * following TV-L1 flow and one with TV-L1 flow also as input (+ motion) on the
 * embedded synthetic dataset, where the class is the motion of an object
 * (direction x spin), and prints each model's last-epoch validation top-1
 * with its 95% interval over the validation clips and its difference to S3D.
 *
 * By default in the trackable regime (a textured object, videos at twice the
 * clip's frame rate), where TV-L1 can follow the object; `--regime hard` is
 * the study's original data, where computed flow fails. The budget (16
 * training clips per class, 24 epochs, 50 validation clips per class) was
 * chosen on seeds 11-13 against 12 epochs x 32 clips and 6 x 64 (the same
 * number of steps), not on the seeds the README reports.
 */
import path from 'node:path';
import { describeBackend, initBackend } from '@trajectorynet/runtime';
import { accuracyInterval, regimeOverrides, resolveConfig, runTraining, SYNTHETIC_REGIMES, type SyntheticRegimeName } from '@trajectorynet/training';
import { type Command, Option } from 'commander';

interface DemoOptions {
  out: string;
  epochs: number;
  clips: number;
  valClips: number;
  seed: number;
  regime: SyntheticRegimeName;
  models: string[];
  trajectoryStages?: string[];
}

/** The data keys of a regime for 8-frame clips: its motion and look, and its frames sampled every denseInterval video frames. */
function demoDataOverrides(name: SyntheticRegimeName): string[] {
  const { denseInterval } = SYNTHETIC_REGIMES[name];
  if (denseInterval === 1) return regimeOverrides(name); // segment sampling of 8-frame videos: every frame
  return [...regimeOverrides(name), `data.frameInterval=${denseInterval}`, `data.syntheticFrames=${7 * denseInterval + 1}`];
}

/** Validation four times per run (and always after the last epoch): enough for the curves, a quarter of the evaluation time. */
function validateEvery(epochs: number): number {
  return Math.max(1, Math.round(epochs / 4));
}

/** The demo's models: `option` is the name --models takes, `key` the run folder. */
const MODELS = [
  { option: 's3d', name: 'S3D-R18 (temporal conv)', key: 's3d', preset: 's3d-r18-tiny', overrides: [] as string[] },
  { option: 'true', name: 'TrajectoryNet-R18 (true motion)', key: 'trajectorynet-true-motion', preset: 'trajectorynet-r18-tiny', overrides: ['model.trajectorySource=groundtruth'] },
  { option: 'tvl1', name: 'TrajectoryNet-R18 (TV-L1)', key: 'trajectorynet-tvl1', preset: 'trajectorynet-r18-tiny', overrides: [] as string[] },
  // the paper's "+ motion": the same TV-L1 trajectories also given to the network as an input (the flows share the TV-L1 cache)
  { option: 'tvl1-motion', name: 'TrajectoryNet-R18 (TV-L1) + motion', key: 'trajectorynet-tvl1-motion', preset: 'trajectorynet-r18-motion-tiny', overrides: [] as string[] },
];

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('train and compare a small S3D and small TrajectoryNets (true motion, TV-L1, TV-L1 + motion) on the embedded synthetic motion dataset (CPU, about 8 minutes on 2 cores)')
    .option('-o, --out <dir>', 'run folders', 'runs/demo')
    .option('--epochs <n>', 'epochs per model', Number, 24)
    .option('--clips <n>', 'training clips per class (8 classes)', Number, 16)
    .option('--val-clips <n>', 'validation clips per class', Number, 50)
    .option('--seed <n>', 'seed of data, initialisation and order', Number, 1)
    .addOption(new Option('--models <names...>', 'which models to train: s3d, true (TrajectoryNet on the true motion), tvl1 (TrajectoryNet on TV-L1 flow), tvl1-motion (the same, with the flow also as input)').choices(MODELS.map((m) => m.option)).default(MODELS.map((m) => m.option)))
    .addOption(new Option('--trajectory-stages <stages...>', 'the stages whose temporal convs follow trajectories in the TrajectoryNet rows (default res3 res4, the paper\'s middle stages)').choices(['res2', 'res3', 'res4', 'res5']))
    .addOption(new Option('--regime <name>', 'synthetic motion: trackable (textured object, TV-L1 can follow it) or hard (striped, fast-turning: computed flow fails)').choices(['trackable', 'hard']).default('trackable'))
    .addHelpText('after', '\nExamples:\n  trajectorynet demo\n  trajectorynet demo --models s3d tvl1 --seed 3 --out /tmp/demo-seed3\n  trajectorynet demo --seed 2 --out /tmp/demo-seed2\n  trajectorynet demo --regime hard --epochs 4 --clips 12 --out /tmp/demo-hard')
    .action(async (o: DemoOptions) => {
      // which engine trains: wasm + libtorch kernels, or plain wasm and why
      const engine = describeBackend(await initBackend({ log: null }));
      console.error(engine);
      const rows: string[][] = [];
      const chosen = MODELS.filter((m) => o.models.includes(m.option));
      let s3dTop1: number | null = null;
      console.error(`regime ${o.regime}: ${SYNTHETIC_REGIMES[o.regime].description}`);
      for (const m of chosen) {
        // other trajectory stages: the TrajectoryNet rows say which, and train into their own folders
        const stages = m.option !== 's3d' && o.trajectoryStages != null ? o.trajectoryStages : null;
        const name = stages != null ? `${m.name} [${stages.join(', ')}]` : m.name;
        console.error(`\n== ${name}: ${m.preset}, ${o.clips * 8} training clips of 8x64x64, ${o.epochs} epochs`);
        const config = await resolveConfig({
          preset: m.preset,
          overrides: [...m.overrides, ...(stages != null ? [`model.trajectoryStages=[${stages.join(',')}]`] : []), ...demoDataOverrides(o.regime), `train.epochs=${o.epochs}`, `train.validateEvery=${validateEvery(o.epochs)}`, `data.trainClipsPerClass=${o.clips}`, `data.valClipsPerClass=${o.valClips}`, `train.seed=${o.seed}`, 'data.kind=synthetic'],
        });
        const summary = await runTraining(config, { outDir: path.join(o.out, stages != null ? `${m.key}-${stages.join('-')}` : m.key), cacheDir: path.join(o.out, '.cache'), overwrite: true });
        // the last epoch's validation, not the best epoch's: picking the epoch on the validation clips would flatter every row
        const last = summary.state.history.at(-1)?.val;
        const interval = last ? accuracyInterval(last.top1, o.valClips * 8) : null;
        if (m.option === 's3d' && last) s3dTop1 = last.top1;
        rows.push([
          name,
          last && interval ? `${(last.top1 * 100).toFixed(1)}% [${(interval.low * 100).toFixed(1)}, ${(interval.high * 100).toFixed(1)}]` : '-',
          last && s3dTop1 != null && m.option !== 's3d' ? `${last.top1 >= s3dTop1 ? '+' : ''}${((last.top1 - s3dTop1) * 100).toFixed(1)}` : '-',
          last ? `${(last.top5 * 100).toFixed(1)}%` : '-',
          summary.trainClipsPerSecond.toFixed(1),
          `${summary.seconds.toFixed(0)} s`,
        ]);
      }
      const header = ['model', 'val top-1, last epoch [95% interval]', 'minus S3D (points)', 'val top-5', 'train clips/s', 'wall time'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
      console.log(`\n${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
      for (const r of rows) console.log(line(r));
      console.log(`\n${engine}`);
      console.log(`${o.regime} regime; 8 classes (chance 12.5%), ${o.valClips * 8} validation clips (intervals: Wilson, over those clips; one seed).`);
      console.log(`Runs, curves and confusion matrices in ${o.out}/; several seeds: trajectorynet-bench --suite accuracy.`);
    });
}
