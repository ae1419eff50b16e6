/** A Web Worker that solves TV-L1 for frame pairs: @trajectorynet/tvl1-flow, the code the CLI's worker threads run. */
import { type Tvl1Options, tvl1 } from '@trajectorynet/tvl1-flow';

export interface PairRequest {
  id: number;
  width: number;
  height: number;
  /** rgb24 frames j and j + 1. */
  frame0: Uint8Array;
  frame1: Uint8Array;
  options: Tvl1Options;
}

export interface PairResponse {
  id: number;
  u?: Float32Array;
  v?: Float32Array;
  milliseconds: number;
  error?: string;
}

self.onmessage = (event: MessageEvent<PairRequest>) => {
  const { id, width, height, frame0, frame1, options } = event.data;
  const started = performance.now();
  try {
    const flow = tvl1({ data: frame0, width, height, channels: 3 }, { data: frame1, width, height, channels: 3 }, options);
    const response: PairResponse = { id, u: flow.u, v: flow.v, milliseconds: performance.now() - started };
    (self as unknown as Worker).postMessage(response, [flow.u.buffer, flow.v.buffer]);
  } catch (error) {
    (self as unknown as Worker).postMessage({ id, milliseconds: performance.now() - started, error: error instanceof Error ? error.message : String(error) } satisfies PairResponse);
  }
};
