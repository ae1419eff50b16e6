/**
 * `trajectorynet pretrain-motionnet <source>`: MotionNet trained without flow
 * labels on a folder of videos, a video, a frame folder, a dataset list or
 * (source `procedural`) video-io's procedural generator, whose defaults are
 * the documented recipe (PROCEDURAL_PRETRAINING: unsupervised, then on the
 * generator's true flow); resumable (run the same
 * command again), with a loss curve. Its checkpoint initialises the joint
 * TrajectoryNet + MotionNet presets (motionnet.pretrained).
 */
import path from 'node:path';
import { createProgress, ensureWritableFolder, writeFileDurable } from '@trajectorynet/core/node';
import { type BackendName, initBackend } from '@trajectorynet/runtime';
import { type LrDecay, lineChart, loadDatasets, loadTextureFrames, type MotionNetSource, PROCEDURAL_PRETRAINING, pretrainMotionNet, resolveConfig, TrainingError } from '@trajectorynet/training';
import { readMmactionList } from '@trajectorynet/video-io';
import { type Command, Option } from 'commander';
import { collect, integer, positiveNumber } from '../options.js';

interface PretrainOptions {
  out: string;
  config?: string;
  preset?: string;
  set: string[];
  list?: boolean;
  root: string;
  type: 'videos' | 'rawframes';
  textures: string[];
  supervision?: 'none' | 'flow';
  supervisedFrom?: number;
  steps?: number;
  frames?: number;
  size?: number;
  width?: number;
  batch?: number;
  lr?: number;
  lrDecay?: string;
  frameStep: number;
  seed?: number;
  checkpointEvery?: number;
  workers: number;
  backend?: BackendName;
}

/** Defaults for videos; the procedural source's are PROCEDURAL_PRETRAINING's. */
const VIDEO_DEFAULTS = { steps: 2000, frames: 9, size: 128, width: 0.25, batch: 4, lr: 1e-4, seed: 1, checkpointEvery: 50 };
const RECIPE = PROCEDURAL_PRETRAINING.options;
const PROCEDURAL_DEFAULTS = {
  steps: RECIPE.steps,
  frames: RECIPE.frames,
  size: RECIPE.height,
  width: RECIPE.widthMultiplier,
  batch: RECIPE.batchSize,
  lr: RECIPE.lr,
  lrDecay: `${RECIPE.lrDecay.at.join(',')}:${RECIPE.lrDecay.factor}`,
  seed: RECIPE.seed,
  checkpointEvery: RECIPE.checkpointEvery,
};

/** "every:factor" (e.g. "1000:0.5"), or "step,step,...:factor" (e.g. "2400,3500:0.5"): at those steps. */
function parseDecay(text: string): LrDecay {
  const [stepsText = '', factorText = ''] = text.split(':');
  const steps = stepsText.split(',').map(Number);
  const factor = Number(factorText);
  if (steps.some((x) => !Number.isInteger(x) || x < 1) || !(factor > 0)) throw new TrainingError('BAD_INPUT', `takes steps:factor (every 1000 steps: 1000:0.5; at steps 2400 and 3500: 2400,3500:0.5), got '${text}'`, { path: '--lr-decay' });
  return steps.length === 1 && !stepsText.includes(',') ? { every: steps[0], factor } : { at: steps, factor };
}

/**
 * The recipe's rate decay for `steps` steps: its steps scaled by steps / 5000,
 * as the switch to the true flow is, so a shorter run anneals as the recipe
 * does instead of never reaching its decay steps (said when they change).
 */
function recipeDecay(steps: number): string {
  const { at, factor } = RECIPE.lrDecay;
  if (steps === RECIPE.steps) return PROCEDURAL_DEFAULTS.lrDecay;
  const scaled = at.map((step) => Math.max(1, Math.round((step * steps) / RECIPE.steps)));
  console.error(`pretrain-motionnet: the recipe's rate decay at steps ${scaled.join(',')} of ${steps} (its ${at.join(',')} of ${RECIPE.steps}, scaled)`);
  return `${scaled.join(',')}:${factor}`;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The step from which the procedural source trains on the true flow (none
 * with --supervision none, 0 with --supervision flow, else --supervised-from
 * or the recipe's share of the steps, 3500 of 5000), and the round length
 * (--checkpoint-every) that puts that switch between two rounds. The
 * recipe's two phases always both happen: when the default round does not
 * fit the switch, a shorter one is taken (and said); a given one that does
 * not fit, or too few steps for two phases, is refused.
 */
function phasesOf(
  o: { supervision?: 'none' | 'flow'; supervisedFrom?: number; steps: number; checkpointEvery: number },
  procedural: boolean,
  checkpointEveryGiven: boolean,
): { supervisedFrom?: number; checkpointEvery: number } {
  if (o.supervision != null && o.supervisedFrom != null) throw new TrainingError('BAD_INPUT', '--supervised-from switches from the unsupervised loss to the true flow; it does not go with --supervision', { path: '--supervised-from' });
  if (o.supervisedFrom != null) return { supervisedFrom: o.supervisedFrom, checkpointEvery: o.checkpointEvery };
  if (!procedural || o.supervision != null) return { checkpointEvery: o.checkpointEvery };
  const from = Math.round((RECIPE.supervisedFrom / RECIPE.steps) * o.steps);
  if (from === 0 || from >= o.steps) {
    throw new TrainingError('BAD_INPUT', `${o.steps} step${o.steps === 1 ? '' : 's'} cannot hold the recipe's two phases (unsupervised, then on the true flow from ${Math.round((100 * RECIPE.supervisedFrom) / RECIPE.steps)}% of the steps): give more steps, or --supervision none or flow for one loss throughout`, { path: '--steps' });
  }
  const round = Math.min(o.checkpointEvery, o.steps);
  if (from % round === 0 && o.steps % round === 0) return { supervisedFrom: from, checkpointEvery: o.checkpointEvery };
  if (checkpointEveryGiven) {
    throw new TrainingError('BAD_INPUT', `rounds of ${round} steps do not fit the recipe's switch to the true flow at step ${from} of ${o.steps}: give --supervised-from (a multiple of ${round}) or a --checkpoint-every that divides ${from} and ${o.steps}`, { path: '--checkpoint-every' });
  }
  const fitting = gcd(from, o.steps);
  console.error(`pretrain-motionnet: a checkpoint every ${fitting} steps (not ${o.checkpointEvery}), so that the switch to the true flow falls between two rounds, at step ${from} of ${o.steps}`);
  return { supervisedFrom: from, checkpointEvery: fitting };
}

/** The largest --size: the largest data.size train takes (448), rounded up to a multiple of 32 and beyond (memory grows with its square). */
const MAX_SIZE = 512;

function multipleOf32(text: string): number {
  const value = integer(32, MAX_SIZE)(text);
  if (value % 32 !== 0) throw new TrainingError('BAD_INPUT', `must be a multiple of 32 (MotionNet's five poolings), got ${value}; for the joint presets use data.size rounded up: 112 -> 128`, { path: '--size' });
  return value;
}

export function registerPretrainMotionNetCommand(program: Command): void {
  program
    .command('pretrain-motionnet [source]')
    .description(
      "train MotionNet without flow labels on videos (a folder, a video, a frame folder, with --list a dataset list, or with --config a training config's training videos), or on 'procedural' videos (the recipe: unsupervised, then on their true flow)",
    )
    .requiredOption('--out <dir>', 'the run folder: config.json, run.log, latest.ckpt (resumed when the command runs again), metrics.jsonl, curves.svg (redrawn each round), loss.svg')
    .option('-c, --config <file>', "instead of a source: a training config; its training videos (never its validation ones), as the paper pretrains MotionNet on the target dataset")
    .option('-p, --preset <name>', 'the training preset (alone, or under --config) whose training videos to use')
    .option('-s, --set <key=value>', 'with --config or --preset: override a setting (repeatable)', collect, [])
    .option('--list', 'the source is an mmaction list file (paths relative to --root)', false)
    .option('--root <dir>', 'root of the list paths', '.')
    .option('--type <kind>', 'list type: videos (path label) or rawframes (path frames label)', 'videos')
    .option('--textures <path>', "procedural: videos, frame folders or images whose frames are cropped into textures (repeatable; none: synthetic textures only)", collect, [])
    .addOption(
      new Option('--supervision <kind>', "throughout: none, MotionNet's unsupervised loss (no labels; videos' default); flow, the end-point error against the procedural generator's true flow (on the recipe's supervised-phase motions)").choices([
        'none',
        'flow',
      ]),
    )
    .option('--supervised-from <step>', `procedural: the unsupervised loss before this step, the true flow from it on (a multiple of --checkpoint-every; default: the recipe's ${RECIPE.supervisedFrom} of ${RECIPE.steps} steps, the same share of other --steps)`, integer(0))
    .option('--steps <n>', `optimisation steps in all (default ${VIDEO_DEFAULTS.steps}; procedural ${PROCEDURAL_DEFAULTS.steps})`, integer(1))
    .option('--frames <n>', `consecutive frames per stack: 2 for \`trajectorynet flow\`, motionnet.frames (data.frames + 1, MotionNet-(17) for 16-frame clips) for the joint presets (default ${VIDEO_DEFAULTS.frames}; procedural ${PROCEDURAL_DEFAULTS.frames})`, integer(2, 17))
    .option('--size <px>', `input size (square, a multiple of 32 up to ${MAX_SIZE}; default ${VIDEO_DEFAULTS.size})`, multipleOf32)
    .option('--width <m>', `channel multiplier (1 = the paper width; default ${VIDEO_DEFAULTS.width})`, positiveNumber)
    .option('--batch <n>', `stacks per step (default ${VIDEO_DEFAULTS.batch})`, integer(1))
    .option('--lr <rate>', `Adam learning rate (default ${VIDEO_DEFAULTS.lr}; procedural ${PROCEDURAL_DEFAULTS.lr})`, positiveNumber)
    .option('--lr-decay <steps:factor>', `multiply the rate by factor every so many steps (1000:0.5) or at the listed steps (2400,3500:0.5) (default none; procedural ${PROCEDURAL_DEFAULTS.lrDecay} of ${RECIPE.steps} steps, scaled to other --steps)`)
    .option('--frame-step <n>', 'take every n-th frame', integer(1), 1)
    .option('--seed <n>', 'seeds weights and data draws (default 1)', integer(0))
    .option('--checkpoint-every <n>', `steps between checkpoints (default ${VIDEO_DEFAULTS.checkpointEvery}; procedural ${PROCEDURAL_DEFAULTS.checkpointEvery})`, integer(1))
    .option('--workers <n>', 'threads decoding frame stacks', integer(0, 64), 0)
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest available)')
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet pretrain-motionnet procedural --out runs/motionnet-pairs        # the documented recipe (pairwise)\n  trajectorynet flow a.png b.png --out ab.flo --motionnet runs/motionnet-pairs\n  trajectorynet pretrain-motionnet procedural --frames 17 --out runs/motionnet-17  # MotionNet-(17) for the joint presets\n  trajectorynet pretrain-motionnet videos/ --out runs/motionnet --steps 5000\n  trajectorynet pretrain-motionnet train.txt --list --root data/videos --out runs/motionnet --frames 9 --size 128\n  trajectorynet pretrain-motionnet --preset s3d-r18-tiny --frames 2 --size 64 --out runs/motionnet-synthetic  # the training videos of a config\n  trajectorynet train --preset trajectorynet-r18-motionnet --set motionnet.pretrained=runs/motionnet/latest.ckpt --out runs/joint',
    )
    .action(async (sourceArgument: string | undefined, options: PretrainOptions) => {
      const fromConfig = options.config != null || options.preset != null;
      if (fromConfig === (sourceArgument != null)) {
        throw new TrainingError('BAD_INPUT', fromConfig ? 'give a source or --config/--preset, not both' : "give a source (a folder, a video, a frame folder, a list with --list, or 'procedural') or --config/--preset", { path: 'source' });
      }
      if (!fromConfig && options.set.length > 0) throw new TrainingError('BAD_INPUT', '--set changes the settings of --config or --preset', { path: '--set' });
      const source = sourceArgument ?? '';
      const procedural = source === 'procedural' && !options.list;
      if (!procedural && options.textures.length > 0) throw new TrainingError('BAD_INPUT', "textures are for the 'procedural' source", { path: '--textures' });
      const o = { ...(procedural ? PROCEDURAL_DEFAULTS : VIDEO_DEFAULTS), ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as PretrainOptions &
        typeof VIDEO_DEFAULTS;
      const phases = phasesOf(o, procedural, options.checkpointEvery != null);
      // after the steps are known to hold the recipe: a refused run prints only its error
      const lrDecay = o.lrDecay != null ? parseDecay(options.lrDecay ?? recipeDecay(o.steps)) : undefined;
      const { supervisedFrom } = phases;
      o.checkpointEvery = phases.checkpointEvery;
      await ensureWritableFolder(o.out);
      await initBackend({ prefer: o.backend, log: null });
      let data: MotionNetSource;
      if (fromConfig) {
        // the training split only: a MotionNet pretrained on the validation videos would have seen them
        const config = await resolveConfig({ file: options.config, preset: options.preset, overrides: options.set });
        data = (await loadDatasets(config.data, config.train.seed)).train;
      } else if (procedural) data = { kind: 'procedural', textures: await loadTextureFrames(o.textures, PROCEDURAL_PRETRAINING.texturesPerVideo), options: PROCEDURAL_PRETRAINING.generator, supervisedOptions: PROCEDURAL_PRETRAINING.supervisedGenerator };
      else data = o.list ? await readMmactionList(source, { root: o.root, type: o.type }) : source;
      // from the first step: data refused before it leaves no progress line
      let progress: ReturnType<typeof createProgress> | null = null;
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
          supervision: o.supervision,
          supervisedFrom,
          seed: o.seed,
          checkpointEvery: o.checkpointEvery,
          workers: o.workers,
          command: ['trajectorynet', ...process.argv.slice(2)].join(' '),
          log: (m) => console.error(m),
          onStep: (r) => {
            progress ??= createProgress({ label: 'motionnet', total: o.steps, unit: 'steps' });
            progress.update(r.step, { loss: r.loss, ...(r.metrics.epe != null ? { epe: r.metrics.epe } : { photometric: r.metrics.photometric }), lr: r.lr });
          },
        });
      } finally {
        (progress as ReturnType<typeof createProgress> | null)?.stop();
      }
      const history = run.state.history;
      // a curve per term that the run reported (the unsupervised terms, then epe once on the true flow)
      const curve = (key: string) => ({ name: key, points: history.filter((r) => r.train[key] != null).map((r) => ({ x: r.step, y: r.train[key] })) });
      const curves = ['loss', 'photometric', 'ssim', 'smoothness', 'epe'].map(curve).filter((c) => c.points.length > 0);
      const kind = o.supervision === 'flow' || supervisedFrom === 0 ? 'supervised' : supervisedFrom == null ? 'unsupervised' : `unsupervised, then supervised from step ${supervisedFrom},`;
      await writeFileDurable(path.join(o.out, 'loss.svg'), lineChart(curves, { title: `MotionNet ${kind} loss`, xLabel: 'step', yLabel: 'loss' }));
      run.model.dispose();
      console.log(`motionnet: ${run.state.step} steps, loss ${history.at(-1)?.train.loss.toFixed(4) ?? '?'}; checkpoint ${path.join(o.out, 'latest.ckpt')}`);
    });
}
