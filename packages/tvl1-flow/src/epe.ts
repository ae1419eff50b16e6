import type { Flow } from '@trajectorynet/core';
import { Tvl1Error } from './errors.js';

/** Average end-point error against ground truth, ignoring unknown ground-truth values (> 1e9, Middlebury). */
export function endPointError(flow: Flow, truth: Flow): number {
  if (flow.width !== truth.width || flow.height !== truth.height) throw new Tvl1Error('BAD_INPUT', `sizes differ (${flow.width}x${flow.height} vs ${truth.width}x${truth.height})`, { path: 'endPointError' });
  let sum = 0;
  let count = 0;
  for (let i = 0; i < flow.u.length; i++) {
    if (Math.abs(truth.u[i]) > 1e9 || Math.abs(truth.v[i]) > 1e9) continue;
    sum += Math.hypot(flow.u[i] - truth.u[i], flow.v[i] - truth.v[i]);
    count += 1;
  }
  return count === 0 ? 0 : sum / count;
}
