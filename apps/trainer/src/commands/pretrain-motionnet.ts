/**
 * `trajectorynet pretrain-motionnet <source>`: MotionNet trained without flow
 * labels on a folder of videos, a video, a frame folder or a dataset list;
 * resumable (run the same command again), with a loss curve. The checkpoint
 * initialises the joint TrajectoryNet + MotionNet presets (motionnet.pretrained).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { MotionNetError, type StepRecord, trainMotionNet } from '@trajectorynet/motionnet';
import { type BackendName, initBackend } from '@trajectorynet/runtime';
import { readMmactionList, writeFileAtomic } from '@trajectorynet/video-io';
import { TrainerError } from '../errors.js';
import { createProgress } from '../progress.js';
import { lineChart } from '../report/svg.js';

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
  backend?: BackendName;
}

/** "every:factor", e.g. "1000:0.5". */
function parseDecay(text: string): { every: number; factor: number } {
  const [every, factor] = text.split(':').map(Number);
  if (!Number.isInteger(every) || every < 1 || !(factor > 0)) throw new TrainerError('BAD_INPUT', `--lr-decay takes steps:factor (e.g. 1000:0.5), got '${text}'`);
  return { every, factor };
}

export function registerPretrainMotionNetCommand(program: Command): void {
  program
    .command('pretrain-motionnet <source>')
    .description('train MotionNet without flow labels on videos (a folder, a video, a frame folder or, with --list, a dataset list)')
    .requiredOption('--out <dir>', 'writes motionnet.ckpt (resumable), history.jsonl and loss.svg here')
    .option('--list', 'the source is an mmaction list file (paths relative to --root)', false)
    .option('--root <dir>', 'root of the list paths', '.')
    .option('--type <kind>', 'list type: videos (path label) or rawframes (path frames label)', 'videos')
    .option('--steps <n>', 'optimisation steps in all', Number, 2000)
    .option('--frames <n>', 'frames per stack (use the clip length of the TrajectoryNet it will feed)', Number, 8)
    .option('--size <px>', 'input size (square, divisible by 32; for the joint presets use data.size rounded up to a multiple of 32: 112 -> 128)', Number, 128)
    .option('--width <m>', 'channel multiplier (1 = the paper width)', Number, 0.25)
    .option('--batch <n>', 'stacks per step', Number, 4)
    .option('--lr <rate>', 'Adam learning rate', Number, 1e-4)
    .option('--lr-decay <steps:factor>', 'multiply the rate by factor every so many steps, e.g. 1000:0.5')
    .option('--frame-step <n>', 'take every n-th frame', Number, 1)
    .option('--seed <n>', 'seeds weights and data draws', Number, 1)
    .option('--checkpoint-every <n>', 'steps between checkpoints', Number, 50)
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest available)')
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet pretrain-motionnet videos/ --out runs/motionnet --steps 5000\n  trajectorynet pretrain-motionnet train.txt --list --root data/videos --out runs/motionnet --frames 8 --size 128\n  trajectorynet train --preset trajectorynet-r18-motionnet --set motionnet.pretrained=runs/motionnet/motionnet.ckpt --out runs/joint',
    )
    .action(async (source: string, o: PretrainOptions) => {
      await initBackend({ prefer: o.backend, log: null });
      const data = o.list ? await readMmactionList(source, { root: o.root, type: o.type }) : source;
      const progress = createProgress({ label: 'motionnet', total: o.steps, unit: 'steps' });
      const history = path.join(o.out, 'history.jsonl');
      const checkpoint = path.join(o.out, 'motionnet.ckpt');
      let records: StepRecord[] = [];
      try {
        const run = await trainMotionNet(data, {
          steps: o.steps,
          frames: o.frames,
          height: o.size,
          width: o.size,
          widthMultiplier: o.width,
          batchSize: o.batch,
          lr: o.lr,
          lrDecay: o.lrDecay != null ? parseDecay(o.lrDecay) : undefined,
          frameStep: o.frameStep,
          seed: o.seed,
          checkpoint,
          checkpointEvery: o.checkpointEvery,
          onStep: (r) => progress.update(r.step, { loss: r.loss.total, photometric: r.loss.photometric, lr: r.lr }),
        });
        records = run.history;
        run.model.dispose();
      } catch (error) {
        if (error instanceof MotionNetError) throw new TrainerError('BAD_INPUT', error.message, { cause: error });
        throw error;
      } finally {
        progress.stop();
      }
      await writeFileAtomic(history, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const curve = (key: keyof StepRecord['loss']) => ({ name: key, points: records.map((r) => ({ x: r.step, y: r.loss[key] })) });
      await writeFileAtomic(path.join(o.out, 'loss.svg'), lineChart([curve('total'), curve('photometric'), curve('ssim'), curve('smoothness')], { title: 'MotionNet unsupervised loss', xLabel: 'step', yLabel: 'loss' }));
      const last = records.at(-1);
      console.log(`motionnet: ${records.length} steps, loss ${last?.loss.total.toFixed(4) ?? '?'}; checkpoint ${checkpoint}`);
    });
}
