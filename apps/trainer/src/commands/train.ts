/** `trajectorynet train`: a config (file, preset, --set overrides) -> a trained model in --out. */
import type { Command } from 'commander';
import { resolveConfig } from '../config/load.js';
import { PRESET_NAMES } from '../config/presets.js';
import { runTraining } from '../run.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model; checkpoints, metrics.jsonl, curves.svg and the best model evaluation go to --out')
    .option('-c, --config <file>', 'a JSON or YAML config (sections: model, data, train, optimizer, schedule, eval)')
    .option('-p, --preset <name>', `a preset to start from: ${PRESET_NAMES.join(', ')}`)
    .option('-s, --set <key=value>', 'override one setting, e.g. --set train.epochs=5 (repeatable)', collect, [])
    .requiredOption('-o, --out <dir>', 'the run folder')
    .option('--resume', 'continue the run in --out from its last checkpoint', false)
    .addHelpText(
      'after',
      `
Examples:
  trajectorynet train --preset trajectorynet-r18-tiny --out runs/tiny
  trajectorynet train --preset s3d-r18 --set data.kind=list --set data.trainList=train.txt --set data.valList=val.txt --out runs/s3d
  trajectorynet train --config my-run.yaml --out runs/a --resume`,
    )
    .action(async (o: { config?: string; preset?: string; set: string[]; out: string; resume: boolean }) => {
      const config = await resolveConfig({ file: o.config, preset: o.preset, overrides: o.set });
      const summary = await runTraining(config, { outDir: o.out, resume: o.resume });
      if (summary.best != null) {
        console.log(`best val top-1 ${(summary.best.top1 * 100).toFixed(1)}%, top-5 ${(summary.best.top5 * 100).toFixed(1)}% (${o.out}/best.ckpt)`);
      }
    });
}
