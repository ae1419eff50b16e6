/** `trajectorynet train`: a config (file, preset, --set overrides) -> a trained model in --out. */

import { ensureWritableFolder } from '@trajectorynet/core/node';
import { DataParallel, ProcessGroup, readLaunchEnv } from '@trajectorynet/distributed';
import { PRESET_NAMES, resolveConfig, runTraining } from '@trajectorynet/training';
import type { Command } from 'commander';
import { launchLocalRanks } from '../launch.js';
import { collect, integer } from '../options.js';

interface TrainOptions {
  config?: string;
  preset?: string;
  set: string[];
  out: string;
  resume: boolean;
  overwrite: boolean;
  initFrom?: string;
  quiet: boolean;
  nprocPerNode?: number;
  distTimeout: number;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model; checkpoints, metrics.jsonl, curves.svg and the best model evaluation go to --out')
    .option('-c, --config <file>', 'a JSON or YAML config (sections: model, data, train, optimizer, schedule, motionnet, eval)')
    .option('-p, --preset <name>', `a preset to start from: ${PRESET_NAMES.join(', ')}`)
    .option('-s, --set <key=value>', 'override one setting, e.g. --set train.epochs=5 (repeatable)', collect, [])
    .requiredOption('-o, --out <dir>', 'the run folder')
    .option('--resume', 'continue the run in --out from its last checkpoint (a new run if it has none)', false)
    .option('--overwrite', 'replace a run already in --out', false)
    .option('--init-from <checkpoint>', 'start from the weights of another run whose names and shapes match (another label set is fine: the head is new)')
    .option('-q, --quiet', 'no progress bars', false)
    .option('--nproc-per-node <n>', 'data-parallel: start n ranks on this machine (one process each, over c10d/Gloo)', integer(1, 64))
    .option('--dist-timeout <seconds>', 'data-parallel: how long a rank waits for the others (rendezvous, each step) before the group stops', integer(1), 300)
    .addHelpText(
      'after',
      `
Examples:
  trajectorynet train --preset trajectorynet-r18-tiny --out runs/tiny
  trajectorynet train --preset s3d-r18 --set data.kind=list --set data.trainList=train.txt --set data.valList=val.txt --out runs/s3d
  trajectorynet train --preset trajectorynet-r18 --set data.kind=sthv1 --set data.root=frames --set data.flowDir=flows \\
      --set data.trainList=train.csv --set data.valList=val.csv --set data.labels=labels.csv --set data.frameInterval=1 --out runs/sth
  trajectorynet train --config sth.yaml --init-from runs/kinetics/best.ckpt --out runs/sth-from-kinetics
  trajectorynet train --config my-run.yaml --out runs/a --resume
  trajectorynet train --preset trajectorynet-r18-tiny --nproc-per-node 2 --out runs/tiny-2ranks
  torchrun --no_python --nnodes 2 --nproc_per_node 1 --node_rank 0 --master_addr 10.0.0.1 --master_port 29500 \
      trajectorynet train --config sth.yaml --out runs/sth   (GLOO_SOCKET_IFNAME=eth0 names the interface)`,
    )
    .action(async (o: TrainOptions) => {
      if (o.nprocPerNode != null && readLaunchEnv() == null) {
        process.exitCode = await launchLocalRanks(o.nprocPerNode, o.distTimeout);
        return;
      }
      const overrides = o.initFrom != null ? [...o.set, `train.initFrom=${JSON.stringify(o.initFrom)}`] : o.set;
      const config = await resolveConfig({ file: o.config, preset: o.preset, overrides });
      await ensureWritableFolder(o.out);
      const launch = readLaunchEnv();
      const group = launch == null ? null : await ProcessGroup.create({ ...launch, timeoutMs: o.distTimeout * 1000 });
      const parallel = group == null ? undefined : new DataParallel(group);
      const quiet = o.quiet || (launch != null && launch.rank !== 0);
      const summary = await runTraining(config, { outDir: o.out, resume: o.resume, overwrite: o.overwrite, quiet, parallel, log: quiet && launch != null ? () => {} : undefined });
      group?.destroy();
      if (summary.best != null) {
        console.log(`best val top-1 ${(summary.best.top1 * 100).toFixed(1)}%, top-5 ${(summary.best.top5 * 100).toFixed(1)}% (${o.out}/best.ckpt; trajectories: ${summary.flows.source})`);
      }
    });
}
