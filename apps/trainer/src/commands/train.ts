/** `trajectorynet train`: a config (file, preset, --set overrides) -> a trained model in --out. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureWritableFolder } from '@trajectorynet/core/node';
import { DataParallel, ProcessGroup, readLaunchEnv } from '@trajectorynet/distributed';
import { LATEST, PRESET_NAMES, runTraining, TrainingError } from '@trajectorynet/training';
import type { Command } from 'commander';
import { launchLocalRanks } from '../launch.js';
import { collect, integer } from '../options.js';
import { type ConfigFlags, defaultWorkDir, runConfig } from './run-config.js';

interface TrainOptions extends ConfigFlags {
  out?: string;
  resume: boolean;
  resumeFrom?: string;
  overwrite: boolean;
  quiet: boolean;
  nprocPerNode?: number;
  distTimeout: number;
  maxRestarts: number;
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
    .option('--resume', "continue the run in --out from its last checkpoint, with its own config.json unless --config or --preset is given, whose model must be the run's own (a new run if it has no checkpoint)", false)
    .option('--resume-from <checkpoint>', "continue from this checkpoint (e.g. runs/a/epoch_3.ckpt), with the config.json beside it unless --config or --preset is given")
    .option('--overwrite', 'replace a run already in --out', false)
    .option('--init-from <checkpoint>', 'start from the weights of another run whose names and shapes match (another label set is fine: the head is new)')
    .option('-q, --quiet', 'no progress bars', false)
    .option('--nproc-per-node <n>', 'data-parallel: start n ranks on this machine (one process each, over c10d/Gloo)', integer(1, 64))
    .option('--dist-timeout <seconds>', 'data-parallel: how long a rank waits for the others (rendezvous, each step) before the group stops', integer(1), 300)
    .option('--max-restarts <k>', "data-parallel (with --nproc-per-node): after a rank fails, stop the group and start every rank again from the run folder's latest checkpoint, up to k times (as torchrun's); a failure after the k-th exits 7", integer(0, 100), 0)
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
  trajectorynet train --out runs/a-again --resume-from runs/a/epoch_3.ckpt --set train.epochs=12
  trajectorynet train --preset trajectorynet-r18-tiny --nproc-per-node 2 --out runs/tiny-2ranks
  trajectorynet train --config sth.yaml --nproc-per-node 2 --max-restarts 3 --out runs/sth   # a lost rank: resume from latest.ckpt
  torchrun --no_python --nnodes 2 --nproc_per_node 1 --node_rank 0 --master_addr 10.0.0.1 --master_port 29500 \
      trajectorynet train --config sth.yaml --out runs/sth   (GLOO_SOCKET_IFNAME=eth0 names the interface)`,
    )
    .action(async (o: TrainOptions) => {
      if (o.maxRestarts > 0 && o.nprocPerNode == null) {
        throw new TrainingError('BAD_INPUT', 'restarts the ranks --nproc-per-node starts (torchrun has its own --max-restarts)', { path: '--max-restarts' });
      }
      if (o.nprocPerNode != null && readLaunchEnv() == null) {
        process.exitCode = await launchLocalRanks(o.nprocPerNode, { timeoutSeconds: o.distTimeout, maxRestarts: o.maxRestarts, outDir: o.out ?? defaultWorkDir(o) });
        return;
      }
      const out = o.out ?? defaultWorkDir(o);
      const resumeDir = o.resumeFrom != null ? path.dirname(o.resumeFrom) : o.resume ? out : undefined;
      const warnings: string[] = [];
      const resuming = o.resumeFrom != null || (o.resume && existsSync(path.join(out, LATEST)));
      const { config, source } = await runConfig(o, { resumeDir, resuming, warn: (m) => warnings.push(m) });
      await ensureWritableFolder(out);
      const launch = readLaunchEnv();
      const group = launch == null ? null : await ProcessGroup.create({ ...launch, timeoutMs: o.distTimeout * 1000 });
      const parallel = group == null ? undefined : new DataParallel(group, { compression: config.train.gradCompression });
      // only rank 0 speaks; the others would repeat its lines
      const quiet = o.quiet || (launch != null && launch.rank !== 0);
      if (resuming && !quiet) console.error(`config: ${source}`);
      const command = ['trajectorynet', ...process.argv.slice(2)].join(' ');
      const summary = await runTraining(config, { outDir: out, resume: o.resume, resumeFrom: o.resumeFrom, overwrite: o.overwrite, quiet, command, warnings, parallel, log: quiet && launch != null ? () => {} : undefined });
      group?.destroy();
      if (summary.best != null) {
        console.log(`best val top-1 ${(summary.best.top1 * 100).toFixed(1)}%, top-5 ${(summary.best.top5 * 100).toFixed(1)}% (${path.join(out, 'best.ckpt')}, epoch ${summary.state.best?.epoch}; trajectories: ${summary.flows.source})`);
      }
    });
}
