/**
 * `trajectorynet flow <frame0> <frame1>`: the optical flow of one pair of
 * images of any size, by TV-L1 or by a pretrained MotionNet, written as .flo
 * with a colour image beside it, so that a person can look at what either
 * method sees.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { predictFlow } from '@trajectorynet/motionnet';
import { initBackend } from '@trajectorynet/runtime';
import { loadMotionNet, PROCEDURAL_PRETRAINING, TrainingError } from '@trajectorynet/training';
import { tvl1 } from '@trajectorynet/tvl1-flow';
import { type Flow, flowToColor, readImage, writeFlo, writeFrame } from '@trajectorynet/video-io';
import type { Command } from 'commander';
import { positiveNumber } from '../options.js';

export function registerFlowCommand(program: Command): void {
  program
    .command('flow <frame0> <frame1>')
    .description('optical flow from frame0 to frame1 (TV-L1, or MotionNet with --motionnet) as .flo plus a colour PNG')
    .requiredOption('-o, --out <file.flo>', 'the .flo file; the colour image is written beside it as <name>.png')
    .option('--motionnet <checkpoint>', 'a pretrain-motionnet run folder or checkpoint (instead of TV-L1)')
    .option('--scale <s>', `MotionNet runs at the images' size times s (multiples of 32): motion in the range it was trained on; the recipe's default ${PROCEDURAL_PRETRAINING.inferenceScale} suits motions of a few to tens of pixels at 512x384 to 1024x436; smaller for larger motions`, positiveNumber, PROCEDURAL_PRETRAINING.inferenceScale)
    .option('--match-brightness', 'MotionNet: give the second image the first one\'s mean and spread per channel first (for a lighting or exposure change, which MotionNet\'s flow otherwise follows; slightly worse without one)')
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet flow img_00001.jpg img_00002.jpg --out flow.flo\n  trajectorynet flow a.png b.png --out mn.flo --motionnet runs/motionnet\n  trajectorynet flow dark.png bright.png --out mn.flo --motionnet runs/motionnet --match-brightness\n\nColours: hue is the direction, saturation the length (the Middlebury wheel).',
    )
    .action(async (first: string, second: string, o: { out: string; motionnet?: string; scale: number; matchBrightness?: boolean }) => {
      if (o.matchBrightness === true && o.motionnet == null) throw new TrainingError('BAD_INPUT', 'is for MotionNet (--motionnet); TV-L1 fits a brightness change by itself', { path: '--match-brightness' });
      if (!o.out.endsWith('.flo')) throw new TrainingError('BAD_INPUT', 'must end with .flo', { path: '--out' });
      for (const file of [first, second]) if ((await stat(file).catch(() => null))?.isFile() !== true) throw new TrainingError('BAD_DATA', 'no such image', { path: file });
      const [a, b] = await Promise.all([readImage(first), readImage(second)]);
      if (a.width !== b.width || a.height !== b.height) throw new TrainingError('BAD_INPUT', `the images differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`, { path: second });
      let flow: Flow;
      let method: string;
      if (o.motionnet != null) {
        await initBackend({ log: null });
        const { model, meta } = await loadMotionNet(o.motionnet);
        try {
          if (meta.settings.frames !== 2) throw new TrainingError('BAD_INPUT', `this MotionNet takes ${meta.settings.frames} frames; flow for a pair needs one pretrained with --frames 2`, { path: o.motionnet });
          flow = await predictFlow(model, a, b, { scale: o.scale, matchBrightness: o.matchBrightness === true });
        } finally {
          model.dispose();
        }
        method = 'MotionNet';
      } else {
        flow = tvl1({ ...a, channels: 3 }, { ...b, channels: 3 });
        method = 'TV-L1';
      }
      await writeFlo(o.out, flow);
      const png = path.join(path.dirname(o.out), `${path.basename(o.out, '.flo')}.png`);
      await writeFrame(png, flowToColor(flow));
      let max = 0;
      for (let i = 0; i < flow.u.length; i++) max = Math.max(max, Math.hypot(flow.u[i], flow.v[i]));
      console.log(`${method} flow ${flow.width}x${flow.height} (largest motion ${max.toFixed(1)} px): ${o.out}, ${png}`);
    });
}
