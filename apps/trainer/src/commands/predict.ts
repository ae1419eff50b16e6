/** `trajectorynet predict <video>`: the top-k classes of a video file or frame folder with a trained checkpoint. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadTrainedModel, predictVideo, TrainingError, topK } from '@trajectorynet/training';
import { integer } from '../options.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict <video>')
    .description('top-k labels with scores for a video file or a frame folder')
    .requiredOption('--checkpoint <file>', 'a .ckpt written by train (it carries the label map and the clip pipeline)')
    .option('-k, --top <k>', 'how many labels (1 or more)', integer(1), 5)
    .option('--json', 'print JSON', false)
    .addHelpText('after', '\nExamples:\n  trajectorynet predict clip.mp4 --checkpoint runs/tiny/best.ckpt\n  trajectorynet predict frames/00042 --checkpoint runs/sth/best.ckpt --json')
    .action(async (video: string, o: { checkpoint: string; top: number; json: boolean }) => {
      const info = await stat(video).catch(() => null);
      if (info == null) throw new TrainingError('BAD_INPUT', 'no such video or frame folder', { path: video });
      const { recognizer, meta } = await loadTrainedModel(o.checkpoint);
      try {
        const cacheDir = path.join(path.dirname(path.dirname(path.resolve(o.checkpoint))), '.trajectorynet-cache');
        const scores = await predictVideo(recognizer, meta, video, { cacheDir, kind: info.isDirectory() ? 'frames' : 'video', quiet: true });
        const best = topK(scores, Math.min(o.top, meta.labels.length)).map((i) => ({ label: meta.labels[i], score: scores[i] }));
        if (o.json) console.log(JSON.stringify({ video, checkpoint: o.checkpoint, predictions: best }, null, 2));
        else for (const p of best) console.log(`${(p.score * 100).toFixed(1).padStart(5)}%  ${p.label}`);
      } finally {
        recognizer.dispose();
      }
    });
}
