/** `trajectorynet eval`: a checkpoint on a dataset split, multi-view, with a confusion matrix. */
import path from 'node:path';
import type { Command } from 'commander';
import { createFlowPool } from '@trajectorynet/tvl1-flow';
import { deepMerge, parseOverride } from '../config/load.js';
import { ConfigSchema } from '../config/schema.js';
import { loadDataset } from '../data/datasets.js';
import { TrainerError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { writeEvaluation } from '../report/run-report.js';
import { datasetBatches, loadTrainedModel } from '../run.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint: top-1, top-5, mean class accuracy, confusion matrix (CSV + SVG), per class')
    .requiredOption('--checkpoint <file>', 'a .ckpt written by train')
    .option('-s, --set <key=value>', 'override a data/eval setting of the checkpoint config, e.g. --set eval.clips=3 --set eval.crops=3', collect, [])
    .option('--split <split>', 'train or val', 'val')
    .option('-o, --out <dir>', 'where to write eval.json, confusion.csv, confusion.svg (default: beside the checkpoint)')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', '\nExamples:\n  trajectorynet eval --checkpoint runs/tiny/best.ckpt\n  trajectorynet eval --checkpoint runs/s3d/best.ckpt --set eval.clips=3 --json')
    .action(async (o: { checkpoint: string; set: string[]; split: string; out?: string; json: boolean }) => {
      if (o.split !== 'train' && o.split !== 'val') throw new TrainerError('BAD_INPUT', `--split must be train or val, got '${o.split}'`);
      const { model, state } = await loadTrainedModel(o.checkpoint);
      let merged = state.config as unknown as Record<string, unknown>;
      for (const s of o.set) merged = deepMerge(merged, parseOverride(s));
      const parsed = ConfigSchema.safeParse(merged);
      if (!parsed.success) throw new TrainerError('BAD_CONFIG', parsed.error.issues.map((i) => `key '${i.path.join('.')}': ${i.message}`).join('; '));
      const config = parsed.data;
      const dataset = await loadDataset(config.data, o.split, config.train.seed);
      if (dataset.labels.join('\n') !== state.labels.join('\n')) {
        throw new TrainerError('BAD_CHECKPOINT', `its label map (${state.labels.length} classes) does not match the dataset's (${dataset.labels.length})`, { path: o.checkpoint });
      }
      const flowPool = config.model.variant === 'trajectorynet' ? createFlowPool() : undefined;
      try {
        const cacheDir = path.join(path.dirname(path.dirname(path.resolve(o.checkpoint))), '.trajectorynet-cache', 'flow');
        const report = await evaluate(model, datasetBatches(dataset, config, { mode: 'test', flowPool, cacheDir, clips: config.eval.clips, crops: config.eval.crops })(0, 0), dataset.labels);
        await writeEvaluation(o.out ?? path.dirname(o.checkpoint), report, dataset.labels, { checkpoint: o.checkpoint, split: o.split });
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(`${report.clips} videos (${report.views} views): top-1 ${(report.top1 * 100).toFixed(1)}%, top-5 ${(report.top5 * 100).toFixed(1)}%, mean class ${(report.meanClassAccuracy * 100).toFixed(1)}%, ${report.clipsPerSecond.toFixed(1)} clips/s`);
          for (const c of report.perClass) console.log(`  ${c.label.padEnd(28)} ${(c.top1 * 100).toFixed(1).padStart(5)}%  (${c.clips})`);
        }
      } finally {
        await flowPool?.close();
        model.dispose();
      }
    });
}
