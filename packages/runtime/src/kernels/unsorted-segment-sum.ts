/**
 * UnsortedSegmentSum in one linear pass over the data. It is the gradient of
 * `gather`: wasm has no kernel for it, and the cpu backend's stock kernel loops
 * once per segment over all the data (O(segments x N)), which makes embedding
 * and gather gradients unusably slow.
 *
 * Segment ids outside [0, numSegments) are ignored, as the stock cpu kernel
 * does.
 */
import type * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from './kernel-io.js';

export function unsortedSegmentSumValues(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  const rows = segmentIds.length;
  const inner = rows === 0 ? 0 : x.length / rows;
  for (let r = 0; r < rows; r++) {
    const s = segmentIds[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let i = 0; i < inner; i++) out[dst + i] += x[src + i];
  }
}

export const unsortedSegmentSumKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const outShape = [numSegments, ...innerShape];
  const size = outShape.reduce((a, b) => a * b, 1);
  const out = x.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  unsortedSegmentSumValues(readValues(backend, x), readValues(backend, segmentIds), numSegments, out);
  return makeOutput(backend, outShape, x.dtype, out);
};
