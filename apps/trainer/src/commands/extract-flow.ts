/**
 * `trajectorynet extract-flow`: TV-L1 flow for a dataset list on this machine
 * (tvl1-flow, all cores, resumable), or spread over machines through a Redis
 * queue (`--queue redis://...`, flow-queue's enqueue / work / status).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { flowQueueCommand } from '@trajectorynet/flow-queue';
import { createFlowPool, extractFlow } from '@trajectorynet/tvl1-flow';
import { createProgress, ensureWritableFolder } from '@trajectorynet/core/node';
import { TrainingError } from '@trajectorynet/training';
import { parseSize } from '@trajectorynet/video-io';
import { integer } from '../options.js';

export function registerExtractFlowCommand(program: Command): void {
  const command = program
    .command('extract-flow')
    .description('TV-L1 flow (dense_flow layout) for every video of a list; --queue redis://... to use many machines')
    .option('--list <file>', 'dataset list: one video or frame folder per line (first column), relative to --root')
    .option('--root <dir>', 'root of the list paths', '.')
    .option('--out <dir>', 'output folder: one sub-folder per video')
    .option('--resize <WxH>', 'resize frames first, e.g. 340x256')
    .option('--workers <n>', 'worker threads (default: one per core)', integer(1, 256))
    .option('--queue <url>', 'a Redis server: then use the subcommands enqueue / work / status (see `extract-flow --queue x help`)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet extract-flow --list train.txt --root videos --out flow --resize 340x256\n  trajectorynet extract-flow --queue redis://10.0.0.5:6379 enqueue train.txt --root /data/videos\n  trajectorynet extract-flow --queue redis://10.0.0.5:6379 work --root /data/videos --out /data/flow\n  trajectorynet extract-flow --queue redis://10.0.0.5:6379 status --watch',
    )
    .action(async (o: { list?: string; root: string; out?: string; resize?: string; workers?: number; queue?: string }, cmd: Command) => {
      if (o.queue != null || cmd.args.length > 0) {
        // distributed: hand the arguments to flow-queue's command
        const args = process.argv.slice(process.argv.indexOf('extract-flow') + 1);
        await flowQueueCommand('trajectorynet extract-flow').parseAsync(args, { from: 'user' });
        return;
      }
      if (o.list == null || o.out == null) {
        command.outputHelp();
        throw new TrainingError('BAD_INPUT', 'extract-flow needs --list and --out (or --queue)');
      }
      const lines = (await readFile(o.list, 'utf8').catch(() => Promise.reject(new TrainingError('BAD_INPUT', 'cannot read the list', { path: o.list }))))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
      const pool = createFlowPool(o.workers);
      const progress = createProgress({ label: 'extract-flow', total: lines.length, unit: 'videos' });
      try {
        for (const [i, line] of lines.entries()) {
          const rel = line.split(/\s+/)[0];
          const parsed = path.parse(rel);
          await extractFlow(path.join(o.root, rel), path.join(o.out, parsed.dir, parsed.name), { resize: o.resize ? parseSize(o.resize) : undefined, pool });
          progress.update(i + 1, { video: parsed.name });
        }
      } finally {
        progress.stop();
        await pool.close();
      }
    });
}
