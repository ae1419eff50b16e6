#!/usr/bin/env node
/** The `trajectorynet` command line. Each command lives in commands/<name>.ts. */
import { readFileSync } from 'node:fs';
import { describeError, EXIT_CODES, exitCodeFor } from '@trajectorynet/core';
import { Command, CommanderError } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExportWebCommand } from './commands/export-web.js';
import { registerExtractFlowCommand } from './commands/extract-flow.js';
import { registerFlowCommand } from './commands/flow.js';
import { registerInfoCommand } from './commands/info.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerPretrainMotionNetCommand } from './commands/pretrain-motionnet.js';
import { registerTrainCommand } from './commands/train.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('trajectorynet')
  .description('Train, evaluate and run TrajectoryNet (trajectory convolution for action recognition) on tfjs.')
  .version(version)
  .exitOverride()
  .addHelpText(
    'after',
    `
Run \`trajectorynet <command> --help\` for the options and examples of each command.
Paths (--config, --set data.root=..., lists, videos, --out) are relative to the current folder;
TV-L1 flows are cached in .trajectorynet-cache beside the run folder.
Exit codes: 0 done, 1 internal error (a bug: please report it), 2 bad option or config,
3 bad data, 4 bad checkpoint, 5 training diverged, 6 disk full or folder not writable,
7 a distributed run lost a rank (after --max-restarts restarts).
Environment: TRAJECTORYNET_BACKEND (tensorflow, wasm, cpu), TRAJECTORYNET_NATIVE=0 (no libtorch
kernels), FFMPEG_PATH / FFPROBE_PATH (the ffmpeg binaries to run).`,
  );
// every subcommand reports usage errors through the same path (exit code 2)
// and an option error is one line and where to look, not the whole help text
program.showHelpAfterError('(see `trajectorynet --help`)');
program.hook('preSubcommand', (_, sub) => {
  sub.exitOverride();
  sub.showHelpAfterError(`(see \`trajectorynet ${sub.name()} --help\`)`);
});

registerDemoCommand(program);
registerTrainCommand(program);
registerConfigCommand(program);
registerEvalCommand(program);
registerPredictCommand(program);
registerExportWebCommand(program);
registerFlowCommand(program);
registerExtractFlowCommand(program);
registerPretrainMotionNetCommand(program);
registerInfoCommand(program);

// output that cannot be written (a full disk, /dev/full) is an error, not a silent success;
// a reader that closed the pipe (`| head`) took what it wanted: stop quietly
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`trajectorynet: cannot write the output (${error.code ?? error.message})\n`);
  process.exit(EXIT_CODES.environment);
});

function fail(error: unknown): void {
  if (error instanceof CommanderError) {
    // --help and --version end here too: exit 0 when the output is written (its write error would still exit 6)
    if (error.exitCode === 0) return;
    process.exit(EXIT_CODES.input);
  }
  console.error(`trajectorynet: ${describeError(error)}`);
  process.exit(exitCodeFor(error));
}

// `pnpm demo -- --out x` forwards the "--" itself: drop it
program
  .parseAsync(process.argv.filter((arg, i) => !(arg === '--' && i >= 2)))
  .catch(fail);
