/** `trajectorynet predict <video>`: the top-k classes of a video file or frame folder with a trained checkpoint. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { createFlowPool } from '@trajectorynet/tvl1-flow';
import { seededRandom } from '@trajectorynet/video-io';
import { loadView } from '../data/clips.js';
import { TrainerError } from '../errors.js';
import { topK } from '../eval/metrics.js';
import { needsFlows } from '../model/adapter.js';
import { loadTrainedModel } from '../run.js';
import { toTensors } from '../train/batch.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict <video>')
    .description('top-k labels with scores for a video file or a frame folder')
    .requiredOption('--checkpoint <file>', 'a .ckpt written by train (it carries the label map)')
    .option('-k, --top <k>', 'how many labels', Number, 5)
    .option('--json', 'print JSON', false)
    .addHelpText('after', '\nExamples:\n  trajectorynet predict clip.mp4 --checkpoint runs/tiny/best.ckpt\n  trajectorynet predict frames/00042 --checkpoint runs/sth/best.ckpt --json')
    .action(async (video: string, o: { checkpoint: string; top: number; json: boolean }) => {
      let isDir: boolean;
      try {
        isDir = (await stat(video)).isDirectory();
      } catch {
        throw new TrainerError('BAD_INPUT', 'no such video or frame folder', { path: video });
      }
      const { model, state } = await loadTrainedModel(o.checkpoint);
      const { config, labels } = state;
      const flowPool = needsFlows(config) ? createFlowPool() : undefined;
      try {
        const view = await loadView(
          { path: path.resolve(video), label: 0, frameCount: 0, kind: isDir ? 'frames' : 'video' },
          { frames: config.data.frames, size: config.data.size, mode: 'test', random: seededRandom(0), flowPool },
        );
        const { frames, size } = config.data;
        const scores = tf.tidy(() => {
          const tensors = toTensors({ clips: view.clip, clipShape: [1, frames, size, size, 3], labels: Int32Array.of(0), flows: view.flows, sampleIndex: Int32Array.of(0) });
          return tf.softmax(model.forward(tensors, false).logits).dataSync();
        });
        const best = topK(scores, o.top).map((i) => ({ label: labels[i], score: scores[i] }));
        if (o.json) console.log(JSON.stringify({ video, checkpoint: o.checkpoint, predictions: best }, null, 2));
        else for (const p of best) console.log(`${(p.score * 100).toFixed(1).padStart(5)}%  ${p.label}`);
      } finally {
        await flowPool?.close();
        model.dispose();
      }
    });
}
