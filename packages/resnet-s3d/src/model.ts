/**
 * The S3D ResNet backbones (C2D / S3D / TrajectoryNet) and the classifier,
 * built with the tfjs-layers functional API. Blocks follow the paper's
 * released code: [1x3x3, BN, ReLU, Kx1x1, BN, ReLU] then [1x3x3, BN, ReLU,
 * Kx1x1 (or trajectory), BN], shortcut (1x1x1 conv + BN when the shape
 * changes), ReLU. Only the second temporal conv of a block becomes a
 * trajectory conv.
 */
import * as tf from '@tensorflow/tfjs';
import { TemporalConv3D, TrajectoryConv3D } from '@trajectorynet/trajectory-conv';
import { BLOCKS, type ResolvedConfig, resolveConfig, type TemporalKind, type TrajectoryNetConfig } from './config.js';
import { BatchNorm5D, GlobalAveragePool3D, SpatialConv3D, SpatialMaxPool3D, StackMotion, StageOffsets } from './layers/spatial.js';

type T = tf.SymbolicTensor;

interface BlockContext {
  config: ResolvedConfig;
  /** The stage's offsets input, for trajectory convs. */
  offsets?: T;
  kind: TemporalKind;
  name: string;
}

const relu = (x: T, name: string) => tf.layers.reLU({ name }).apply(x) as T;
const bn = (x: T, name: string) => new BatchNorm5D({ name }).apply(x) as T;
const spatial = (x: T, filters: number, kernelSize: number, stride: number, name: string) => new SpatialConv3D({ filters, kernelSize, stride, name }).apply(x) as T;

/** The Kx1x1 conv after a spatial conv (temporal or trajectory), or nothing for C2D. */
function temporal(x: T, filters: number, ctx: BlockContext, which: 'a' | 'b', timeStride: number): T {
  if (ctx.kind === 'none') return x;
  const name = `${ctx.name}_temporal_${which}`;
  if (ctx.kind === 'trajectory' && which === 'b') {
    return new TrajectoryConv3D({ filters, kernelSize: ctx.config.taps, stride: timeStride, name: `${ctx.name}_trajectory_b` }).apply([x, ctx.offsets as T]) as T;
  }
  return new TemporalConv3D({ filters, kernelSize: ctx.config.taps, stride: timeStride, name }).apply(x) as T;
}

function basicBlock(x: T, filters: number, stride: number, timeStride: number, ctx: BlockContext): T {
  const inChannels = x.shape[4] as number;
  let y = relu(bn(spatial(x, filters, 3, stride, `${ctx.name}_conv_a`), `${ctx.name}_bn_a`), `${ctx.name}_relu_a`);
  if (ctx.kind !== 'none') y = relu(bn(temporal(y, filters, ctx, 'a', timeStride), `${ctx.name}_bn_ta`), `${ctx.name}_relu_ta`);
  y = bn(spatial(y, filters, 3, 1, `${ctx.name}_conv_b`), `${ctx.name}_bn_b`);
  if (ctx.kind !== 'none') y = bn(temporal(relu(y, `${ctx.name}_relu_b`), filters, ctx, 'b', 1), `${ctx.name}_bn_tb`);
  return residual(x, y, filters, stride, timeStride, inChannels, ctx);
}

function bottleneck(x: T, filters: number, stride: number, timeStride: number, ctx: BlockContext): T {
  const inChannels = x.shape[4] as number;
  let y = relu(bn(spatial(x, filters, 1, 1, `${ctx.name}_conv_a`), `${ctx.name}_bn_a`), `${ctx.name}_relu_a`);
  y = relu(bn(spatial(y, filters, 3, stride, `${ctx.name}_conv_b`), `${ctx.name}_bn_b`), `${ctx.name}_relu_b`);
  if (ctx.kind !== 'none') y = relu(bn(temporal(y, filters, ctx, 'b', timeStride), `${ctx.name}_bn_tb`), `${ctx.name}_relu_tb`);
  y = bn(spatial(y, filters * 4, 1, 1, `${ctx.name}_conv_c`), `${ctx.name}_bn_c`);
  return residual(x, y, filters * 4, stride, timeStride, inChannels, ctx);
}

function residual(x: T, y: T, outChannels: number, stride: number, timeStride: number, inChannels: number, ctx: BlockContext): T {
  let shortcut = x;
  if (stride !== 1 || inChannels !== outChannels || timeStride !== 1) {
    shortcut = spatial(x, outChannels, 1, stride, `${ctx.name}_shortcut_conv`);
    if (timeStride !== 1) shortcut = new TemporalConv3D({ filters: outChannels, kernelSize: 1, stride: timeStride, useBias: false, name: `${ctx.name}_shortcut_time` }).apply(shortcut) as T;
    shortcut = bn(shortcut, `${ctx.name}_shortcut_bn`);
  }
  return relu(tf.layers.add({ name: `${ctx.name}_add` }).apply([y, shortcut]) as T, `${ctx.name}_out`);
}

/**
 * Builds the classifier. Inputs: the clip [N, T, H, W, 3] and, when a stage
 * uses trajectory convs, offsets [N, T, H, W, K, 2] at input resolution
 * (pixels; from TV-L1 or MotionNet), resized inside per stage. Output: logits.
 */
export function createTrajectoryNet(config: TrajectoryNetConfig): tf.LayersModel {
  const c = resolveConfig(config);
  const clip = tf.input({ shape: [c.frames, c.size, c.size, 3], name: 'clip' });
  const needsOffsets = c.stages.includes('trajectory');
  const offsetsIn = needsOffsets ? tf.input({ shape: [c.frames, c.size, c.size, c.taps, 2], name: 'offsets' }) : undefined;
  const widths = [64, 128, 256, 512].map((w) => Math.max(4, Math.round(w * c.width)));
  const block = c.depth === 50 ? bottleneck : basicBlock;

  // stem: 1x7x7 stride 2, BN, ReLU, 1x3x3 max-pool stride 2
  let x = relu(bn(spatial(clip, widths[0], 7, 2, 'stem_conv'), 'stem_bn'), 'stem_relu');
  x = new SpatialMaxPool3D({ poolSize: 3, stride: 2, name: 'stem_pool' }).apply(x) as T;
  let factor = 4;
  let timeFactor = 1;
  for (let stage = 0; stage < 4; stage++) {
    const spatialStride = stage === 0 ? 1 : 2;
    factor *= spatialStride;
    const kind = c.stages[stage];
    let offsets: T | undefined;
    if (kind === 'trajectory' && offsetsIn != null) {
      offsets = new StageOffsets({ factor, timeStride: timeFactor * c.temporalStrides[stage], name: `res${stage + 2}_offsets` }).apply(offsetsIn) as T;
      if (c.withMotion) {
        // the motion stack goes in at the stage's input resolution (before the first block's stride)
        const inputOffsets = new StageOffsets({ factor: factor / spatialStride, timeStride: timeFactor, name: `res${stage + 2}_motion_offsets` }).apply(offsetsIn) as T;
        x = new StackMotion({ name: `res${stage + 2}_motion` }).apply([x, inputOffsets]) as T;
      }
    }
    for (let b = 0; b < BLOCKS[c.depth][stage]; b++) {
      const first = b === 0;
      x = block(x, widths[stage], first ? spatialStride : 1, first ? c.temporalStrides[stage] : 1, { config: c, offsets, kind, name: `res${stage + 2}_${b}` });
    }
    timeFactor *= c.temporalStrides[stage];
  }
  let head = new GlobalAveragePool3D({ name: 'pool' }).apply(x) as T;
  if (c.dropout > 0) head = tf.layers.dropout({ rate: c.dropout, name: 'dropout' }).apply(head) as T;
  const logits = tf.layers.dense({ units: c.numClasses, name: 'fc' }).apply(head) as T;
  return tf.model({ inputs: offsetsIn != null ? [clip, offsetsIn] : [clip], outputs: logits, name: `resnet${c.depth}_s3d` });
}
