#!/usr/bin/env node
/** The `trajectorynet-flow-queue` program: one line and the documented exit code for every error. */
import { describeError, exitCodeFor } from '@trajectorynet/core';
import { flowQueueCommand } from './command.js';

flowQueueCommand()
  .parseAsync(process.argv)
  .then(
    () => 0,
    (error: unknown) => {
      console.error(`trajectorynet-flow-queue: ${describeError(error)}`);
      return exitCodeFor(error);
    },
  )
  .then((code) => {
    process.exitCode = code;
    // a connection or thread a library still holds must not keep a finished command alive
    setTimeout(() => process.exit(code), 3000).unref();
  });
