/** `trajectorynet export-web`: a trained checkpoint as the files the web page (apps/web) loads. */
import { stat } from 'node:fs/promises';
import { exportWebModel, TrainingError } from '@trajectorynet/training';
import type { Command } from 'commander';

export function registerExportWebCommand(program: Command): void {
  program
    .command('export-web')
    .description('write a checkpoint as a web model: model.json + weights.bin, labels.txt, and trajectorynet.json (recognizer config, test clip pipeline, TV-L1 settings)')
    .requiredOption('--checkpoint <file>', 'a classifier .ckpt written by train')
    .requiredOption('--out <dir>', 'the folder to write (served as static files, or dropped on the page)')
    .option('--json', 'print the manifest as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet export-web --checkpoint run/best.ckpt --out web-model/\n  trajectorynet export-web --checkpoint runs/tiny/best.ckpt --out apps/web/public/model --json',
    )
    .action(async (o: { checkpoint: string; out: string; json: boolean }) => {
      if ((await stat(o.checkpoint).catch(() => null)) == null) throw new TrainingError('BAD_CHECKPOINT', 'no such checkpoint', { path: o.checkpoint });
      const existing = await stat(o.out).catch(() => null);
      if (existing != null && !existing.isDirectory()) throw new TrainingError('BAD_INPUT', 'exists and is not a folder', { path: o.out });
      const { manifest, files } = await exportWebModel(o.checkpoint, o.out);
      if (o.json) console.log(JSON.stringify(manifest, null, 2));
      else {
        const flows = manifest.trajectories.source === 'tvl1' ? 'TV-L1 flows computed by the page' : manifest.trajectories.source === 'motionnet' ? 'MotionNet' : 'no trajectories';
        console.log(`wrote ${files.join(', ')} to ${o.out} (${manifest.labels.length} classes, ${manifest.recognizer.variant}, ${flows})`);
      }
    });
}
