/**
 * BatchMatMul and _FusedMatMul (bias + relu/linear) through oneDNN's sgemm.
 * Batches must be equal or one of them 1; other broadcasts, activations other
 * than relu and linear, and biases not of length n use the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeAddon } from '../native.js';
import type { NativeKernel } from './types.js';

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

function run(addon: NativeAddon, stock: tf.KernelFunc, args: Parameters<tf.KernelFunc>[0], activation: string): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b, bias, preluActivationWeights } = args.inputs as unknown as MatMulInputs;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const simpleBatches = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  const biasOk = bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
  if (
    !allFloat(a, b, bias) || k !== kB || !simpleBatches || !biasOk || preluActivationWeights != null ||
    (activation !== 'linear' && activation !== 'relu') || batch * m * n < MIN_NATIVE_ELEMENTS || k === 0
  ) {
    return stock(args);
  }
  const out = output(args.backend, [...batchShape, m, n]);
  const be = args.backend;
  const biasOffset = bias == null ? -1 : offsetOf(be, bias);
  addon.matMul(heapOf(be), offsetOf(be, a), offsetOf(be, b), offsetOf(be, out), batchA, batchB, m, n, k, transposeA, transposeB, biasOffset, activation === 'relu');
  return out;
}

export const batchMatMul: NativeKernel = {
  name: 'BatchMatMul',
  make: (addon, stock) => (args) => run(addon, stock as tf.KernelFunc, args, 'linear'),
};

export const fusedMatMul: NativeKernel = {
  name: '_FusedMatMul',
  make: (addon, stock) => (args) => run(addon, stock as tf.KernelFunc, args, ((args.attrs as { activation?: string }).activation ?? 'linear')),
};
