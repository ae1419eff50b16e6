/**
 * Registers the kernels this project adds to tfjs backends:
 * - wasm: Conv2DBackpropFilter, UnsortedSegmentSum and the two depthwise
 *   backprops, which wasm 4.22 lacks, so that training works on wasm; and
 *   MaxPoolGrad in place of wasm's, which gives wrong results; Conv2DBackpropInput
 *   in place of wasm's naive loop (one fast forward conv instead); BatchMatMul
 *   wrapped so that transposed operands take the fast GEMM path.
 * - cpu: a linear-time UnsortedSegmentSum in place of the stock quadratic one.
 * - both: ResizeBilinearGrad, whose stock kernels get non-square shapes wrong;
 *   Slice wrapped so that slices of rank 5 and more are copied in contiguous
 *   runs instead of one element at a time.
 * - webgpu: the binary ops (Add, Multiply, ...) wrapped so that a rank-5/6
 *   tensor with a 1-D operand of 2-127 values does not take tfjs 4.22's
 *   shared-memory shader, which fails to compile for those ranks and drops
 *   the whole command batch (see webgpu-rank5-broadcast.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { makeConv2DBackpropFilterKernelFunc } from './conv2d-backprop-filter.js';
import { makeBatchMatMulKernelFunc } from './batch-mat-mul.js';
import { makeConv2DBackpropInputKernelFunc } from './conv2d-backprop-input.js';
import {
  depthwiseConv2dBackpropFilterKernelFunc,
  depthwiseConv2dBackpropInputKernelFunc,
} from './depthwise-conv2d-backprop.js';
import { maxPoolGradKernelFunc } from './max-pool-grad.js';
import { resizeBilinearGradKernelFunc } from './resize-bilinear-grad.js';
import { makeSliceKernelFunc } from './slice.js';
import { unsortedSegmentSumKernelFunc } from './unsorted-segment-sum.js';
import { makeRank5BroadcastKernelFunc, WEBGPU_BINARY_KERNELS } from './webgpu-rank5-broadcast.js';

/** The backend's own kernel, before we replaced it (for kernels that wrap the stock one). */
const stockKernels = new Map<string, tf.KernelFunc>();

function stock(backendName: string, name: string): tf.KernelFunc {
  const key = `${backendName}/${name}`;
  if (!stockKernels.has(key)) {
    const current = tf.getKernel(name, backendName);
    if (current == null) throw new Error(`no stock ${name} kernel on ${backendName}`);
    stockKernels.set(key, current.kernelFunc);
  }
  return stockKernels.get(key) as tf.KernelFunc;
}

/** Kernels of ours by backend. `replace` kernels override a stock kernel of the backend. */
function kernelsFor(backendName: string): { name: string; func: tf.KernelFunc; replace: boolean }[] {
  switch (backendName) {
    case 'wasm':
      return [
        { name: 'BatchMatMul', func: wrappedBatchMatMul(), replace: true },
        { name: 'Conv2DBackpropFilter', func: makeConv2DBackpropFilterKernelFunc('wasm'), replace: false },
        { name: 'Conv2DBackpropInput', func: makeConv2DBackpropInputKernelFunc('wasm'), replace: true },
        { name: 'UnsortedSegmentSum', func: unsortedSegmentSumKernelFunc, replace: false },
        { name: 'DepthwiseConv2dNativeBackpropFilter', func: depthwiseConv2dBackpropFilterKernelFunc, replace: false },
        { name: 'DepthwiseConv2dNativeBackpropInput', func: depthwiseConv2dBackpropInputKernelFunc, replace: false },
        { name: 'MaxPoolGrad', func: maxPoolGradKernelFunc, replace: true },
        { name: 'ResizeBilinearGrad', func: resizeBilinearGradKernelFunc, replace: true },
        { name: 'Slice', func: wrappedSlice('wasm'), replace: true },
      ];
    case 'cpu':
      return [
        { name: 'UnsortedSegmentSum', func: unsortedSegmentSumKernelFunc, replace: true },
        { name: 'ResizeBilinearGrad', func: resizeBilinearGradKernelFunc, replace: true },
        { name: 'Slice', func: wrappedSlice('cpu'), replace: true },
      ];
    case 'webgpu':
      return WEBGPU_BINARY_KERNELS.map(({ name, names }) => ({ name, func: wrappedWebgpuBinary(name, names), replace: true }));
    default:
      return [];
  }
}

const installed = new Map<string, tf.KernelFunc>();

// one wrapper per process, around the stock kernel captured before it is replaced
let batchMatMul: tf.KernelFunc | null = null;
function wrappedBatchMatMul(): tf.KernelFunc {
  batchMatMul ??= makeBatchMatMulKernelFunc('wasm', stock('wasm', 'BatchMatMul'));
  return batchMatMul;
}

const slices = new Map<string, tf.KernelFunc>();
function wrappedSlice(backendName: string): tf.KernelFunc {
  if (!slices.has(backendName)) slices.set(backendName, makeSliceKernelFunc(stock(backendName, 'Slice')));
  return slices.get(backendName) as tf.KernelFunc;
}

const webgpuBinaries = new Map<string, tf.KernelFunc>();
function wrappedWebgpuBinary(name: string, names: [string, string]): tf.KernelFunc {
  if (!webgpuBinaries.has(name)) webgpuBinaries.set(name, makeRank5BroadcastKernelFunc('webgpu', stock('webgpu', name), names));
  return webgpuBinaries.get(name) as tf.KernelFunc;
}

/**
 * Adds our kernels to `backendName`. Idempotent. Returns the names of the
 * kernels that are ours on that backend.
 */
export function registerRuntimeKernels(backendName: string): string[] {
  const names: string[] = [];
  for (const { name, func, replace } of kernelsFor(backendName)) {
    const key = `${backendName}/${name}`;
    const current = tf.getKernel(name, backendName);
    if (current != null && current.kernelFunc === installed.get(key)) {
      names.push(name);
      continue;
    }
    if (current != null) {
      if (!replace) continue; // the backend has its own kernel: keep it
      tf.unregisterKernel(name, backendName);
    }
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: func });
    installed.set(key, func);
    names.push(name);
  }
  return names;
}
