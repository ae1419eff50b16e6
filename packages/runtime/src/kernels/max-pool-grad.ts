/**
 * MaxPoolGrad as a direct loop: each dy value goes to the first position of
 * the maximum in its window (scan order: rows, then columns), positions in the
 * padding never win. Replaces wasm 4.22's kernel, which routes gradients to
 * wrong positions for many shapes (e.g. 2x2 stride 2 on a 6x6x2 input;
 * measured against a naive reference in test/kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from './kernel-io.js';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export const maxPoolGradKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const x = readValues(backend, input);
  const g = readValues(backend, dy);
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(0, y * sh - top);
      const y1 = Math.min(h, y * sh - top + kh);
      for (let xo = 0; xo < ow; xo++) {
        const x0 = Math.max(0, xo * sw - left);
        const x1 = Math.min(w, xo * sw - left + kw);
        const dyBase = ((b * oh + y) * ow + xo) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const idx = ((b * h + iy) * w + ix) * c + ch;
              if (x[idx] > best || at < 0) {
                best = x[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += g[dyBase + ch];
        }
      }
    }
  }
  return makeOutput(backend, input.shape, 'float32', dx);
};
