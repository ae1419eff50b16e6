#!/usr/bin/env node
/** The `trajectorynet-flow-queue` program. */
import { flowQueueCommand } from './command.js';
import { FlowQueueError } from './errors.js';

flowQueueCommand()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error instanceof FlowQueueError ? `trajectorynet-flow-queue: ${error.message}` : error);
    process.exit(error instanceof FlowQueueError ? 2 : 1);
  });
