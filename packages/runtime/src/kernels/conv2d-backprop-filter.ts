/**
 * Conv2DBackpropFilter (the filter gradient of conv2d) for backends that lack
 * it, composed from kernels they have: pad once, then for each filter tap
 * (kh, kw) slice the strided input window and multiply it with dy:
 *
 *   dW[kh, kw] = window(kh, kw)^T @ dy      ([Cin, M] x [M, Cout], M = N*OH*OW)
 *
 * The FLOPs equal the forward convolution's, and all of them run in the
 * backend's matMul, which on wasm is XNNPACK.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, release } from './kernel-io.js';

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function makeConv2DBackpropFilterKernelFunc(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') {
      throw new Error(`Conv2DBackpropFilter on ${backendName}: only NHWC data is supported`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inChannels, outChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const run = (name: string, ins: tf.NamedTensorInfoMap, a: tf.NamedAttrMap = {}) =>
      callKernel(backendName, backend, name, ins, a);

    const padded = run('PadV2', { x }, {
      paddings: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]],
      constantValue: 0,
    });
    const rows = batchSize * outHeight * outWidth;
    const dy3 = run('Reshape', { x: dy }, { shape: [1, rows, outChannels] });
    const taps: tf.TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = run('StridedSlice', { x: padded }, {
          begin: [0, i, j, 0],
          end: [batchSize, i + (outHeight - 1) * strideHeight + 1, j + (outWidth - 1) * strideWidth + 1, inChannels],
          strides: [1, strideHeight, strideWidth, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        });
        const window3 = run('Reshape', { x: window }, { shape: [1, rows, inChannels] });
        taps.push(run('BatchMatMul', { a: window3, b: dy3 }, { transposeA: true, transposeB: false }));
        release(backend, window, window3);
      }
    }
    const stacked = taps.length === 1 ? taps[0] : run('Concat', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    const dW = run('Reshape', { x: stacked }, { shape: filterShape });
    release(backend, padded, dy3, stacked);
    if (taps.length > 1) release(backend, ...taps);
    return dW;
  };
}
