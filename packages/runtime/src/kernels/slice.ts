/**
 * Slice for tensors of rank 5 and more. The wasm and cpu backends copy such
 * slices one element at a time through a TensorBuffer (index <-> location
 * conversions per element), which made the trajectory ops' rank-5/6 slices the
 * slowest part of a TrajectoryNet training step. Here the slice is first
 * collapsed (dims of extent 1 dropped, a dim merged into its inner neighbour
 * when that one is taken whole), then copied in contiguous runs.
 */
import * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from './kernel-io.js';

type Values = Float32Array | Int32Array | Uint8Array;

interface Dim {
  extent: number;
  begin: number;
  size: number;
}

/** The slice as few dims as possible, outermost first; the last dim's run is contiguous in the input. */
export function collapseSlice(shape: number[], begin: number[], size: number[]): Dim[] {
  const dims: Dim[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const inner = dims[0];
    if (inner != null && inner.begin === 0 && inner.size === inner.extent) {
      dims[0] = { extent: shape[d] * inner.extent, begin: begin[d] * inner.extent, size: size[d] * inner.extent };
    } else {
      dims.unshift({ extent: shape[d], begin: begin[d], size: size[d] });
    }
  }
  return dims.length > 0 ? dims : [{ extent: 1, begin: 0, size: 1 }];
}

/** Copies the slice of `x` (of `shape`) at `begin` of `size` into `out`. */
export function sliceValues(x: Values, shape: number[], begin: number[], size: number[], out: Values): void {
  const dims = collapseSlice(shape, begin, size);
  const rank = dims.length;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * dims[d + 1].extent;
  const run = dims[rank - 1].size;
  const runs = out.length / Math.max(1, run);
  const index = new Array<number>(rank).fill(0); // position among the outer dims (odometer)
  let source = dims.reduce((offset, dim, d) => offset + dim.begin * strides[d], 0);
  for (let r = 0, target = 0; r < runs; r++, target += run) {
    if (run >= 16) out.set(x.subarray(source, source + run), target);
    else for (let i = 0; i < run; i++) out[target + i] = x[source + i];
    // advance the odometer over dims 0..rank-2 and move `source` with it
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      source += strides[d];
      if (index[d] < dims[d].size) break;
      source -= index[d] * strides[d];
      index[d] = 0;
    }
  }
}

/** Wraps a backend's stock Slice: ranks up to 4 (which it copies well) go to it, higher ranks are copied here. */
export function makeSliceKernelFunc(stockSlice: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.shape.length <= 4 || x.dtype === 'string') return stockSlice(args);
    const { begin: beginAttr, size: sizeAttr } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x, beginAttr, sizeAttr);
    const count = size.reduce((a, b) => a * b, 1);
    const out = x.dtype === 'int32' ? new Int32Array(count) : x.dtype === 'bool' ? new Uint8Array(count) : new Float32Array(count);
    sliceValues(readValues(args.backend, x), x.shape, begin, size, out);
    return makeOutput(args.backend, size, x.dtype, out);
  };
}
