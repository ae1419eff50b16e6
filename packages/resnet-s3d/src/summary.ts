/** Parameter and compute counts of a built network, per layer kind and in total. */
import type * as tf from '@tensorflow/tfjs';

export interface ModelSummary {
  /** Trainable parameters (what PyTorch's parameters() counts; BatchNorm moving statistics excluded). */
  parameters: number;
  /** Non-trainable values (BatchNorm moving statistics). */
  buffers: number;
  /** Multiply-accumulates for one clip (conv, temporal/trajectory conv, dense). */
  macs: number;
  /** Bilinear-sampling work of the trajectory convs: 4 corner reads x K x Cin per output position. */
  samplingMacs: number;
  byKind: Record<string, { layers: number; parameters: number; macs: number }>;
}

type Shape = (number | null)[];

const sizeOf = (shape: Shape) => shape.reduce((a: number, d) => a * (d ?? 1), 1);


/** Counts for one clip (batch 1) at the model's input size. */
export function summarize(model: tf.LayersModel): ModelSummary {
  const summary: ModelSummary = { parameters: 0, buffers: 0, macs: 0, samplingMacs: 0, byKind: {} };
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const params = layer.trainableWeights.reduce((a, w) => a + sizeOf(w.shape), 0);
    const buffers = layer.nonTrainableWeights.reduce((a, w) => a + sizeOf(w.shape), 0);
    let macs = 0;
    const out = layer.outputShape as Shape;
    const positions = out.slice(1, -1).reduce((a: number, d) => a * (d ?? 1), 1);
    const kernel = layer.trainableWeights.find((w) => w.originalName.endsWith('kernel'));
    if (kernel != null && (kind === 'SpatialConv3D' || kind === 'TemporalConv3D' || kind === 'TrajectoryConv3D' || kind === 'Dense')) {
      // kernel sizes: spatial [k, k, Cin, Cout], temporal [K, Cin, Cout], dense [Cin, Cout]: one MAC per kernel entry per output position
      macs = positions * sizeOf(kernel.shape);
    }
    if (kind === 'TrajectoryConv3D' && kernel != null) {
      const [k, cin] = kernel.shape as number[];
      summary.samplingMacs += positions * 4 * k * cin;
    }
    summary.parameters += params;
    summary.buffers += buffers;
    summary.macs += macs;
    const entry = summary.byKind[kind] ?? { layers: 0, parameters: 0, macs: 0 };
    entry.layers += 1;
    entry.parameters += params;
    entry.macs += macs;
    summary.byKind[kind] = entry;
  }
  return summary;
}
