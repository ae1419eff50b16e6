/** Worker-thread entry of the flow pool (core's pool): TV-L1 for one frame pair, the flow moved back. */
import { defineWorker } from '@trajectorynet/core/node';
import type { Tvl1Options } from './options.js';
import type { Flow } from '@trajectorynet/core';
import { type FrameInput, tvl1 } from './tvl1.js';

export interface PairTask {
  frame0: FrameInput;
  frame1: FrameInput;
  options: Tvl1Options;
}

export const computePair = (task: PairTask): Flow => tvl1(task.frame0, task.frame1, task.options);

export default defineWorker(computePair, (flow: Flow) => [flow.u.buffer as ArrayBuffer, flow.v.buffer as ArrayBuffer]);
