/**
 * TV-L1 pairs in parallel on @trajectorynet/core's worker pool (one thread
 * per core by default). A thread that dies (e.g. out of memory on a huge
 * frame) fails that pair with a WORKER error naming it and is replaced, so an
 * extraction never hangs. One worker is a thread too, so TV-L1 never blocks
 * the caller's event loop; only when the worker is not built (running from the
 * TypeScript sources) are pairs computed in this thread, with the same results.
 */
import os from 'node:os';
import { createWorkerPool, findBuiltFile } from '@trajectorynet/core/node';
import { Tvl1Error } from './errors.js';
import { computePair, type PairTask } from './flow-worker.js';
import type { Tvl1Options } from './options.js';
import type { Flow } from '@trajectorynet/core';
import type { FrameInput } from './tvl1.js';

export interface FlowPool {
  /** The flow from frame0 to frame1; `name` (e.g. "video.mp4 pair 12") is named if the pair fails. */
  compute(frame0: FrameInput, frame1: FrameInput, options: Tvl1Options, name?: string): Promise<Flow>;
  /** Threads in use (1 when computing in this thread). */
  readonly size: number;
  close(): Promise<void>;
}

export function createFlowPool(workers = os.availableParallelism()): FlowPool {
  if (!Number.isInteger(workers) || workers < 1) throw new Tvl1Error('BAD_ARGUMENT', `must be a positive integer, got ${workers}`, { path: 'workers' });
  const file = findBuiltFile([new URL('./flow-worker.js', import.meta.url), new URL('../dist/flow-worker.js', import.meta.url)]);
  const pool = createWorkerPool<PairTask, Flow>({
    file: file ?? 'flow-worker.js',
    // one worker is a thread too: TV-L1 never blocks the caller's event loop (lock renewals, progress)
    threads: file == null ? 0 : workers,
    inline: computePair,
    label: 'TV-L1 pair',
    errorType: Tvl1Error,
  });
  return {
    size: Math.max(1, pool.threads),
    compute: (frame0, frame1, options, name) => pool.run({ frame0, frame1, options }, { name }),
    close: () => pool.close(),
  };
}
