/**
 * The two gradients of depthwise conv2d (with respect to the input and to the
 * filter) as direct loops over typed arrays. Depthwise convolutions cost
 * KH*KW multiply-adds per output element, so a plain loop is adequate; it
 * works on any backend that can read and make tensors.
 *
 * Layouts: x [N, H, W, C], filter [KH, KW, C, M], dy [N, OH, OW, C*M] with
 * output channel c*M + m.
 */
import * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from './kernel-io.js';

interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

/** Calls `visit(xIndex, filterIndex, dyIndex)` for every multiply-add of the forward depthwise conv. */
function forEachDepthwiseTap(info: tf.backend_util.Conv2DInfo, visit: (xi: number, fi: number, di: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: oc } = info;
  const m = oc / c;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const dyBase = ((b * oh + y) * ow + x) * oc;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw + j * dw - left;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * c;
            const fBase = (i * kw + j) * c * m;
            for (let ch = 0; ch < c; ch++) {
              for (let k = 0; k < m; k++) visit(xBase + ch, fBase + ch * m + k, dyBase + ch * m + k);
            }
          }
        }
      }
    }
  }
}

function convInfo(xShape: number[], filterShape: number[], a: DepthwiseBackpropAttrs) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

export const depthwiseConv2dBackpropFilterKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseBackpropAttrs;
  const filterShape = a.filterShape!;
  const info = convInfo(x.shape, filterShape, a);
  const xv = readValues(backend, x);
  const dyv = readValues(backend, dy);
  const dw = new Float32Array(filterShape.reduce((p, q) => p * q, 1));
  forEachDepthwiseTap(info, (xi, fi, di) => {
    dw[fi] += xv[xi] * dyv[di];
  });
  return makeOutput(backend, filterShape, 'float32', dw);
};

export const depthwiseConv2dBackpropInputKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseBackpropAttrs;
  const inputShape = a.inputShape!;
  const info = convInfo(inputShape, filter.shape, a);
  const fv = readValues(backend, filter);
  const dyv = readValues(backend, dy);
  const dx = new Float32Array(inputShape.reduce((p, q) => p * q, 1));
  forEachDepthwiseTap(info, (xi, fi, di) => {
    dx[xi] += fv[fi] * dyv[di];
  });
  return makeOutput(backend, inputShape, 'float32', dx);
};
