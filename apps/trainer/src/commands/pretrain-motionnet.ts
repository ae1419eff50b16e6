/**
 * `trajectorynet pretrain-motionnet <source>`: MotionNet trained without flow
 * labels on a folder of videos, a video, a frame folder or a dataset list;
 * resumable (run the same command again), with a loss curve. Its checkpoint
 * initialises the joint TrajectoryNet + MotionNet presets (motionnet.pretrained).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { createProgress, ensureWritableFolder, writeFileDurable } from '@trajectorynet/core/node';
import { type BackendName, initBackend } from '@trajectorynet/runtime';
import { lineChart, pretrainMotionNet, TrainingError } from '@trajectorynet/training';
import { readMmactionList } from '@trajectorynet/video-io';
import { integer, positiveNumber } from '../options.js';

interface PretrainOptions {
  out: string;
  list?: boolean;
  root: string;
  type: 'videos' | 'rawframes';
  steps: number;
  frames: number;
  size: number;
  width: number;
  batch: number;
  lr: number;
  lrDecay?: string;
  frameStep: number;
  seed: number;
  checkpointEvery: number;
  workers: number;
  backend?: BackendName;
}

/** "every:factor", e.g. "1000:0.5". */
function parseDecay(text: string): { every: number; factor: number } {
  const [every, factor] = text.split(':').map(Number);
  if (!Number.isInteger(every) || every < 1 || !(factor > 0)) throw new TrainingError('BAD_INPUT', `takes steps:factor (e.g. 1000:0.5), got '${text}'`, { path: '--lr-decay' });
  return { every, factor };
}

function multipleOf32(text: string): number {
  const value = integer(32)(text);
  if (value % 32 !== 0) throw new TrainingError('BAD_INPUT', `must be a multiple of 32 (MotionNet's five poolings), got ${value}; for the joint presets use data.size rounded up: 112 -> 128`, { path: '--size' });
  return value;
}

export function registerPretrainMotionNetCommand(program: Command): void {
  program
    .command('pretrain-motionnet <source>')
    .description('train MotionNet without flow labels on videos (a folder, a video, a frame folder or, with --list, a dataset list)')
    .requiredOption('--out <dir>', 'the run folder: latest.ckpt (resumed when the command runs again), metrics.jsonl, loss.svg')
    .option('--list', 'the source is an mmaction list file (paths relative to --root)', false)
    .option('--root <dir>', 'root of the list paths', '.')
    .option('--type <kind>', 'list type: videos (path label) or rawframes (path frames label)', 'videos')
    .option('--steps <n>', 'optimisation steps in all', integer(1), 2000)
    .option('--frames <n>', 'consecutive frames per stack: the joint model uses data.frames + 1 (MotionNet-(17) for 16-frame clips)', integer(2, 17), 9)
    .option('--size <px>', 'input size (square, a multiple of 32)', multipleOf32, 128)
    .option('--width <m>', 'channel multiplier (1 = the paper width)', positiveNumber, 0.25)
    .option('--batch <n>', 'stacks per step', integer(1), 4)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber, 1e-4)
    .option('--lr-decay <steps:factor>', 'multiply the rate by factor every so many steps, e.g. 1000:0.5')
    .option('--frame-step <n>', 'take every n-th frame', integer(1), 1)
    .option('--seed <n>', 'seeds weights and data draws', integer(0), 1)
    .option('--checkpoint-every <n>', 'steps between checkpoints', integer(1), 50)
    .option('--workers <n>', 'threads decoding frame stacks', integer(0, 64), 0)
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest available)')
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet pretrain-motionnet videos/ --out runs/motionnet --steps 5000\n  trajectorynet pretrain-motionnet train.txt --list --root data/videos --out runs/motionnet --frames 9 --size 128\n  trajectorynet train --preset trajectorynet-r18-motionnet --set motionnet.pretrained=runs/motionnet/latest.ckpt --out runs/joint',
    )
    .action(async (source: string, o: PretrainOptions) => {
      const lrDecay = o.lrDecay != null ? parseDecay(o.lrDecay) : undefined;
      await ensureWritableFolder(o.out);
      await initBackend({ prefer: o.backend, log: null });
      const data = o.list ? await readMmactionList(source, { root: o.root, type: o.type }) : source;
      const progress = createProgress({ label: 'motionnet', total: o.steps, unit: 'steps' });
      let run: Awaited<ReturnType<typeof pretrainMotionNet>>;
      try {
        run = await pretrainMotionNet(data, {
          outDir: o.out,
          resume: true,
          steps: o.steps,
          frames: o.frames,
          height: o.size,
          width: o.size,
          widthMultiplier: o.width,
          batchSize: o.batch,
          lr: o.lr,
          lrDecay,
          frameStep: o.frameStep,
          seed: o.seed,
          checkpointEvery: o.checkpointEvery,
          workers: o.workers,
          onStep: (r) => progress.update(r.step, { loss: r.loss, photometric: r.metrics.photometric, lr: r.lr }),
        });
      } finally {
        progress.stop();
      }
      const history = run.state.history;
      const curve = (key: string) => ({ name: key, points: history.map((r) => ({ x: r.step, y: r.train[key] })) });
      await writeFileDurable(path.join(o.out, 'loss.svg'), lineChart([curve('loss'), curve('photometric'), curve('ssim'), curve('smoothness')], { title: 'MotionNet unsupervised loss', xLabel: 'step', yLabel: 'loss' }));
      run.model.dispose();
      console.log(`motionnet: ${run.state.step} steps, loss ${history.at(-1)?.train.loss.toFixed(4) ?? '?'}; checkpoint ${path.join(o.out, 'latest.ckpt')}`);
    });
}
