#!/usr/bin/env node
/** `tvl1-flow`: TV-L1 flow for a video, a frame folder, or every video of a dataset list. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { extractFlow } from './extract.js';
import type { Tvl1Preset } from './options.js';
import { createFlowPool } from './pool.js';
import { parseSize } from '@trajectorynet/video-io';

/** One line per update: \r-overwritten on a terminal, at most every 5 s otherwise. */
function progressLine(label: string) {
  const started = Date.now();
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (!process.stderr.isTTY && now - last < 5000 && done < total) return;
    last = now;
    const rate = done / Math.max(1e-3, (now - started) / 1000);
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const text = `${label} ${done}/${total} pairs  ${rate.toFixed(2)} pairs/s  ETA ${eta}s`;
    process.stderr.write(process.stderr.isTTY ? `\r${text}${done === total ? '\n' : ''}` : `${text}\n`);
  };
}

const program = new Command('tvl1-flow')
  .description('TV-L1 optical flow for videos and frame folders, written as dense_flow x/y JPEGs or .flo files')
  .argument('[input]', 'a video file or a frame folder (or use --list)')
  .requiredOption('--out <dir>', 'output folder (with --list: one sub-folder per video)')
  .option('--list <file>', 'a dataset list: one video or frame folder per line (first column), relative to --root')
  .option('--root <dir>', 'root for the paths of --list', '.')
  .addOption(new Option('--format <format>', 'output format').choices(['jpg', 'flo']).default('jpg'))
  .addOption(new Option('--naming <naming>', 'JPEG file names').choices(['mmaction', 'dense_flow']).default('mmaction'))
  .option('--bound <n>', 'JPEG quantisation bound (pixels)', Number, 20)
  .option('--resize <WxH>', 'resize frames first, e.g. 340x256')
  .addOption(new Option('--preset <preset>', 'TV-L1 parameters').choices(['accurate', 'ipol', 'opencv']).default('accurate'))
  .option('--workers <n>', 'worker threads (default: one per core)', Number)
  .addHelpText('after', '\nExamples:\n  tvl1-flow clip.mp4 --out flow/clip --resize 340x256\n  tvl1-flow --list train.txt --root videos --out flow --workers 8')
  .action(async (input: string | undefined, o: { out: string; list?: string; root: string; format: 'jpg' | 'flo'; naming: 'mmaction' | 'dense_flow'; bound: number; resize?: string; preset: Tvl1Preset; workers?: number }) => {
    const inputs: [string, string][] = [];
    if (o.list != null) {
      const lines = (await readFile(o.list, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      for (const line of lines) {
        const rel = line.split(/\s+/)[0];
        const parsed = path.parse(rel);
        inputs.push([path.join(o.root, rel), path.join(o.out, parsed.dir, parsed.name)]);
      }
    } else if (input != null) inputs.push([input, o.out]);
    else throw new Error('give a video/frame folder or --list');
    const pool = createFlowPool(o.workers);
    try {
      for (const [k, [from, to]] of inputs.entries()) {
        const result = await extractFlow(from, to, {
          format: o.format,
          naming: o.naming,
          bound: o.bound,
          resize: o.resize ? parseSize(o.resize) : undefined,
          pool,
          tvl1: { preset: o.preset },
          onProgress: progressLine(`[${k + 1}/${inputs.length}] ${path.basename(from)}`),
        });
        if (result.skipped > 0) console.error(`${from}: ${result.skipped} pairs already there, ${result.computed} computed`);
      }
    } finally {
      await pool.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`tvl1-flow: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
