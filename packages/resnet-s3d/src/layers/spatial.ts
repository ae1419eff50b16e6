/**
 * Layers on [N, T, H, W, C] tensors built from 2D kernels on [N*T, H, W, C]
 * (tfjs's 3D kernels are slow or wrong on wasm): the 1xkxk spatial conv,
 * BatchNorm over (N, T, H, W), the 1xkxk max-pool, global average pooling,
 * and the offsets plumbing of trajectory stages.
 */
import * as tf from '@tensorflow/tfjs';
import { resizeOffsets, subsampleOffsets } from '@trajectorynet/trajectory-conv';
import { ResNetS3DError } from '../errors.js';
import { batchNormTraining } from './batch-norm-training.js';

type Shape = (number | null)[];

const fold = (x: tf.Tensor) => tf.reshape(x, [-1, x.shape[2] as number, x.shape[3] as number, x.shape[4] as number]) as tf.Tensor4D;
const unfold = (x: tf.Tensor, n: number, t: number) => tf.reshape(x, [n, t, x.shape[1] as number, x.shape[2] as number, x.shape[3] as number]);
const spatialOut = (size: number | null, stride: number) => (size == null ? null : Math.ceil(size / stride));

/**
 * PyTorch's padding: (k-1)/2 on every side. TF's 'same' is that for stride 1
 * but pads one more pixel at the bottom/right than the top/left with stride 2
 * (on even sizes), which shifts every strided layer of inflated torchvision
 * weights by a pixel; with a stride, the pool gets the padding itself
 * (positions in it never win the max) and rounds down, which gives
 * ceil(size / stride) for odd k, as 'same'. One kernel, no PadV2 first.
 */
function poolPadding(kernelSize: number, stride: number): ['same' | number, 'floor' | undefined] {
  return stride === 1 ? ['same', undefined] : [(kernelSize - 1) / 2, 'floor'];
}

/**
 * The same padding for a convolution, given to the conv itself (explicit padding) instead of a
 * separate pad: one kernel less per strided conv (a WebGL program costs a fixed ~0.2 ms on a
 * software rasteriser), the same sums (the zeros pad added contributed nothing).
 */
function convPadding(kernelSize: number, stride: number): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  if (stride === 1) return 'same';
  const p = (kernelSize - 1) / 2;
  return p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
}

export interface SpatialConvArgs {
  filters: number;
  kernelSize: number;
  stride?: number;
  name?: string;
  /** A bias (zeros at first). Default false: a BatchNorm follows. Folded networks (foldBatchNorm) have one. */
  useBias?: boolean;
  /** Set: bias and activation fused into the conv (one FusedConv2D kernel). Default: a plain conv2d. */
  activation?: 'linear' | 'relu';
}

/**
 * 1 x k x k convolution (odd k), padded (k-1)/2 on every side as PyTorch's
 * ResNet, no bias (a BatchNorm follows); with `useBias` / `activation` (what
 * `foldBatchNorm` makes of a conv + BatchNorm (+ ReLU)) tfjs's fused conv2d.
 */
export class SpatialConv3D extends tf.layers.Layer {
  static className = 'SpatialConv3D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly useBias: boolean;
  readonly activation?: 'linear' | 'relu';
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SpatialConvArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.stride = args.stride ?? 1;
    this.useBias = args.useBias ?? false;
    this.activation = args.activation;
    if (this.activation != null && this.activation !== 'linear' && this.activation !== 'relu') {
      throw new ResNetS3DError('BAD_ARGUMENT', `must be 'linear' or 'relu', got '${this.activation}'`, { path: `${this.name}.activation` });
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = (inputShape as Shape)[4] as number;
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, c, this.filters], 'float32', tf.initializers.heNormal({}));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, h, w] = inputShape as Shape;
    return [n, t, spatialOut(h, this.stride), spatialOut(w, this.stride), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const folded = fold(x);
      const pad = convPadding(this.kernelSize, this.stride);
      const filter = (this.kernel as tf.LayerVariable).read() as tf.Tensor4D;
      const bias = this.bias?.read() as tf.Tensor1D | undefined;
      const y =
        this.activation != null
          ? tf.fused.conv2d({ x: folded, filter, strides: this.stride, pad, bias, activation: this.activation })
          : bias != null
            ? tf.add(tf.conv2d(folded, filter, this.stride, pad), bias)
            : tf.conv2d(folded, filter, this.stride, pad);
      return unfold(y, x.shape[0], x.shape[1] as number);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // useBias / activation only when set: an unfused layer's config stays as it was
    const fused = { ...(this.useBias ? { useBias: true } : {}), ...(this.activation != null ? { activation: this.activation } : {}) };
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, stride: this.stride, ...fused };
  }
}

/** BatchNorm over N, T, H, W (per channel); moving statistics as PyTorch (momentum 0.1, eps 1e-5). */
export class BatchNorm5D extends tf.layers.Layer {
  static className = 'BatchNorm5D';
  readonly momentum: number;
  readonly epsilon: number;
  /** 'frozen': use the moving statistics and do not update them, even in training. */
  frozen: boolean;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  private movingMean?: tf.LayerVariable;
  private movingVariance?: tf.LayerVariable;

  constructor(args: { name?: string; momentum?: number; epsilon?: number; frozen?: boolean } = {}) {
    super({ name: args.name });
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
    this.frozen = args.frozen ?? false;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = (inputShape as Shape)[4] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const gamma = (this.gamma as tf.LayerVariable).read();
    const beta = (this.beta as tf.LayerVariable).read();
    const movingMean = this.movingMean as tf.LayerVariable;
    const movingVariance = this.movingVariance as tf.LayerVariable;
    if (!kwargs.training || this.frozen) {
      return tf.tidy(() => tf.reshape(tf.batchNorm(fold(x), movingMean.read(), movingVariance.read(), beta, gamma, this.epsilon), x.shape));
    }
    return tf.tidy(() => {
      // one op with its gradient written out, over the rows of the [N*T*H*W, C] view
      const channels = x.shape[4] as number;
      // moving statistics: the unbiased batch variance, as PyTorch keeps it (updated inside the op)
      const running = { mean: movingMean.read() as tf.Tensor1D, variance: movingVariance.read() as tf.Tensor1D, momentum: this.momentum };
      const { y, runningMean, runningVariance } = batchNormTraining(tf.reshape(x, [-1, channels]) as tf.Tensor2D, gamma as tf.Tensor1D, beta as tf.Tensor1D, this.epsilon, running);
      movingMean.write(runningMean as tf.Tensor1D);
      movingVariance.write(runningVariance as tf.Tensor1D);
      return tf.reshape(y, x.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, frozen: this.frozen };
  }
}

/** 1 x k x k max-pool (odd k), padded (k-1)/2 on every side as PyTorch's (padding never wins the max). */
export class SpatialMaxPool3D extends tf.layers.Layer {
  static className = 'SpatialMaxPool3D';
  readonly poolSize: number;
  readonly stride: number;

  constructor(args: { poolSize: number; stride: number; name?: string }) {
    super({ name: args.name });
    this.poolSize = args.poolSize;
    this.stride = args.stride;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, h, w, c] = inputShape as Shape;
    return [n, t, spatialOut(h, this.stride), spatialOut(w, this.stride), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [pad, rounding] = poolPadding(this.poolSize, this.stride);
      return unfold(tf.maxPool(fold(x), this.poolSize, this.stride, pad, rounding), x.shape[0], x.shape[1] as number);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, stride: this.stride };
  }
}

/** Mean over T, H, W: [N, T, H, W, C] -> [N, C]. */
export class GlobalAveragePool3D extends tf.layers.Layer {
  static className = 'GlobalAveragePool3D';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0], s[4]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mean(Array.isArray(inputs) ? inputs[0] : inputs, [1, 2, 3]));
  }
}

/**
 * Offsets at input resolution [N, T, H, W, K, 2] -> the offsets of a stage
 * `factor` times smaller and with temporal stride `timeStride`.
 */
export class StageOffsets extends tf.layers.Layer {
  static className = 'StageOffsets';
  readonly factor: number;
  readonly timeStride: number;

  constructor(args: { factor: number; timeStride?: number; name?: string }) {
    super({ name: args.name });
    this.factor = args.factor;
    this.timeStride = args.timeStride ?? 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, h, w, k, two] = inputShape as Shape;
    return [n, t == null ? null : Math.ceil(t / this.timeStride), spatialOut(h, this.factor), spatialOut(w, this.factor), k, two];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const offsets = Array.isArray(inputs) ? inputs[0] : inputs;
      const resized = resizeOffsets(offsets, this.factor);
      return this.timeStride === 1 ? resized : subsampleOffsets(resized, this.timeStride);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor, timeStride: this.timeStride };
  }
}

/** "With motion": the offsets [N, T, H, W, K, 2] as 2K extra channels after the features [N, T, H, W, C]. */
export class StackMotion extends tf.layers.Layer {
  static className = 'StackMotion';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [features, offsets] = inputShape as Shape[];
    return [...features.slice(0, 4), (features[4] as number) + (offsets[4] as number) * 2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [features, offsets] = inputs as tf.Tensor[];
      const [n, t, h, w, k] = offsets.shape;
      return tf.concat([features, tf.reshape(offsets, [n, t, h, w, (k as number) * 2])], 4);
    });
  }
}

for (const layer of [SpatialConv3D, BatchNorm5D, SpatialMaxPool3D, GlobalAveragePool3D, StageOffsets, StackMotion]) tf.serialization.registerClass(layer);
