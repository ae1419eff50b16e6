/** worker_threads entry: computes TV-L1 for the frame pairs the pool sends. */
import { parentPort } from 'node:worker_threads';
import type { Tvl1Options } from './options.js';
import { type FrameInput, tvl1 } from './tvl1.js';

export interface PairRequest {
  id: number;
  frame0: FrameInput;
  frame1: FrameInput;
  options: Tvl1Options;
}

parentPort?.on('message', (request: PairRequest) => {
  try {
    const flow = tvl1(request.frame0, request.frame1, request.options);
    parentPort?.postMessage({ id: request.id, flow }, [flow.u.buffer as ArrayBuffer, flow.v.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
