/**
 * What `trajectorynet export-web` writes and a web page loads: the model as
 * tfjs LayersModel files, the labels, and a manifest (trajectorynet.json)
 * with the recognizer config, the test clip pipeline the model expects and
 * where its trajectories come from (TV-L1 with the settings `predict` uses,
 * or MotionNet). Plain JSON; no Node or browser API here.
 */
import type { RecognizerConfig } from '@trajectorynet/recognizer';
import type { Tvl1Settings } from '@trajectorynet/tvl1-flow';
import type { ClipPipeline } from '@trajectorynet/video-io';
import { TrainingError } from '../errors.js';

export const WEB_MODEL_FORMAT = 'trajectorynet-web-model';
/** The manifest's file name in an exported folder. */
export const WEB_MANIFEST = 'trajectorynet.json';

export type WebTrajectories =
  /** TV-L1 flows between consecutive decoded frames, with these settings (what `predict` computes). */
  | { source: 'tvl1'; tvl1: Tvl1Settings }
  /** MotionNet, run by the recognizer on the clip (its model is in `models.motionNet`). */
  | { source: 'motionnet' }
  /** C2D and S3D take no trajectories. */
  | { source: 'none' };

export interface WebModelManifest {
  format: typeof WEB_MODEL_FORMAT;
  version: 1;
  labels: string[];
  recognizer: RecognizerConfig;
  /** The test clip pipeline of the training config (sampling, decode size, crops, normalisation), without flow files. */
  pipeline: ClipPipeline;
  trajectories: WebTrajectories;
  /** LayersModel files relative to the manifest: the backbone's model.json, and MotionNet's for a joint model. */
  models: { backbone: string; motionNet?: string };
  /** Where it came from (informative). */
  source: { checkpoint: string; preset?: string; epoch?: number };
}

/** Checks a parsed manifest; errors name the file and the key. */
export function checkWebManifest(value: unknown, file: string): WebModelManifest {
  const bad = (key: string, why: string) => new TrainingError('BAD_CHECKPOINT', `${key}: ${why}`, { path: file });
  const m = value as Partial<WebModelManifest> | null;
  if (m == null || typeof m !== 'object') throw bad('(top)', 'not a JSON object');
  if (m.format !== WEB_MODEL_FORMAT) throw bad('format', `expected '${WEB_MODEL_FORMAT}', got ${JSON.stringify(m.format)} (write one with \`trajectorynet export-web\`)`);
  if (m.version !== 1) throw bad('version', `this page reads version 1, got ${JSON.stringify(m.version)}`);
  if (!Array.isArray(m.labels) || m.labels.length === 0 || !m.labels.every((l) => typeof l === 'string')) throw bad('labels', 'must be a non-empty list of strings');
  if (m.recognizer == null || m.recognizer.numClasses !== m.labels.length) throw bad('recognizer.numClasses', `must equal the ${m.labels.length} labels, got ${m.recognizer?.numClasses}`);
  if (m.pipeline == null || m.pipeline.mode !== 'test') throw bad('pipeline.mode', `must be 'test', got ${JSON.stringify(m.pipeline?.mode)}`);
  const source = m.trajectories?.source;
  if (source !== 'tvl1' && source !== 'motionnet' && source !== 'none') throw bad('trajectories.source', `must be tvl1, motionnet or none, got ${JSON.stringify(source)}`);
  if (typeof m.models?.backbone !== 'string') throw bad('models.backbone', 'must name the backbone model.json');
  if ((source === 'motionnet') !== (typeof m.models.motionNet === 'string')) throw bad('models.motionNet', source === 'motionnet' ? 'a MotionNet model must be given' : 'only MotionNet trajectories take a MotionNet model');
  return m as WebModelManifest;
}
