/**
 * WebGPU's binary ops (add, mul, ...) between a tensor of rank 5 or more and a
 * 1-D tensor of 2 to 127 values, e.g. a clip [N, T, H, W, C] times a
 * per-channel scale [C]. tfjs-backend-webgpu 4.22 runs these through
 * BinaryOpProgram's shared-memory shader, which reads the 1-D operand at
 * `coords[rank - 1]`; for rank 5 and 6 `coords` is a WGSL struct (`vec5`,
 * `vec6`), which cannot be indexed, so the shader does not compile ("cannot
 * index type 'vec5'", a console warning only). The whole command buffer that
 * holds the dispatch is then dropped at submit: the op's output, and every
 * upload and op recorded with it since the last submit, read back as zeros or
 * stale values. (tfjs-backend-webgpu/src/binary_op_webgpu.ts, `sharedIndexSnippet`;
 * unchanged on tfjs master as of 2026-12.)
 *
 * The wrapper runs such an op on the high-rank operand viewed as 2-D
 * [size / last, last] (a reshape: no copy on WebGPU), where the shader indexes
 * a vec2, and gives the output its broadcast shape back. Other shapes go to
 * the stock kernel untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, release } from './kernel-io.js';

/** The tfjs kernels that run BinaryOpProgram on two inputs named by `names`, with its shared-memory path. */
export const WEBGPU_BINARY_KERNELS: { name: string; names: [string, string] }[] = [
  ...[
    'Add',
    'Sub',
    'Multiply',
    'RealDiv',
    'Maximum',
    'Minimum',
    'Pow',
    'SquaredDifference',
    'FloorDiv',
    'Mod',
    'Atan2',
    'Equal',
    'NotEqual',
    'Greater',
    'GreaterEqual',
    'Less',
    'LessEqual',
    'LogicalAnd',
    'LogicalOr',
  ].map((name) => ({ name, names: ['a', 'b'] as [string, string] })),
  { name: 'Prelu', names: ['x', 'alpha'] },
];

/** True when tfjs-backend-webgpu 4.22 would take the shader that cannot compile: one operand 1-D of 2..127 values, the other of rank 5 or more. */
export function hitsRank5SharedShader(a: number[], b: number[]): boolean {
  const small = (s: number[]) => s.length === 1 && s[0] > 1 && s[0] < 128;
  return (small(a) && b.length >= 5) || (small(b) && a.length >= 5);
}

/** Wraps a stock binary kernel of `backendName` (webgpu; inputs named `names`) so that the shapes above take a 2-D view of the high-rank operand. */
export function makeRank5BroadcastKernelFunc(backendName: string, stockKernel: tf.KernelFunc, names: [string, string]): tf.KernelFunc {
  return (args) => {
    const [first, second] = [args.inputs[names[0]] as tf.TensorInfo, args.inputs[names[1]] as tf.TensorInfo];
    if (first == null || second == null || first.dtype === 'complex64' || !hitsRank5SharedShader(first.shape, second.shape)) return stockKernel(args);
    const highFirst = first.shape.length >= 5;
    const high = highFirst ? first : second;
    const last = high.shape[high.shape.length - 1];
    const size = high.shape.reduce((p, d) => p * d, 1);
    if (size === 0) return stockKernel(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(first.shape, second.shape);
    const view = callKernel(backendName, args.backend, 'Reshape', { x: high }, { shape: [size / last, last] });
    const inputs = { ...args.inputs, [highFirst ? names[0] : names[1]]: view };
    const flat = stockKernel({ ...args, inputs });
    const out = Array.isArray(flat) ? flat[0] : flat;
    const shaped = callKernel(backendName, args.backend, 'Reshape', { x: out }, { shape: outShape });
    release(args.backend, view, out);
    return shaped;
  };
}
