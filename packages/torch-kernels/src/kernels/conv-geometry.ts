/** The geometry tfjs computes for a 2D conv, in the form the addon takes. */
import * as tf from '@tensorflow/tfjs';

export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface NativeConvGeometry {
  /** [N, OH, OW, Cout] */
  outShape: number[];
  strides: number[];
  /** top, bottom, left, right */
  pads: number[];
  dilations: number[];
}

export function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): NativeConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  return {
    outShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    strides: [info.strideHeight, info.strideWidth],
    pads: [top, bottom, left, right],
    dilations: [info.dilationHeight, info.dilationWidth],
  };
}

/** Layouts and paddings the addon takes: NHWC, non-negative padding (tfjs's 'valid' rounding can make it negative). */
export const nativeConvOk = (attrs: ConvAttrs, g: NativeConvGeometry) =>
  (attrs.dataFormat ?? 'NHWC') === 'NHWC' && g.pads.every((p) => p >= 0) && g.outShape.every((d) => d > 0);
