#!/usr/bin/env node
/** `tvl1-flow`: TV-L1 flow for a video, a frame folder, or every video of a dataset list. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describeError, EXIT_CODES, exitCodeFor } from '@trajectorynet/core';
import { createProgress } from '@trajectorynet/core/node';
import { readVideoList } from '@trajectorynet/video-io';
import { extractVideos, type VideoJob } from './batch.js';
import { addExtractOptions, type ExtractFlags, extractOptionsOf } from './cli-options.js';
import { Tvl1Error } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('tvl1-flow')
  .description('TV-L1 optical flow for videos and frame folders, written as dense_flow x/y JPEGs or .flo files')
  .version(version)
  .argument('[input]', 'a video file or a frame folder (or use --list)')
  .requiredOption('--out <dir>', 'output folder (with --list: one sub-folder per video)')
  .option('--list <file>', 'a dataset list: one video or frame folder per line (mmaction lists too), relative to --root')
  .option('--root <dir>', 'root for the paths of --list', '.')
  .exitOverride();
addExtractOptions(program)
  .addHelpText(
    'after',
    `
Examples:
  tvl1-flow clip.mp4 --out flow/clip --resize 340x256
  tvl1-flow --list train.txt --root videos --out flow --workers 8 --tvl1 accurate

Videos that cannot be read are reported at the end and the others go on (exit code 3 if any
failed); running the command again computes only the pairs that are missing.
Exit codes: 0 done, 1 bug, 2 bad option, 3 bad input video or list, 6 disk full or not writable.`,
  )
  .action(async (input: string | undefined, o: ExtractFlags & { out: string; list?: string; root: string }) => {
    let jobs: VideoJob[];
    if (o.list != null) {
      jobs = (await readVideoList(o.list, o.root)).map((entry) => {
        const parsed = path.parse(entry.id);
        return { input: entry.path, outDir: path.join(o.out, parsed.dir, parsed.name) };
      });
    } else if (input != null) jobs = [{ input, outDir: o.out }];
    else throw new Tvl1Error('BAD_ARGUMENT', 'give a video or frame folder, or --list', { path: 'input' });
    const progress = createProgress({ label: 'tvl1-flow', total: jobs.length, unit: 'videos' });
    let computed = 0;
    const result = await extractVideos(jobs, {
      ...extractOptionsOf(o),
      onVideo: (index, job, outcome) => {
        if (!(outcome instanceof Error)) computed += outcome.computed;
        progress.update(index + 1, { video: path.basename(job.input), pairs: computed });
      },
    }).finally(() => progress.stop());
    console.log(`${result.done.length} videos done (${computed} pairs computed), ${result.failed.length} failed`);
    for (const { error } of result.failed) console.error(`  failed: ${error.message}`);
    if (result.failed.length > 0) process.exitCode = EXIT_CODES.data;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    if (error.exitCode !== 0) process.exit(EXIT_CODES.input);
    return;
  }
  console.error(`tvl1-flow: ${describeError(error)}`);
  process.exit(exitCodeFor(error));
});
