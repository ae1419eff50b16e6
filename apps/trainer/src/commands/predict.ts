/** `trajectorynet predict <video>`: the top-k classes of a video file or frame folder with a trained checkpoint. */

import { predictFromCheckpoint, topK } from '@trajectorynet/training';
import type { Command } from 'commander';
import { integer } from '../options.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict <video>')
    .description('top-k labels with scores for a video file or a frame folder')
    .requiredOption('--checkpoint <file>', 'a .ckpt written by train (it carries the label map and the clip pipeline)')
    .option('-k, --top <k>', 'how many labels (1 or more)', integer(1), 5)
    .option('--json', 'print JSON', false)
    .option('-q, --quiet', 'no progress bar while TV-L1 flows are computed', false)
    .addHelpText('after', '\nExamples:\n  trajectorynet predict clip.mp4 --checkpoint runs/tiny/best.ckpt\n  trajectorynet predict frames/00042 --checkpoint runs/sth/best.ckpt --json')
    .action(async (video: string, o: { checkpoint: string; top: number; json: boolean; quiet: boolean }) => {
      const { labels, probabilities } = await predictFromCheckpoint(o.checkpoint, video, { quiet: o.quiet });
      const best = topK(probabilities, Math.min(o.top, labels.length)).map((i) => ({ label: labels[i], score: probabilities[i] }));
      if (o.json) console.log(JSON.stringify({ video, checkpoint: o.checkpoint, predictions: best }, null, 2));
      else for (const p of best) console.log(`${(p.score * 100).toFixed(1).padStart(5)}%  ${p.label}`);
    });
}
