/** `trajectorynet eval`: a checkpoint on a dataset split, multi-view, with a confusion matrix. */
import path from 'node:path';
import { ensureWritableFolder } from '@trajectorynet/core/node';
import { EVAL_SECTIONS, evaluateCheckpoint, parseOverride, perClassTable, TrainingError } from '@trajectorynet/training';
import type { Command } from 'commander';
import { collect } from '../options.js';

interface EvalOptions {
  checkpoint: string;
  set: string[];
  split: 'train' | 'val';
  out?: string;
  dump?: string;
  json: boolean;
  quiet: boolean;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint: top-1, top-5, mean class accuracy, confusion matrix (CSV + SVG), per class')
    .requiredOption('--checkpoint <file>', 'a .ckpt written by train')
    .option('-s, --set <key=value>', 'override a data.* or eval.* setting of the checkpoint config, e.g. --set eval.clips=3 --set eval.crops=3', collect, [])
    .option('--split <split>', 'train or val', 'val')
    .option('-o, --out <dir>', 'where to write eval.json, confusion.csv, confusion.svg, config.json and run.log (default: eval-<checkpoint>-<split>-<clips>x<crops>/ beside the checkpoint; never a training run folder)')
    .option('--dump <file>', "also write every video's class probabilities (and its top 5) to this JSON file")
    .option('--json', 'print the report as JSON', false)
    .option('-q, --quiet', 'no progress bars', false)
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet eval --checkpoint runs/tiny/best.ckpt                 # report in runs/tiny/eval-best-val-1x1/\n  trajectorynet eval --checkpoint runs/s3d/best.ckpt --set eval.clips=3 --set eval.crops=3 --json\n  trajectorynet eval --checkpoint runs/s3d/epoch_5.ckpt --dump runs/s3d/scores.json',
    )
    .action(async (o: EvalOptions) => {
      if (o.split !== 'train' && o.split !== 'val') throw new TrainingError('BAD_INPUT', `must be train or val, got '${o.split}'`, { path: '--split' });
      const overrides = o.set.map((s) => {
        const section = s.split('=')[0].split('.')[0];
        if (!EVAL_SECTIONS.includes(section)) throw new TrainingError('BAD_CONFIG', `eval changes only data.* and eval.* settings (the model is the checkpoint's), got '${s}'`, { path: '--set' });
        return parseOverride(s);
      });
      if (o.out != null) await ensureWritableFolder(o.out);
      if (o.dump != null) await ensureWritableFolder(path.dirname(path.resolve(o.dump)));
      const command = ['trajectorynet', ...process.argv.slice(2)].join(' ');
      const quiet = o.quiet || o.json;
      const report = await evaluateCheckpoint(o.checkpoint, { split: o.split, overrides, outDir: o.out ?? 'auto', dump: o.dump, quiet, command, log: quiet ? () => {} : (m) => console.error(m) });
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else {
        console.log(
          `${report.clips} videos (${report.views} views, ${report.views_per_video} per video), checkpoint epoch ${report.epoch}: top-1 ${(report.top1 * 100).toFixed(1)}%, top-5 ${(report.top5 * 100).toFixed(1)}%, mean class ${(report.meanClassAccuracy * 100).toFixed(1)}%, ${report.clipsPerSecond.toFixed(1)} clips/s`,
        );
        for (const line of perClassTable(report)) console.log(line);
        console.log(`report: ${report.outDir}`);
      }
    });
}
