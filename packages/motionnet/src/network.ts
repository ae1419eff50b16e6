/**
 * MotionNet (Zhu et al., "Hidden Two-Stream Convolutional Networks", 2017):
 * n+1 RGB frames stacked on channels in (minus the Caffe mean: stackFrames),
 * n flow fields out at 1/32, 1/16, 1/8, 1/4 and 1/2 of the input size. Predictions follow FlowNet's
 * convention (flow / 20): multiply by FLOW_FACTORS for pixels at each scale.
 */
import * as tf from '@tensorflow/tfjs';
import { MotionNetError } from './errors.js';

/** MotionNet-(17): 17 consecutive frames (16 flows) for the paper's 16-frame clips. */
export const MOTIONNET_FRAMES = 17;

export interface MotionNetConfig {
  /** Consecutive frames in (n + 1); n flows out. 2 (pairwise) to 17. Default MOTIONNET_FRAMES (17). */
  frames?: number;
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
  const { frames = MOTIONNET_FRAMES, height, width } = config;
  if (!Number.isInteger(frames) || frames < 2 || frames > 17) throw new MotionNetError('BAD_ARGUMENT', `must be 2..17, got ${frames}`, { path: 'frames' });
  if (height % 32 !== 0 || width % 32 !== 0) throw new MotionNetError('BAD_ARGUMENT', `input size must be divisible by 32, got ${width}x${height}`, { path: 'createMotionNet' });
  const m = config.widthMultiplier ?? 1;
  const ch = (c: number) => Math.max(4, Math.round(c * m));
  const flows = 2 * (frames - 1);
  // all weights MSRA (He) initialised as the prototxt; deconvolution biases are fixed at 0 there (lr_mult 0), so they have none here
  const conv = (x: T, filters: number, stride: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', name, kernelInitializer: 'heNormal' }).apply(x) as T;
  const leaky = (x: T, name: string) => tf.layers.leakyReLU({ alpha: 0.1, name }).apply(x) as T;
  const encode = (x: T, filters: number, stride: number, name: string) => leaky(conv(x, filters, stride, name), `${name}_lrelu`);
  const predict = (x: T, name: string) => conv(x, flows, 1, name);
  const deconv = (x: T, filters: number, name: string) =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false, name, kernelInitializer: 'heNormal' }).apply(x) as T;

  const input = tf.input({ shape: [height, width, 3 * frames], name: 'frames' });
  // encoder: (64, 64, 128/2, 128, 256/2, 256, 512/2, 512, 512/2, 512, 1024/2, 1024)
  const e1 = encode(encode(input, ch(64), 1, 'conv1'), ch(64), 1, 'conv1_1');
  const e2 = encode(encode(e1, ch(128), 2, 'conv2'), ch(128), 1, 'conv2_1'); // 1/2
  const e3 = encode(encode(e2, ch(256), 2, 'conv3'), ch(256), 1, 'conv3_1'); // 1/4
  const e4 = encode(encode(e3, ch(512), 2, 'conv4'), ch(512), 1, 'conv4_1'); // 1/8
  const e5 = encode(encode(e4, ch(512), 2, 'conv5'), ch(512), 1, 'conv5_1'); // 1/16
  const e6 = encode(encode(e5, ch(1024), 2, 'conv6'), ch(1024), 1, 'conv6_1'); // 1/32
  const outputs: T[] = [predict(e6, 'flow6')];
  let features = e6;
  const skips: [T, number, string][] = [
    [e5, 512, '5'],
    [e4, 256, '4'],
    [e3, 128, '3'],
    [e2, 64, '2'],
  ];
  // decoder: LeakyReLU(deconv of the features) + upsampled coarser flow + encoder skip, a 3x3 smoothing conv
  // (no activation after it, as the prototxt), flow prediction
  for (const [skip, filters, level] of skips) {
    const up = leaky(deconv(features, ch(filters), `deconv${level}`), `deconv${level}_lrelu`);
    const upFlow = deconv(outputs[outputs.length - 1], flows, `upflow${level}`);
    const joined = tf.layers.concatenate({ name: `concat${level}` }).apply([skip, up, upFlow]) as T;
    features = conv(joined, ch(filters), 1, `smooth${level}`);
    outputs.push(predict(features, `flow${level}`));
  }
  return tf.model({ inputs: input, outputs, name: 'motionnet' });
}
