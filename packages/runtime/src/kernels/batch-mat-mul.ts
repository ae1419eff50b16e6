/**
 * BatchMatMul on wasm with transposeA / transposeB: wasm 4.22 takes a path
 * about 10x slower than its plain GEMM for transposed operands (230 ms vs
 * 21 ms for [100352, 64] x [100352, 64]^T-shaped products), and every matMul
 * gradient uses one. Here the operand is transposed explicitly and the plain
 * kernel does the product.
 */
import type * as tf from '@tensorflow/tfjs';
import { callKernel, release } from './kernel-io.js';

export function makeBatchMatMulKernelFunc(backendName: string, stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock(args);
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return callKernel(backendName, backend, 'Transpose', { x: t }, { perm });
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = stock({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    if (a2 !== a) release(backend, a2);
    if (b2 !== b) release(backend, b2);
    return out;
  };
}
