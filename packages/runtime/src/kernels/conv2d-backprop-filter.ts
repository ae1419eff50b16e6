/**
 * Conv2DBackpropFilter (the filter gradient of conv2d) for backends that lack
 * it, as ONE forward convolution of the backend (XNNPACK on wasm):
 *
 *   dW[i, j, c, o] = sum_{n, y, x} xpad[n, y*s + i, x*s + j, c] * dy[n, y, x, o]
 *
 * is a 'valid' conv2d of xpad with channels and batch swapped ([Cin, Hp, Wp, N])
 * by dy as the filter ([OH, OW, N, Cout]) with dilation = the stride; its
 * first kh x kw outputs are dW (as [Cin, kh, kw, Cout]). The FLOPs equal the
 * forward convolution's, in one large GEMM instead of kh*kw thin ones.
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
    const { inChannels, outChannels, strideHeight, strideWidth, padInfo } = info;
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const run = (name: string, ins: tf.NamedTensorInfoMap, a: tf.NamedAttrMap = {}) =>
      callKernel(backendName, backend, name, ins, a);

    const padded = run('PadV2', { x }, {
      paddings: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]],
      constantValue: 0,
    });
    const xT = run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
    const dyT = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const full = run('Conv2D', { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    });
    // the padded input may be larger than the taps need: keep the first kh x kw outputs
    const taps = full.shape[1] === kh && full.shape[2] === kw ? full : run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] });
    const dW = run('Transpose', { x: taps }, { perm: [1, 2, 0, 3] });
    release(backend, padded, xT, dyT, full);
    if (taps !== full) release(backend, taps);
    return dW;
  };
}
