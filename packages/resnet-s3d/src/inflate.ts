/**
 * Inflating ImageNet-pretrained 2D ResNet weights, as the paper does: the 2D
 * kernels of torchvision's resnet18/34/50 go into the 1x7x7 / 1x3x3 / 1x1x1
 * convs, BatchNorm statistics into BatchNorm5D, and the new temporal and
 * trajectory convs keep their own initialisation (Kaiming, bias 0.2). The fc
 * layer is copied only when asked (`classifier: true`, a head of the same
 * classes, e.g. ImageNet's 1000): a C2D then computes, for each frame,
 * torchvision's logits, averaged over the frames.
 *
 * Input: a safetensors file of the state_dict (float32), e.g. written with
 * `safetensors.torch.save_file(torchvision.models.resnet18(weights='DEFAULT').state_dict(), 'r18.safetensors')`.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { ResNetS3DError } from './errors.js';


interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Reads every float32 tensor of a safetensors file: name -> { shape, values }. */
export async function readSafetensors(file: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ResNetS3DError('BAD_CHECKPOINT', `cannot read (${(error as NodeJS.ErrnoException).code ?? error})`, { path: file });
  }
  if (bytes.byteLength < 8) throw new ResNetS3DError('BAD_CHECKPOINT', 'not a safetensors file (too short)', { path: file });
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > bytes.byteLength) throw new ResNetS3DError('BAD_CHECKPOINT', `bad header length ${headerLength}`, { path: file });
  let header: Record<string, SafetensorsEntry | Record<string, string>>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  } catch {
    throw new ResNetS3DError('BAD_CHECKPOINT', 'the header is not JSON', { path: file });
  }
  const data = bytes.subarray(8 + headerLength);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as SafetensorsEntry;
    if (dtype !== 'F32') throw new ResNetS3DError('BAD_CHECKPOINT', `tensor '${name}' is ${dtype}; export the weights as float32`, { path: file });
    if (end > data.byteLength || end - begin !== shape.reduce((a, d) => a * d, 1) * 4) throw new ResNetS3DError('BAD_CHECKPOINT', `tensor '${name}' has bad offsets [${begin}, ${end}]`, { path: file });
    const copy = new Uint8Array(data.subarray(begin, end));
    out.set(name, { shape, values: new Float32Array(copy.buffer) });
  }
  return out;
}

/** torchvision name prefix -> our layer name, for stem, stages and blocks. */
function layerMap(model: tf.LayersModel): Map<string, string> {
  const map = new Map<string, string>([
    ['conv1', 'stem_conv'],
    ['bn1', 'stem_bn'],
  ]);
  for (const layer of model.layers) {
    const m = /^res(\d)_(\d+)_(conv|bn|shortcut)_?(\w+)?$/.exec(layer.name);
    if (m == null) continue;
    const [, stage, block, kind, part] = m;
    const prefix = `layer${Number(stage) - 1}.${block}`;
    if (kind === 'conv' && ['a', 'b', 'c'].includes(part)) map.set(`${prefix}.conv${' abc'.indexOf(part)}`, layer.name);
    if (kind === 'bn' && ['a', 'b', 'c'].includes(part)) map.set(`${prefix}.bn${' abc'.indexOf(part)}`, layer.name);
    if (kind === 'shortcut' && part === 'conv') map.set(`${prefix}.downsample.0`, layer.name);
    if (kind === 'shortcut' && part === 'bn') map.set(`${prefix}.downsample.1`, layer.name);
  }
  return map;
}

/** OIHW (PyTorch) -> HWIO (tfjs) for a conv kernel. */
function toHwio(values: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = values[((a * i + b) * h + y) * w + x];
  return out;
}

/** fc.weight [classes, C] and fc.bias into the dense head ([C, classes] kernel). */
function copyClassifier(layer: tf.layers.Layer, tensors: Map<string, { shape: number[]; values: Float32Array }>, file: string, used: Set<string>): string {
  const [kernel, bias] = layer.getWeights();
  const weight = tensors.get('fc.weight');
  const offset = tensors.get('fc.bias');
  if (weight == null || offset == null) throw new ResNetS3DError('BAD_CHECKPOINT', "has no 'fc.weight' / 'fc.bias' to copy into the classifier", { path: file });
  const [classes, channels] = weight.shape;
  if (kernel.shape[0] !== channels || kernel.shape[1] !== classes) {
    throw new ResNetS3DError('BAD_CHECKPOINT', `'fc.weight' is [${weight.shape}] (classes x channels), the classifier needs [${kernel.shape[1]}, ${kernel.shape[0]}]`, { path: file });
  }
  const transposed = new Float32Array(weight.values.length);
  for (let k = 0; k < classes; k++) for (let c = 0; c < channels; c++) transposed[c * classes + k] = weight.values[k * channels + c];
  const next = [tf.tensor(transposed, kernel.shape), tf.tensor(offset.values, bias.shape)];
  layer.setWeights(next);
  tf.dispose(next);
  used.add('fc.weight');
  used.add('fc.bias');
  return layer.name;
}

export interface InflationReport {
  /** Our weights that received pretrained values. */
  copied: string[];
  /** Pretrained tensors not used (fc, num_batches_tracked). */
  unused: string[];
}

/**
 * Copies the 2D weights of `file` into `model` (built by createTrajectoryNet
 * with width 1). A tensor whose shape does not fit fails with its name. With
 * the motion representation, a block's extra input channels (the stacked
 * offsets) keep their initialisation; the appearance channels are copied.
 */
export async function inflateResNet(model: tf.LayersModel, file: string, options: { classifier?: boolean } = {}): Promise<InflationReport> {
  const tensors = await readSafetensors(file);
  const map = layerMap(model);
  if (options.classifier) map.set('fc', 'fc');
  const copied: string[] = [];
  const used = new Set<string>();
  for (const [torchName, layerName] of map) {
    const layer = model.getLayer(layerName);
    const weights = layer.getWeights();
    const isConv = layer.getClassName() === 'SpatialConv3D';
    if (torchName === 'fc') {
      copied.push(copyClassifier(layer, tensors, file, used));
      continue;
    }
    const sources = isConv ? ['weight'] : ['weight', 'bias', 'running_mean', 'running_var'];
    const next = weights.map((w, k) => {
      const key = `${torchName}.${sources[k]}`;
      const source = tensors.get(key);
      if (source == null) throw new ResNetS3DError('BAD_CHECKPOINT', `has no tensor '${key}' (needed for layer ${layerName}); is it a torchvision ResNet of the same depth?`, { path: file });
      used.add(key);
      if (!isConv) {
        if (source.shape.join() !== w.shape.join()) throw new ResNetS3DError('BAD_CHECKPOINT', `tensor '${key}' has shape [${source.shape}], layer ${layerName} needs [${w.shape}]`, { path: file });
        return tf.tensor(source.values, w.shape);
      }
      const [o, i, h, kw] = source.shape;
      const [th, tw, ti, to] = w.shape;
      const extraInputs = ti - i; // motion channels stacked after the appearance features
      if (o !== to || h !== th || kw !== tw || extraInputs < 0 || (extraInputs > 0 && !/^res\d_0_(conv_a|shortcut_conv)$/.test(layerName))) {
        throw new ResNetS3DError('BAD_CHECKPOINT', `tensor '${key}' has shape [${source.shape}] (OIHW), layer ${layerName} needs [${to}, ${ti}, ${th}, ${tw}] (check model.width = 1 and the depth)`, { path: file });
      }
      const hwio = toHwio(source.values, source.shape);
      if (extraInputs === 0) return tf.tensor(hwio, w.shape);
      const current = w.dataSync().slice();
      for (let y = 0; y < th * tw; y++) for (let c = 0; c < i; c++) for (let f = 0; f < to; f++) current[(y * ti + c) * to + f] = hwio[(y * i + c) * to + f];
      return tf.tensor(current, w.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
    copied.push(layerName);
  }
  return { copied, unused: [...tensors.keys()].filter((k) => !used.has(k)) };
}
