/**
 * Loading an exported web model in a browser (or anywhere with fetch and
 * Blob): from the URL of its folder, or from files a user dropped, keyed by
 * their path in the folder. The layers are registered explicitly first, so
 * a bundle that dropped their modules still rebuilds them.
 */
import * as tf from '@tensorflow/tfjs';
import { type Recognizer, recognizerFromModels } from '@trajectorynet/recognizer';
import { registerLayers } from '@trajectorynet/resnet-s3d';
import { TrainingError } from '../errors.js';
import { checkWebManifest, WEB_MANIFEST, type WebModelManifest } from './format.js';

/** The folder's URL (ending in '/', or of its trajectorynet.json), or its files by path relative to the folder. */
export type WebModelSource = string | Map<string, Blob>;

type Read = (file: string) => Promise<ArrayBuffer>;

function reader(source: WebModelSource): Read {
  if (typeof source === 'string') {
    const base = new URL(source.endsWith(WEB_MANIFEST) ? source.slice(0, -WEB_MANIFEST.length) : source.endsWith('/') ? source : `${source}/`, (globalThis as { location?: { href: string } }).location?.href);
    return async (file) => {
      const url = new URL(file, base).href;
      const response = await fetch(url).catch((error) => {
        throw new TrainingError('BAD_INPUT', `cannot fetch it (${(error as Error).message})`, { path: url, cause: error });
      });
      if (!response.ok) throw new TrainingError('BAD_INPUT', `HTTP ${response.status} ${response.statusText}`, { path: url });
      return response.arrayBuffer();
    };
  }
  return async (file) => {
    const blob = source.get(file);
    if (blob == null) throw new TrainingError('BAD_INPUT', `missing: drop the whole exported folder (found ${[...source.keys()].join(', ') || 'no files'})`, { path: file });
    return blob.arrayBuffer();
  };
}

const json = (bytes: ArrayBuffer, file: string): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new TrainingError('BAD_CHECKPOINT', `not JSON (${(error as Error).message})`, { path: file, cause: error });
  }
};

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '');

async function loadLayers(read: Read, modelFile: string): Promise<tf.LayersModel> {
  const manifest = json(await read(modelFile), modelFile) as { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  if (manifest.modelTopology == null || !Array.isArray(manifest.weightsManifest)) throw new TrainingError('BAD_CHECKPOINT', 'not a tfjs LayersModel model.json', { path: modelFile });
  const specs = manifest.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(manifest.weightsManifest.flatMap((g) => g.paths).map((p) => read(folderOf(modelFile) + p)));
  const bytes = new Uint8Array(shards.reduce((a, s) => a + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    bytes.set(new Uint8Array(shard), offset);
    offset += shard.byteLength;
  }
  const expected = specs.reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1) * 4, 0);
  if (bytes.byteLength !== expected) throw new TrainingError('BAD_CHECKPOINT', `${bytes.byteLength} weight bytes, the model needs ${expected}`, { path: modelFile });
  registerLayers();
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: specs, weightData: bytes.buffer }));
}

/** The recognizer and manifest of an exported web model. */
export async function loadWebModel(source: WebModelSource): Promise<{ recognizer: Recognizer; manifest: WebModelManifest }> {
  const read = reader(source);
  const manifest = checkWebManifest(json(await read(WEB_MANIFEST), WEB_MANIFEST), WEB_MANIFEST);
  const backbone = await loadLayers(read, manifest.models.backbone);
  const motionNet = manifest.models.motionNet != null ? await loadLayers(read, manifest.models.motionNet) : undefined;
  return { recognizer: recognizerFromModels(manifest.recognizer, { backbone, motionNet }), manifest };
}
