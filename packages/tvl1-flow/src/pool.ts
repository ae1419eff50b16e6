/**
 * A pool of worker_threads computing TV-L1 pairs in parallel (one per core by
 * default). The worker is the built `flow-worker.js` next to this module;
 * when it is absent (running from TypeScript sources), pairs are computed in
 * this thread instead, with the same results.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '@trajectorynet/video-io';
import type { Tvl1Options } from './options.js';
import { type FlowField, type FrameInput, tvl1 } from './tvl1.js';

export interface FlowPool {
  compute(frame0: FrameInput, frame1: FrameInput, options: Tvl1Options): Promise<FlowField>;
  /** Threads in use (1 when running in-process). */
  readonly size: number;
  close(): Promise<void>;
}

function workerFile(): string | null {
  const candidates = [new URL('./flow-worker.js', import.meta.url), new URL('../dist/flow-worker.js', import.meta.url)];
  for (const url of candidates) {
    const file = fileURLToPath(url);
    if (existsSync(file)) return file;
  }
  return null;
}

export function createFlowPool(workers = os.availableParallelism()): FlowPool {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`createFlowPool: workers must be a positive integer, got ${workers}`);
  const file = workerFile();
  if (file == null || workers <= 1) {
    return { compute: async (a, b, o) => tvl1(a, b, o), size: 1, close: async () => {} };
  }
  const threads = Array.from({ length: workers }, () => new Worker(file, { execArgv: workerExecArgv() }));
  const idle = [...threads];
  const queue: (() => void)[] = [];
  let nextId = 0;
  const acquire = async (): Promise<Worker> => {
    while (idle.length === 0) await new Promise<void>((resolve) => queue.push(resolve));
    return idle.pop() as Worker;
  };
  const release = (worker: Worker) => {
    idle.push(worker);
    queue.shift()?.();
  };
  return {
    size: workers,
    async compute(frame0, frame1, options) {
      const worker = await acquire();
      const id = nextId++;
      try {
        return await new Promise<FlowField>((resolve, reject) => {
          const onMessage = (message: { id: number; flow?: FlowField; error?: string }) => {
            if (message.id !== id) return;
            worker.off('message', onMessage);
            worker.off('error', reject);
            if (message.error != null) reject(new Error(message.error));
            else resolve(message.flow as FlowField);
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.postMessage({ id, frame0, frame1, options });
        });
      } finally {
        release(worker);
      }
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}
