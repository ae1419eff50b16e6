#!/usr/bin/env node
/** The `trajectorynet` command line. Each command lives in commands/<name>.ts. */
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExtractFlowCommand } from './commands/extract-flow.js';
import { registerInfoCommand } from './commands/info.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerPretrainMotionNetCommand } from './commands/pretrain-motionnet.js';
import { registerTrainCommand } from './commands/train.js';
import { TrainerError } from './errors.js';

const USER_ERRORS = new Set(['FlowQueueError', 'VideoIOError', 'TrajectoryConvError', 'Tvl1InputError']);

const program = new Command()
  .name('trajectorynet')
  .description('Train, evaluate and run TrajectoryNet (trajectory convolution for action recognition) on tfjs.')
  .showHelpAfterError()
  .addHelpText('after', '\nRun `trajectorynet <command> --help` for the options and examples of each command.');

registerDemoCommand(program);
registerTrainCommand(program);
registerEvalCommand(program);
registerPredictCommand(program);
registerExtractFlowCommand(program);
registerPretrainMotionNetCommand(program);
registerInfoCommand(program);

// `pnpm demo -- --out x` forwards the "--" itself: drop it
program.parseAsync(process.argv.filter((arg, i) => !(arg === '--' && i >= 2))).catch((error: unknown) => {
  if (error instanceof TrainerError) {
    console.error(`trajectorynet: ${error.message}`);
    process.exit(error.exitCode);
  }
  if (error instanceof Error && error.name === 'CheckpointError') {
    console.error(`trajectorynet: ${error.message}`);
    process.exit(4);
  }
  // the packages' own errors name the file or argument: the message is what the user needs
  if (error instanceof Error && USER_ERRORS.has(error.name)) {
    console.error(`trajectorynet: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
