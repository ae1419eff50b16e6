#!/usr/bin/env node
/** The `trajectorynet` command line. Each command lives in commands/<name>.ts. */
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerInfoCommand } from './commands/info.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerTrainCommand } from './commands/train.js';
import { TrainerError } from './errors.js';

const program = new Command()
  .name('trajectorynet')
  .description('Train, evaluate and run TrajectoryNet (trajectory convolution for action recognition) on tfjs.')
  .showHelpAfterError()
  .addHelpText('after', '\nRun `trajectorynet <command> --help` for the options and examples of each command.');

registerDemoCommand(program);
registerTrainCommand(program);
registerEvalCommand(program);
registerPredictCommand(program);
registerInfoCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof TrainerError) {
    console.error(`trajectorynet: ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
