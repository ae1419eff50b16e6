/**
 * `exportWebModel`: a classifier checkpoint as the files a web page loads
 * (see format.ts), each written durably: model.json + weights.bin (the
 * backbone), motionnet/model.json + weights.bin (a joint model's MotionNet),
 * labels.txt and trajectorynet.json, written last so that a folder with a
 * manifest is complete.
 */
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import { saveModel } from '@trajectorynet/resnet-s3d';
import { resolveOptions } from '@trajectorynet/tvl1-flow';
import type { TrainConfig } from '../config/schema.js';
import { TrainingError } from '../errors.js';
import { flowSourceOf } from '../data/flows.js';
import { clipPipeline } from '../data/pipelines.js';
import { loadTrainedModel } from '../run.js';
import { WEB_MANIFEST, WEB_MODEL_FORMAT, type WebModelManifest, type WebTrajectories } from './format.js';

/** Where a web page gets trajectories: what `predict` does for a new video (TV-L1 at the decoding size for any flow model). */
function trajectoriesOf(config: TrainConfig): WebTrajectories {
  const source = flowSourceOf(config);
  if (source === 'none') return { source: 'none' };
  if (source === 'motionnet') return { source: 'motionnet' };
  if (source === 'motionnet-frozen') {
    throw new TrainingError('BAD_CONFIG', "a model trained on a frozen MotionNet's flows cannot be exported for the web yet (the page computes TV-L1 flows): train it with model.trajectorySource 'tvl1' or 'motionnet'", {
      path: 'model.trajectorySource',
    });
  }
  return { source: 'tvl1', tvl1: resolveOptions({}) };
}

export interface WebExport {
  manifest: WebModelManifest;
  /** The files written, relative to the folder. */
  files: string[];
}

export async function exportWebModel(checkpoint: string, outDir: string): Promise<WebExport> {
  const { recognizer, meta } = await loadTrainedModel(checkpoint, { fold: true });
  try {
    // the pipeline `predict` uses: the test views, no flow files (flows come from the page's TV-L1)
    const config: TrainConfig = { ...meta.config, data: { ...meta.config.data, flowDir: undefined } };
    const manifest: WebModelManifest = {
      format: WEB_MODEL_FORMAT,
      version: 1,
      labels: meta.labels,
      recognizer: meta.recognizer,
      pipeline: clipPipeline(config, 'test'),
      trajectories: trajectoriesOf(config),
      models: { backbone: 'model.json', motionNet: recognizer.motionNet != null ? 'motionnet/model.json' : undefined },
      source: { checkpoint: path.basename(checkpoint), preset: meta.config.preset },
    };
    const files = ['model.json', 'weights.bin'];
    await saveModel(recognizer.backbone, outDir);
    if (recognizer.motionNet != null) {
      await saveModel(recognizer.motionNet, path.join(outDir, 'motionnet'));
      files.push('motionnet/model.json', 'motionnet/weights.bin');
    }
    await writeFileDurable(path.join(outDir, 'labels.txt'), `${meta.labels.join('\n')}\n`);
    await writeFileDurable(path.join(outDir, WEB_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    files.push('labels.txt', WEB_MANIFEST);
    return { manifest, files };
  } finally {
    recognizer.dispose();
  }
}
