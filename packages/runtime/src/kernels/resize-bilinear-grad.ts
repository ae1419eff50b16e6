/**
 * ResizeBilinearGrad as the exact adjoint of tfjs' ResizeBilinear forward
 * (same source coordinates for alignCorners / halfPixelCenters, same corner
 * clamping). The stock cpu kernel returns the gradient with height and width
 * swapped in its shape (an error for any non-square image) and ignores
 * halfPixelCenters; wasm gets the same kernel so that both backends run code
 * tested as the adjoint of the forward (test/gradients.test.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from './kernel-io.js';

interface ResizeBilinearGradAttrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
}

/** For each output coordinate: the two source indices and the weight of the second. */
function sourceTaps(outSize: number, inSize: number, alignCorners: boolean, halfPixelCenters: boolean) {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    lo[i] = Math.max(0, Math.floor(src));
    hi[i] = Math.min(inSize - 1, Math.ceil(src));
    frac[i] = src - lo[i];
  }
  return { lo, hi, frac };
}

export const resizeBilinearGradKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters = false } = attrs as unknown as ResizeBilinearGradAttrs;
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const rows = sourceTaps(outH, inH, alignCorners, halfPixelCenters);
  const cols = sourceTaps(outW, inW, alignCorners, halfPixelCenters);
  const g = readValues(backend, dy);
  const dx = new Float32Array(batch * inH * inW * depth);
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const top = (b * inH + rows.lo[r]) * inW;
      const bottom = (b * inH + rows.hi[r]) * inW;
      const rf = rows.frac[r];
      for (let c = 0; c < outW; c++) {
        const cf = cols.frac[c];
        const tl = (top + cols.lo[c]) * depth;
        const tr = (top + cols.hi[c]) * depth;
        const bl = (bottom + cols.lo[c]) * depth;
        const br = (bottom + cols.hi[c]) * depth;
        const wtl = (1 - cf) * (1 - rf);
        const wtr = cf * (1 - rf);
        const wbl = (1 - cf) * rf;
        const wbr = cf * rf;
        for (let d = 0; d < depth; d++) {
          const v = g[at++];
          dx[tl + d] += v * wtl;
          dx[tr + d] += v * wtr;
          dx[bl + d] += v * wbl;
          dx[br + d] += v * wbr;
        }
      }
    }
  }
  return makeOutput(backend, images.shape, 'float32', dx);
};
