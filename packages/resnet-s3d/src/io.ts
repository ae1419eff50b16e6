/**
 * Save and load models in the tfjs LayersModel format (model.json + one
 * weights.bin) on local disk, without tfjs-node. Both files are written
 * atomically; custom layers (ours and trajectory-conv's) are registered on
 * import, so loading rebuilds them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileDurable } from '@trajectorynet/core/node';
import { ResNetS3DError } from './errors.js';
import './layers/spatial.js';
import '@trajectorynet/trajectory-conv';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Writes `dir/model.json` and `dir/weights.bin`. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData instanceof ArrayBuffer ? new Uint8Array(artifacts.weightData) : new Uint8Array(await new Blob(artifacts.weightData as ArrayBuffer[]).arrayBuffer());
      const manifest = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
      };
      // weights first: a model.json never points at missing or half-written weights
      await writeFileDurable(path.join(dir, WEIGHTS_BIN), weights);
      await writeFileDurable(path.join(dir, MODEL_JSON), JSON.stringify(manifest));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Reads a model saved by `saveModel` (or any single-shard LayersModel folder). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const manifestPath = path.join(dir, MODEL_JSON);
  let manifest: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new ResNetS3DError('BAD_CHECKPOINT', `cannot read the model (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { path: manifestPath, cause: error });
  }
  const specs = manifest.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(manifest.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const bytes = Buffer.concat(shards);
  const expected = specs.reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1) * 4, 0);
  if (bytes.byteLength !== expected) throw new ResNetS3DError('BAD_CHECKPOINT', `${bytes.byteLength} bytes, the manifest needs ${expected}`, { path: path.join(dir, WEIGHTS_BIN) });
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: specs, weightData }));
}
