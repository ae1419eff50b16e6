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
  /**
   * Set: the layer takes one more input, last, [N, To, H, W, Cout], added to
   * the conv's output before the activation (a ResNet block's shortcut; what
   * `foldBatchNorm` makes of conv + BatchNorm + Add + ReLU). Default false.
   */
  residual?: boolean;
}

type Shape = (number | null)[];

/** The features' shape among a layer's input shapes (the first). */
const featureShape = (inputShape: Shape | Shape[]): Shape => (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape));

abstract class TemporalLayerBase extends tf.layers.Layer {
  protected readonly filters: number;
  protected readonly kernelSize: number;
  protected readonly stride: number;
  protected readonly dilation: number;
  protected readonly useBias: boolean;
  protected readonly biasInit: number;
  protected readonly activation?: ConvActivation;
  protected readonly residual: boolean;
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
    this.residual = args.residual ?? false;
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
      ...(this.residual ? { residual: true } : {}),
    };
  }

  /** The inputs as an array of `count` tensors (plus the residual, last, when the layer has one). */
  protected inputList(inputs: tf.Tensor | tf.Tensor[], count: number): tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const expected = count + (this.residual ? 1 : 0);
    if (list.length !== expected) {
      const what = count === 1 ? 'features' : 'features, offsets';
      throw new TrajectoryConvError('BAD_ARGUMENT', `call it on [${what}${this.residual ? ', residual' : ''}] (${expected} tensors), got ${list.length}`, { path: this.getClassName() });
    }
    return list;
  }
}

export class TemporalConv3D extends TemporalLayerBase {
  static className = 'TemporalConv3D';

  override build(inputShape: Shape | Shape[]): void {
    this.buildWeights(featureShape(inputShape)[4] as number);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.outputShapeOf(featureShape(inputShape));
  }

  /** inputs: features [N, T, H, W, C] (and the residual, with `residual`). */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const list = Array.isArray(inputs) && !this.residual ? inputs.slice(0, 1) : inputs;
    const [x, residual] = this.inputList(list, 1);
    return temporalConv(x, (this.kernel as tf.LayerVariable).read(), {
      stride: this.stride,
      dilation: this.dilation,
      bias: this.bias?.read() as tf.Tensor1D | undefined,
      activation: this.activation,
      residual,
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

  /** inputs: [features [N, T, H, W, C], offsets [N, ceil(T / stride), H, W, K, 2]] (and the residual, with `residual`). */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, offsets, residual] = this.inputList(inputs, 2);
    return trajectoryConv(x, offsets, (this.kernel as tf.LayerVariable).read(), {
      stride: this.stride,
      dilation: this.dilation,
      bias: this.bias?.read() as tf.Tensor1D | undefined,
      activation: this.activation,
      residual,
    });
  }
}

tf.serialization.registerClass(TemporalConv3D);
tf.serialization.registerClass(TrajectoryConv3D);
