/**
 * tfjs pooling windows as ATen's: window i starts at i * stride - top in both;
 * ATen pads symmetrically (top, left) and adds the last, partial windows in
 * ceil mode. Returns null when no such setting gives tfjs's output size.
 */
import * as tf from '@tensorflow/tfjs';

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface NativePoolGeometry {
  outShape: number[];
  kernel: number[];
  strides: number[];
  /** ATen's symmetric padding: top, left */
  pads: number[];
  ceil: boolean;
}

// ATen's pooling_output_shape (dilation 1)
function atenOut(size: number, k: number, pad: number, stride: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * pad - k + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

export function poolGeometry(xShape: number[], attrs: PoolAttrs): NativePoolGeometry | null {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { top, left } = info.padInfo;
  const [kh, kw, sh, sw] = [info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth];
  if (top < 0 || left < 0 || top > kh / 2 || left > kw / 2 || info.outHeight <= 0 || info.outWidth <= 0) return null;
  for (const ceil of [false, true]) {
    if (atenOut(info.inHeight, kh, top, sh, ceil) === info.outHeight && atenOut(info.inWidth, kw, left, sw, ceil) === info.outWidth) {
      return { outShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels], kernel: [kh, kw], strides: [sh, sw], pads: [top, left], ceil };
    }
  }
  return null;
}
