/** Runs a worker until a signal (SIGINT/SIGTERM: finish the current job, then stop) or until the queue is empty. */
import { DEFAULT_QUEUE, openQueue } from './queue.js';
import { startWorker, type WorkerOptions } from './worker.js';

export interface RunWorkerOptions extends WorkerOptions {
  /** Stop once nothing is waiting, delayed or active (for batch runs and tests). */
  exitWhenEmpty?: boolean;
  pollMs?: number;
}

export async function runWorkerUntilDone(options: RunWorkerOptions): Promise<void> {
  const worker = startWorker(options);
  const queue = openQueue(options.redis, options.queueName ?? DEFAULT_QUEUE);
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130); // second Ctrl-C: leave now; the job's lock expires and another worker retakes it
    stopping = true;
    options.log?.('stopping after the current video (Ctrl-C again to leave now)');
    await worker.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopping && !worker.closing) {
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
      if (options.exitWhenEmpty) {
        const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
        if ((c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) + (c.paused ?? 0) === 0) break;
      }
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await worker.close();
    await queue.close();
  }
}
