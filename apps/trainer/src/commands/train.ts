/** `trajectorynet train`: a config (file, preset, --set overrides) -> a trained model in --out. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureWritableFolder } from '@trajectorynet/core/node';
import { LATEST, PRESET_NAMES, runTraining } from '@trajectorynet/training';
import type { Command } from 'commander';
import { collect, integer } from '../options.js';
import { type ConfigFlags, defaultWorkDir, runConfig } from './run-config.js';

interface TrainOptions extends ConfigFlags {
  out?: string;
  resume: boolean;
  resumeFrom?: string;
  overwrite: boolean;
  quiet: boolean;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model; config.json, run.log, checkpoints, metrics.jsonl, curves.svg (redrawn as it goes) and the best model evaluation go to --out')
    .option('-c, --config <file>', 'a JSON or YAML config (sections: model, data, train, optimizer, schedule, motionnet, eval)')
    .option('-p, --preset <name>', `a preset to start from: ${PRESET_NAMES.join(', ')}`)
    .option('-s, --set <key=value>', 'override one setting, e.g. --set train.epochs=5; key=null removes a key of the preset or file (repeatable)', collect, [])
    .option('-o, --out <dir>', 'the run folder (default: work_dirs/<config file name or preset>)')
    .option('--seed <n>', 'the run seed (train.seed): weights, data order and augmentation', integer(0))
    .option('--keep <n>', 'also keep the checkpoints of the last n epochs as epoch_<n>.ckpt (train.keep)', integer(0))
    .option('--resume', "continue the run in --out from its last checkpoint, with its own config.json unless --config or --preset is given (a new run if it has no checkpoint)", false)
    .option('--resume-from <checkpoint>', "continue from this checkpoint (e.g. runs/a/epoch_3.ckpt), with the config.json beside it unless --config or --preset is given")
    .option('--overwrite', 'replace a run already in --out', false)
    .option('--init-from <checkpoint>', 'start from the weights of another run whose names and shapes match (another label set is fine: the head is new)')
    .option('-q, --quiet', 'no progress bars', false)
    .addHelpText(
      'after',
      `
Examples:
  trajectorynet train --preset trajectorynet-r18-tiny --out runs/tiny
  trajectorynet train --preset s3d-r18 --set data.kind=list --set data.trainList=train.txt --set data.valList=val.txt --out runs/s3d
  trajectorynet train --preset trajectorynet-r18 --set data.kind=sthv1 --set data.root=frames --set data.flowDir=flows \\
      --set data.trainList=train.csv --set data.valList=val.csv --set data.labels=labels.csv --set data.frameInterval=1 --out runs/sth
  trajectorynet train --config sth.yaml --init-from runs/kinetics/best.ckpt --out runs/sth-from-kinetics
  trajectorynet train --config sth.yaml --seed 2 --keep 3          # into work_dirs/sth
  trajectorynet train --out runs/a --resume                        # the run's own config.json
  trajectorynet train --out runs/a-again --resume-from runs/a/epoch_3.ckpt --set train.epochs=12`,
    )
    .action(async (o: TrainOptions) => {
      const out = o.out ?? defaultWorkDir(o);
      const resumeDir = o.resumeFrom != null ? path.dirname(o.resumeFrom) : o.resume ? out : undefined;
      const warnings: string[] = [];
      const { config, source } = await runConfig(o, { resumeDir, warn: (m) => warnings.push(m) });
      await ensureWritableFolder(out);
      const resuming = o.resumeFrom != null || (o.resume && existsSync(path.join(out, LATEST)));
      if (resuming) console.error(`config: ${source}`);
      const command = ['trajectorynet', ...process.argv.slice(2)].join(' ');
      const summary = await runTraining(config, { outDir: out, resume: o.resume, resumeFrom: o.resumeFrom, overwrite: o.overwrite, quiet: o.quiet, command, warnings });
      if (summary.best != null) {
        console.log(`best val top-1 ${(summary.best.top1 * 100).toFixed(1)}%, top-5 ${(summary.best.top5 * 100).toFixed(1)}% (${path.join(out, 'best.ckpt')}, epoch ${summary.state.best?.epoch}; trajectories: ${summary.flows.source})`);
      }
    });
}
