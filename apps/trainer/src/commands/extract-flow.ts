/**
 * `trajectorynet extract-flow`: TV-L1 flow (the dense_flow layout training
 * reads as data.flowDir) for a list of videos, or for the datasets of a
 * training config (at the resolution training decodes them at), on this
 * machine with all cores, resumable; or spread over machines through a Redis
 * queue (`--queue redis://...`, flow-queue's enqueue / work / status). A
 * video that cannot be read is reported and the others go on.
 */
import path from 'node:path';
import { createProgress, ensureWritableFolder } from '@trajectorynet/core/node';
import { flowQueueCommand } from '@trajectorynet/flow-queue';
import { extractionJobs, loadDatasets, resolveConfig, TrainingError } from '@trajectorynet/training';
import { addExtractOptions, type ExtractFlags, extractOptionsOf, extractVideos, type VideoJob } from '@trajectorynet/tvl1-flow';
import { readVideoList } from '@trajectorynet/video-io';
import type { Command } from 'commander';
import { collect } from '../options.js';

interface ExtractCommandOptions extends ExtractFlags {
  list?: string;
  root: string;
  out?: string;
  config?: string;
  preset?: string;
  set: string[];
  queue?: string;
}

export function registerExtractFlowCommand(program: Command): void {
  const command = program
    .command('extract-flow')
    .description('TV-L1 flow (dense_flow layout) for a list of videos or a training config\'s datasets; --queue redis://... to use many machines')
    .option('--list <file>', 'a list: one video or frame folder per line (mmaction lists too), relative to --root')
    .option('--root <dir>', 'root of the list paths', '.')
    .option('-o, --out <dir>', 'output folder: one sub-folder per video (with --config: default data.flowDir)')
    .option('-c, --config <file>', "instead of --list: a training config; its train and val videos, at the size training decodes them")
    .option('-p, --preset <name>', 'with --config: the preset it starts from')
    .option('-s, --set <key=value>', 'with --config: override a setting (repeatable)', collect, [])
    .option('--queue <url>', 'a Redis server: then use the subcommands enqueue / work / status (see `extract-flow --queue x help`)')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
  addExtractOptions(command).addHelpText(
    'after',
    `
Examples:
  trajectorynet extract-flow --list train.txt --root videos --out flow --resize 340x256
  trajectorynet extract-flow --config sth.yaml --set data.flowDir=flows     # then: train --config sth.yaml --set data.flowDir=flows
  trajectorynet extract-flow --queue redis://10.0.0.5:6379 enqueue train.txt --root /data/videos
  trajectorynet extract-flow --queue redis://10.0.0.5:6379 work --root /data/videos --out /data/flow
  trajectorynet extract-flow --queue redis://10.0.0.5:6379 status --watch

A video that cannot be read (damaged, too short) is reported at the end and the others go on
(exit code 3 if any failed); running the command again computes only what is missing. Each video
is written into <folder>.partial and renamed when complete; its flow-settings.json records the
video (path, size, time), frame size, TV-L1 settings and bound, and a folder made differently is
extracted again.`,
  );
  command.action(async (o: ExtractCommandOptions, cmd: Command) => {
    if (o.queue != null || cmd.args.length > 0) {
      // distributed: hand the arguments to flow-queue's command
      const args = process.argv.slice(process.argv.indexOf('extract-flow') + 1);
      await flowQueueCommand('trajectorynet extract-flow').parseAsync(args, { from: 'user' });
      return;
    }
    let jobs: VideoJob[];
    let out: string;
    if (o.config != null || o.preset != null) {
      const config = await resolveConfig({ file: o.config, preset: o.preset, overrides: o.set });
      out = o.out ?? config.data.flowDir ?? '';
      if (out === '') throw new TrainingError('BAD_INPUT', 'where to? give --out or data.flowDir', { path: '--out' });
      await ensureWritableFolder(out);
      const { train, val } = await loadDatasets(config.data, config.train.seed);
      jobs = await extractionJobs(config, [train, val], out);
    } else {
      if (o.list == null || o.out == null) {
        throw new TrainingError('BAD_INPUT', 'extract-flow needs --list and --out, --config, or --queue', { path: 'extract-flow' });
      }
      out = o.out;
      await ensureWritableFolder(out);
      jobs = (await readVideoList(o.list, o.root)).map((entry) => {
        const parsed = path.parse(entry.id);
        return { input: entry.path, outDir: path.join(out, parsed.dir, parsed.name) };
      });
    }
    const progress = createProgress({ label: 'extract-flow', total: jobs.length, unit: 'videos' });
    let computed = 0;
    let failures = 0;
    const replaced: { folder: string; why: string }[] = [];
    const result = await extractVideos(jobs, {
      ...extractOptionsOf(o),
      ...(o.config != null || o.preset != null ? { resize: undefined } : {}),
      onVideo: (index, job, outcome) => {
        if (outcome instanceof Error) failures += 1;
        else {
          computed += outcome.computed;
          if (outcome.replaced != null) replaced.push({ folder: job.outDir, why: outcome.replaced });
        }
        progress.update(index + 1, { video: path.basename(job.input), pairs: computed, failed: failures });
      },
    }).finally(() => progress.stop());
    console.log(`${result.done.length} videos done (${computed} pairs computed), ${result.failed.length} failed; flows in ${out}`);
    if (replaced.length > 0) console.log(`${replaced.length} of them re-extracted: their flows were made differently (e.g. ${replaced[0].folder}: ${replaced[0].why})`);
    for (const { error } of result.failed.slice(0, 20)) console.error(`  failed: ${error.message}`);
    if (result.failed.length > 20) console.error(`  ... and ${result.failed.length - 20} more`);
    if (result.failed.length > 0) process.exitCode = 3;
  });
}
