/**
 * tfjs-layers wrappers: `TrajectoryConv3D` (called on [features, offsets]) and
 * `TemporalConv3D` (the plain Kx1x1 conv), both on [N, T, H, W, C] tensors.
 * Kernels are Kaiming-initialised ([K, Cin, Cout], fan-in K * Cin) and biases
 * start at 0.2, as in the paper's released code for its new temporal convs.
 */
import * as tf from '@tensorflow/tfjs';
import { TrajectoryConvError } from '../ops/errors.js';
import { temporalConv } from '../ops/temporal-conv.js';
import { type ConvActivation, trajectoryConv } from '../ops/trajectory-conv.js';
import { outputLength } from '../ops/trajectory-sample.js';

export interface TemporalConvLayerArgs {
  filters: number;
  /** Taps K (odd). Default 3. */
  kernelSize?: number;
  stride?: number;
  dilation?: number;
  useBias?: boolean;
  /** Initial bias value. Default 0.2. */
  biasInit?: number;
  name?: string;
  trainable?: boolean;
  /**
   * Set: bias and activation fused into the conv (one kernel; see ConvOptions),
   * as a network with its BatchNorms folded in runs. Default: unfused.
   */
  activation?: ConvActivation;
}

type Shape = (number | null)[];

abstract class TemporalLayerBase extends tf.layers.Layer {
  protected readonly filters: number;
  protected readonly kernelSize: number;
  protected readonly stride: number;
  protected readonly dilation: number;
  protected readonly useBias: boolean;
  protected readonly biasInit: number;
  protected readonly activation?: ConvActivation;
  protected kernel?: tf.LayerVariable;
  protected bias?: tf.LayerVariable;

  constructor(args: TemporalConvLayerArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? 3;
    this.stride = args.stride ?? 1;
    this.dilation = args.dilation ?? 1;
    this.useBias = args.useBias ?? true;
    this.biasInit = args.biasInit ?? 0.2;
    this.activation = args.activation;
    if (this.activation != null && this.activation !== 'linear' && this.activation !== 'relu') {
      throw new TrajectoryConvError('BAD_ARGUMENT', `activation must be 'linear' or 'relu', got '${this.activation}'`, { path: this.getClassName() });
    }
    if (this.kernelSize % 2 !== 1) throw new TrajectoryConvError('BAD_ARGUMENT', `kernelSize must be odd, got ${this.kernelSize}`, { path: this.getClassName() });
  }

  protected buildWeights(channels: number): void {
    this.kernel = this.addWeight('kernel', [this.kernelSize, channels, this.filters], 'float32', tf.initializers.heNormal({}));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.constant({ value: this.biasInit }));
    this.built = true;
  }

  protected outputShapeOf(featureShape: Shape): Shape {
    const [n, t, h, w] = featureShape;
    return [n, t == null ? null : outputLength(t, this.stride), h, w, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      stride: this.stride,
      dilation: this.dilation,
      useBias: this.useBias,
      biasInit: this.biasInit,
      // only when set: the configs of unfused layers stay as they were
      ...(this.activation != null ? { activation: this.activation } : {}),
    };
  }
}

export class TemporalConv3D extends TemporalLayerBase {
  static className = 'TemporalConv3D';

  override build(inputShape: Shape | Shape[]): void {
    this.buildWeights((inputShape as Shape)[4] as number);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.outputShapeOf(inputShape as Shape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return temporalConv(x, (this.kernel as tf.LayerVariable).read(), {
      stride: this.stride,
      dilation: this.dilation,
      bias: this.bias?.read() as tf.Tensor1D | undefined,
      activation: this.activation,
    });
  }
}

export class TrajectoryConv3D extends TemporalLayerBase {
  static className = 'TrajectoryConv3D';

  override build(inputShape: Shape | Shape[]): void {
    this.buildWeights((inputShape as Shape[])[0][4] as number);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.outputShapeOf((inputShape as Shape[])[0]);
  }

  /** inputs: [features [N, T, H, W, C], offsets [N, ceil(T / stride), H, W, K, 2]]. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new TrajectoryConvError('BAD_ARGUMENT', 'call it on [features, offsets]', { path: 'TrajectoryConv3D' });
    return trajectoryConv(inputs[0], inputs[1], (this.kernel as tf.LayerVariable).read(), {
      stride: this.stride,
      dilation: this.dilation,
      bias: this.bias?.read() as tf.Tensor1D | undefined,
      activation: this.activation,
    });
  }
}

tf.serialization.registerClass(TemporalConv3D);
tf.serialization.registerClass(TrajectoryConv3D);
