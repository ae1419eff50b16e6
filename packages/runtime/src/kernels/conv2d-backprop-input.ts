/**
 * Conv2DBackpropInput (the input gradient of conv2d, also conv2dTranspose)
 * for wasm, whose own kernel is a naive loop about 10x slower than its
 * convolution. Here it is one forward convolution of the backend:
 *
 *   dx[h] = sum_i dy_dilated[h + padTop - i] * W[i]
 *
 * i.e. dy with (stride - 1) zeros between its values, padded by
 * (k - 1 - padTop) in front, correlated ('valid') with the filter flipped in
 * space and with its in/out channels swapped.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, release } from './kernel-io.js';

interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

export function makeConv2DBackpropInputKernelFunc(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW') throw new Error(`Conv2DBackpropInput on ${backendName}: only NHWC data is supported`);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight: sh, strideWidth: sw, padInfo, filterHeight: kh, filterWidth: kw } = info;
    const run = (name: string, ins: tf.NamedTensorInfoMap, a: tf.NamedAttrMap = {}) => callKernel(backendName, backend, name, ins, a);
    const temporaries: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => {
      temporaries.push(t);
      return t;
    };

    // dy with (stride - 1) zeros between values: [N, (OH-1)*sh+1, (OW-1)*sw+1, Cout]
    let dilated = dy;
    if (sh > 1 || sw > 1) {
      const spread = keep(run('Reshape', { x: dy }, { shape: [batchSize, outHeight, 1, outWidth, 1, outChannels] }));
      const padded = keep(run('PadV2', { x: spread }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 }));
      const flat = keep(run('Reshape', { x: padded }, { shape: [batchSize, outHeight * sh, outWidth * sw, outChannels] }));
      dilated = keep(run('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [batchSize, (outHeight - 1) * sh + 1, (outWidth - 1) * sw + 1, outChannels] }));
    }
    // borders so that the 'valid' correlation yields exactly inHeight x inWidth; negative = crop
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    const bottom = inHeight + kh - 1 - top - dilated.shape[1];
    const right = inWidth + kw - 1 - left - dilated.shape[2];
    let framed = dilated;
    if (top > 0 || left > 0 || bottom > 0 || right > 0) {
      framed = keep(run('PadV2', { x: dilated }, { paddings: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]], constantValue: 0 }));
    }
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const [, h, w] = framed.shape;
      framed = keep(run('Slice', { x: framed }, { begin: [0, Math.max(0, -top), Math.max(0, -left), 0], size: [batchSize, h - Math.max(0, -top) - Math.max(0, -bottom), w - Math.max(0, -left) - Math.max(0, -right), outChannels] }));
    }
    // the filter flipped in space, in/out channels swapped: [kh, kw, Cout, Cin]
    const flipped = keep(run('Reverse', { x: filter }, { dims: [0, 1] }));
    const swapped = keep(run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }));
    const dx = run('Conv2D', { x: framed, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
    release(backend, ...temporaries);
    if (dx.shape[1] !== inHeight || dx.shape[2] !== inWidth || dx.shape[3] !== inChannels) {
      throw new Error(`Conv2DBackpropInput on ${backendName}: internal shape [${dx.shape}] != [${inputShape}]`);
    }
    return dx;
  };
}
