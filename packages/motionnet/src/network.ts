/**
 * MotionNet (Zhu et al., "Hidden Two-Stream Convolutional Networks", 2017):
 * n+1 RGB frames stacked on channels in, n flow fields out at 1/32, 1/16,
 * 1/8, 1/4 and 1/2 of the input size. Predictions follow FlowNet's
 * convention (flow / 20): multiply by FLOW_FACTORS for pixels at each scale.
 */
import * as tf from '@tensorflow/tfjs';
import { MotionNetError } from './errors.js';

export interface MotionNetConfig {
  /** Frames in (n + 1); n flows out. 2 (pairwise) to 17. */
  frames: number;
  /** Input size (divisible by 32). */
  height: number;
  width: number;
  /** Channel multiplier of the original widths (64 ... 1024). */
  widthMultiplier?: number;
}

/** Scales of the outputs, coarse to fine, as fractions of the input size. */
export const SCALES = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2];
/** Pixels at each output scale = prediction x factor (20 x the scale). */
export const FLOW_FACTORS = SCALES.map((s) => 20 * s);

type T = tf.SymbolicTensor;

export function createMotionNet(config: MotionNetConfig): tf.LayersModel {
  const { frames, height, width } = config;
  if (frames < 2 || frames > 17) throw new MotionNetError('BAD_ARGUMENT', `must be 2..17, got ${frames}`, { path: 'frames' });
  if (height % 32 !== 0 || width % 32 !== 0) throw new MotionNetError('BAD_ARGUMENT', `input size must be divisible by 32, got ${width}x${height}`, { path: 'createMotionNet' });
  const m = config.widthMultiplier ?? 1;
  const ch = (c: number) => Math.max(4, Math.round(c * m));
  const flows = 2 * (frames - 1);
  const conv = (x: T, filters: number, stride: number, name: string) => {
    const y = tf.layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', name, kernelInitializer: 'heNormal' }).apply(x) as T;
    return tf.layers.leakyReLU({ alpha: 0.1, name: `${name}_lrelu` }).apply(y) as T;
  };
  const predict = (x: T, name: string) => tf.layers.conv2d({ filters: flows, kernelSize: 3, padding: 'same', name }).apply(x) as T;
  const deconv = (x: T, filters: number, name: string, activate: boolean) => {
    const y = tf.layers.conv2dTranspose({ filters, kernelSize: 4, strides: 2, padding: 'same', name }).apply(x) as T;
    return activate ? (tf.layers.leakyReLU({ alpha: 0.1, name: `${name}_lrelu` }).apply(y) as T) : y;
  };

  const input = tf.input({ shape: [height, width, 3 * frames], name: 'frames' });
  // encoder: (64, 64, 128/2, 128, 256/2, 256, 512/2, 512, 512/2, 512, 1024/2, 1024)
  const e1 = conv(conv(input, ch(64), 1, 'conv1'), ch(64), 1, 'conv1_1');
  const e2 = conv(conv(e1, ch(128), 2, 'conv2'), ch(128), 1, 'conv2_1'); // 1/2
  const e3 = conv(conv(e2, ch(256), 2, 'conv3'), ch(256), 1, 'conv3_1'); // 1/4
  const e4 = conv(conv(e3, ch(512), 2, 'conv4'), ch(512), 1, 'conv4_1'); // 1/8
  const e5 = conv(conv(e4, ch(512), 2, 'conv5'), ch(512), 1, 'conv5_1'); // 1/16
  const e6 = conv(conv(e5, ch(1024), 2, 'conv6'), ch(1024), 1, 'conv6_1'); // 1/32
  const outputs: T[] = [predict(e6, 'flow6')];
  let features = e6;
  const skips: [T, number, string][] = [
    [e5, 512, '5'],
    [e4, 256, '4'],
    [e3, 128, '3'],
    [e2, 64, '2'],
  ];
  // decoder: deconv of the features + upsampled coarser flow + encoder skip, 3x3 smoothing, flow prediction
  for (const [skip, filters, level] of skips) {
    const up = deconv(features, ch(filters), `deconv${level}`, true);
    const upFlow = deconv(outputs[outputs.length - 1], flows, `upflow${level}`, false);
    const joined = tf.layers.concatenate({ name: `concat${level}` }).apply([skip, up, upFlow]) as T;
    features = conv(joined, ch(filters), 1, `smooth${level}`);
    outputs.push(predict(features, `flow${level}`));
  }
  return tf.model({ inputs: input, outputs, name: 'motionnet' });
}
