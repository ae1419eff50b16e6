/** Average end-point error against ground truth, ignoring unknown ground-truth values (> 1e9, Middlebury). */
export interface FlowLike {
  width: number;
  height: number;
  u: Float32Array;
  v: Float32Array;
}

export function endPointError(flow: FlowLike, truth: FlowLike): number {
  if (flow.width !== truth.width || flow.height !== truth.height) throw new RangeError(`epe: sizes differ (${flow.width}x${flow.height} vs ${truth.width}x${truth.height})`);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < flow.u.length; i++) {
    if (Math.abs(truth.u[i]) > 1e9 || Math.abs(truth.v[i]) > 1e9) continue;
    sum += Math.hypot(flow.u[i] - truth.u[i], flow.v[i] - truth.v[i]);
    count += 1;
  }
  return count === 0 ? 0 : sum / count;
}
