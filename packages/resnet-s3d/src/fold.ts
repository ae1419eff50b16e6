/**
 * `foldBatchNorm`: a backbone for inference with every BatchNorm folded into
 * the convolution before it and every ReLU after such a pair fused into that
 * convolution. In inference mode a BatchNorm is an affine map per channel,
 *
 *   y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta = conv'(x) + b'
 *
 * with conv' = conv's kernel times a = gamma / sqrt(var + eps) along its
 * output channels and b' = (b - mean) * a + beta (b = 0 for a conv without
 * bias, which gets one). The convs (SpatialConv3D, TemporalConv3D,
 * TrajectoryConv3D) then run tfjs's fused conv2d / matMul with the bias and the
 * ReLU inside (FusedConv2D / _FusedMatMul: one kernel instead of conv,
 * reshape, batchNorm, reshape, relu), natively under wasm with the libtorch
 * kernels.
 *
 * A block's last temporal or trajectory conv also takes the block's Add
 * (with the shortcut) and the ReLU after it (`residual: true`, see
 * fuseResiduals): one WebGL program instead of three to six.
 *
 * The new model is rebuilt from the old one's topology (the same layer
 * classes and names, so it saves and loads like any backbone), its weights
 * folded in float64. A BatchNorm is folded only when its input is such a conv
 * whose output nothing else reads; any other BatchNorm stays as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { ResNetS3DError } from './errors.js';
import { registerLayers } from './register.js';

/** A layer in a functional model's Python-style JSON topology. */
interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** Per node, its inputs: [layer name, node index, tensor index, kwargs]. */
  inbound_nodes: [string, number, number, unknown][][];
}

interface TopologyJson {
  class_name: string;
  config: { layers: LayerJson[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
}

const CONVS = new Set(['SpatialConv3D', 'TemporalConv3D', 'TrajectoryConv3D']);

export interface FoldReport {
  /** The BatchNorms folded into a conv and the ReLUs fused into one. */
  batchNorms: number;
  relus: number;
  /** BatchNorms left as they are (input not a conv of its own). */
  kept: number;
  /** Residual adds (with the ReLU after them) fused into the temporal or trajectory conv before them. */
  residuals: number;
}

/** The conv a BatchNorm can be folded into: its one input, a conv whose output only it reads. */
function foldableConv(bn: LayerJson, byName: Map<string, LayerJson>, readers: Map<string, number>): LayerJson | null {
  if (bn.inbound_nodes.length !== 1 || bn.inbound_nodes[0].length !== 1) return null;
  const conv = byName.get(bn.inbound_nodes[0][0][0]);
  if (conv == null || !CONVS.has(conv.class_name) || conv.inbound_nodes.length !== 1 || readers.get(conv.name) !== 1) return null;
  // a conv that already fuses an activation cannot take the affine map after it
  if (conv.config.activation != null && conv.config.activation !== 'linear') return null;
  return conv;
}

/** The weights of a layer by name (the part after the last '/'). */
function weightsByName(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const values = layer.getWeights();
  return new Map(layer.weights.map((w, i) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), values[i]]));
}

/** Folds BatchNorm `bn` into conv `conv`: [kernel, bias] of the folded conv (kernels' output channels last). */
function foldedWeights(conv: tf.layers.Layer, bn: tf.layers.Layer, epsilon: number): tf.Tensor[] {
  const c = weightsByName(conv);
  const b = weightsByName(bn);
  const kernel = c.get('kernel');
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => b.get(n));
  if (kernel == null || gamma == null || beta == null || mean == null || variance == null) {
    throw new ResNetS3DError('BAD_ARGUMENT', `cannot fold ${bn.name} into ${conv.name}: missing weights`, { path: bn.name });
  }
  const channels = kernel.shape[kernel.rank - 1];
  const [g, be, m, v] = [gamma, beta, mean, variance].map((t) => t.dataSync());
  const oldBias = c.get('bias')?.dataSync();
  const scale = new Float64Array(channels);
  const bias = new Float32Array(channels);
  for (let i = 0; i < channels; i++) {
    scale[i] = g[i] / Math.sqrt(v[i] + epsilon);
    bias[i] = ((oldBias?.[i] ?? 0) - m[i]) * scale[i] + be[i];
  }
  const k = kernel.dataSync();
  const folded = new Float32Array(k.length);
  for (let i = 0; i < k.length; i++) folded[i] = k[i] * scale[i % channels];
  return [tf.tensor(folded, kernel.shape), tf.tensor1d(bias)];
}

const RESIDUAL_CONVS = new Set(['TemporalConv3D', 'TrajectoryConv3D']);

/**
 * A block's end, Add(conv + folded BatchNorm, shortcut) then ReLU, becomes the
 * conv with the shortcut as one more input (`residual: true`) and the ReLU
 * inside: relu(conv(x) + bias + shortcut), one WebGL program (the fused
 * kernels of @trajectorynet/trajectory-conv) instead of three to six. Only for
 * temporal and trajectory convs whose BatchNorm was folded (activation
 * 'linear') and whose output only the Add reads, an Add only the ReLU reads.
 */
function fuseResiduals(layers: LayerJson[], byName: Map<string, LayerJson>, readers: Map<string, number>, replaced: Map<string, string>, report: FoldReport): void {
  const readerOf = new Map<string, LayerJson>();
  for (const l of layers) for (const node of l.inbound_nodes) for (const input of node) readerOf.set(input[0], l);
  for (const add of layers) {
    if (add.class_name !== 'Add' || add.inbound_nodes.length !== 1 || add.inbound_nodes[0].length !== 2 || readers.get(add.name) !== 1) continue;
    const relu = readerOf.get(add.name);
    if (relu == null || relu.class_name !== 'ReLU' || relu.config.max_value != null || relu.inbound_nodes.length !== 1 || relu.inbound_nodes[0].length !== 1) continue;
    const inputs = add.inbound_nodes[0];
    const side = inputs.findIndex((input) => {
      const conv = byName.get(replaced.get(input[0]) ?? '');
      return conv != null && RESIDUAL_CONVS.has(conv.class_name) && conv.config.activation === 'linear' && conv.config.residual == null && readers.get(input[0]) === 1;
    });
    if (side < 0) continue;
    const conv = byName.get(replaced.get(inputs[side][0]) as string) as LayerJson;
    const shortcut = inputs[1 - side];
    conv.inbound_nodes[0].push([shortcut[0], shortcut[1], shortcut[2], shortcut[3]]);
    conv.config.residual = true;
    conv.config.activation = 'relu';
    replaced.set(add.name, conv.name);
    replaced.set(relu.name, conv.name);
    report.residuals++;
  }
}

/**
 * The model with its BatchNorms folded into the convs before them and ReLUs
 * fused (see the module comment), for inference only (no BatchNorm left to
 * train). The given model is left as it is; dispose it if it is no longer
 * needed. Outputs equal the given model's in inference mode within float32
 * rounding.
 */
export async function foldBatchNorm(model: tf.LayersModel): Promise<{ model: tf.LayersModel; report: FoldReport }> {
  registerLayers();
  const topology = model.toJSON(null, false) as unknown as TopologyJson;
  const layers = topology.config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  // how many node inputs (and model outputs) read each layer's output
  const readers = new Map<string, number>();
  const read = (name: string) => readers.set(name, (readers.get(name) ?? 0) + 1);
  for (const l of layers) for (const node of l.inbound_nodes) for (const input of node) read(input[0]);
  for (const output of topology.config.output_layers) read(output[0]);

  /** Removed layer -> the conv that now gives its output. */
  const replaced = new Map<string, string>();
  /** Folded conv -> its BatchNorm. */
  const folds = new Map<string, string>();
  const report: FoldReport = { batchNorms: 0, relus: 0, kept: 0, residuals: 0 };
  for (const l of layers) {
    if (l.class_name === 'BatchNorm5D') {
      const conv = foldableConv(l, byName, readers);
      if (conv == null) {
        report.kept++;
        continue;
      }
      conv.config.use_bias = true;
      conv.config.activation = 'linear';
      replaced.set(l.name, conv.name);
      folds.set(conv.name, l.name);
      report.batchNorms++;
    } else if (l.class_name === 'ReLU' && l.config.max_value == null && l.inbound_nodes.length === 1 && l.inbound_nodes[0].length === 1) {
      // a ReLU whose input is a folded BatchNorm that only it reads
      const source = l.inbound_nodes[0][0][0];
      const conv = replaced.get(source);
      if (conv == null || readers.get(source) !== 1 || byName.get(conv)?.config.activation !== 'linear') continue;
      (byName.get(conv) as LayerJson).config.activation = 'relu';
      replaced.set(l.name, conv);
      report.relus++;
    }
  }
  fuseResiduals(layers, byName, readers, replaced, report);
  const target = (name: string) => replaced.get(name) ?? name;
  topology.config.layers = layers.filter((l) => !replaced.has(l.name));
  for (const l of topology.config.layers) for (const node of l.inbound_nodes) for (const input of node) input[0] = target(input[0]);
  for (const output of topology.config.output_layers) output[0] = target(output[0]);

  const folded = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  for (const layer of folded.layers) {
    if (layer.weights.length === 0) continue;
    const bnName = folds.get(layer.name);
    const old = model.getLayer(layer.name);
    if (bnName == null) {
      layer.setWeights(old.getWeights());
      continue;
    }
    const bn = model.getLayer(bnName);
    const weights = foldedWeights(old, bn, Number((bn.getConfig() as { epsilon?: number }).epsilon ?? 1e-3));
    layer.setWeights(weights);
    tf.dispose(weights);
  }
  return { model: folded, report };
}
