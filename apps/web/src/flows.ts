/** TV-L1 of many frame pairs on a few Web Workers; a worker's error rejects that pair's promise. */
import type { Flow } from '@trajectorynet/core';
import type { Tvl1Options } from '@trajectorynet/tvl1-flow';
import type { PairRequest, PairResponse } from './flow-worker.js';

export interface FlowPool {
  compute(frame0: Uint8Array, frame1: Uint8Array, width: number, height: number, options: Tvl1Options): Promise<{ flow: Flow; milliseconds: number }>;
  readonly size: number;
  /** Pairs queued or being solved. */
  readonly busy: number;
  close(): void;
}

export function createFlowPool(size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))): FlowPool {
  const workers = Array.from({ length: size }, () => new Worker(new URL('./flow-worker.ts', import.meta.url), { type: 'module' }));
  const idle = [...workers];
  const queue: { request: PairRequest; resolve: (r: PairResponse) => void }[] = [];
  const pending = new Map<number, (r: PairResponse) => void>();
  let nextId = 0;
  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as Worker;
      const { request, resolve } = queue.shift() as (typeof queue)[number];
      pending.set(request.id, (response) => {
        pending.delete(request.id);
        idle.push(worker);
        resolve(response);
        pump();
      });
      worker.postMessage(request);
    }
  };
  for (const worker of workers) {
    worker.onmessage = (event: MessageEvent<PairResponse>) => pending.get(event.data.id)?.(event.data);
    worker.onerror = (event) => {
      // a worker that failed to load or crashed: fail everything waiting rather than hang
      for (const [id, done] of pending) done({ id, milliseconds: 0, error: `flow worker failed: ${event.message}` });
      pending.clear();
    };
  }
  return {
    size,
    get busy() {
      return queue.length + pending.size;
    },
    compute(frame0, frame1, width, height, options) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        queue.push({
          request: { id, width, height, frame0, frame1, options },
          resolve: (r) => (r.error != null || r.u == null || r.v == null ? reject(new Error(r.error ?? 'no flow')) : resolve({ flow: { width, height, u: r.u, v: r.v }, milliseconds: r.milliseconds })),
        });
        pump();
      });
    },
    close: () => {
      for (const worker of workers) worker.terminate();
    },
  };
}
