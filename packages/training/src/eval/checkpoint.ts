/**
 * `trajectorynet eval`: a checkpoint on a split of its own config's dataset,
 * with the clips x crops views of its test pipeline. The report goes to a
 * folder of its own (never over the training run's), with the config it ran
 * with, its log, and on request every video's scores (mmaction's --dump).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import { deepMerge } from '../config/load.js';
import { ConfigSchema } from '../config/schema.js';
import { loadDatasets } from '../data/datasets.js';
import { prepareFlows } from '../data/flows.js';
import { TrainingError } from '../errors.js';
import { LATEST, METRICS } from '../loop/run-files.js';
import { startRunFolder } from '../monitor/run-start.js';
import { writeEvaluation } from '../report/run-report.js';
import { cacheBesideRun, loadTrainedModel, testBatches } from '../run.js';
import { type EvaluationReport, reportOf, scoreVideos } from './evaluate.js';
import { topK } from './metrics.js';

export interface EvaluateCheckpointOptions {
  /** The dataset split: 'val' (default) or 'train' (in eval mode: how well the run fits its training data). */
  split?: 'train' | 'val';
  /** data.* and eval.* settings over the checkpoint's config (never the model's), e.g. { eval: { clips: 3 } }. */
  overrides?: Record<string, unknown>[];
  /** Where TV-L1 flows are cached; default `.trajectorynet-cache` beside the run folder. */
  cacheDir?: string;
  quiet?: boolean;
  /**
   * Write the report (eval.json, confusion.csv, confusion.svg, config.json, run.log) here; a folder
   * holding a training run is refused. `'auto'`: `evalFolder(...)` beside the checkpoint.
   */
  outDir?: string;
  /** Also write every video's class probabilities to this JSON file. */
  dump?: string;
  /** What started the evaluation (the first line of its run.log). */
  command?: string;
  log?: (message: string) => void;
}

export interface CheckpointEvaluation extends EvaluationReport {
  checkpoint: string;
  /** Epochs completed and optimiser steps taken when the checkpoint was written. */
  epoch: number;
  step: number;
  split: 'train' | 'val';
  /** The views per video averaged: clips x crops. */
  views_per_video: string;
  /** The folder the report was written to, if any. */
  outDir?: string;
}

/** What eval may change in the checkpoint's config: where the data is and how it is viewed, never the model. */
export const EVAL_SECTIONS = ['data', 'eval'];

/** The default report folder of an evaluation: eval-<checkpoint>-<split>-<clips>x<crops> beside the checkpoint. */
export function evalFolder(checkpoint: string, split: string, clips: number, crops: number): string {
  return path.join(path.dirname(checkpoint), `eval-${path.basename(checkpoint, '.ckpt')}-${split}-${clips}x${crops}`);
}

/** A checkpoint on a split of its own config's dataset (as `trajectorynet eval`): top-1, top-5, per class, confusion. */
export async function evaluateCheckpoint(checkpoint: string, options: EvaluateCheckpointOptions = {}): Promise<CheckpointEvaluation> {
  const split = options.split ?? 'val';
  const { recognizer, meta, epoch, step } = await loadTrainedModel(checkpoint, { fold: true });
  try {
    let merged = meta.config as unknown as Record<string, unknown>;
    for (const override of options.overrides ?? []) {
      const outside = Object.keys(override).filter((k) => !EVAL_SECTIONS.includes(k));
      if (outside.length > 0) throw new TrainingError('BAD_CONFIG', `eval changes only data.* and eval.* settings (the model is the checkpoint's), got '${outside.join(', ')}'`, { path: '--set' });
      merged = deepMerge(merged, override);
    }
    const parsed = ConfigSchema.safeParse(merged);
    if (!parsed.success) throw new TrainingError('BAD_CONFIG', parsed.error.issues.map((i) => `key '${i.path.join('.')}': ${i.message}`).join('; '), { path: '--set' });
    const config = parsed.data;
    const outDir = options.outDir === 'auto' ? evalFolder(checkpoint, split, config.eval.clips, config.eval.crops) : options.outDir;
    const runLog =
      outDir == null
        ? null
        : await (async () => {
            if (existsSync(path.join(outDir, LATEST)) || existsSync(path.join(outDir, METRICS))) {
              throw new TrainingError('BAD_INPUT', 'holds a training run: eval writes its report to a folder of its own (leave out --out for eval-<checkpoint>-<split>-<clips>x<crops>/ beside the checkpoint)', { path: outDir });
            }
            return (await startRunFolder(outDir, { config: { checkpoint, split, ...config }, command: options.command, overwrite: true, echo: options.log })).log;
          })();
    runLog?.info(`evaluating ${checkpoint} (epoch ${epoch}, step ${step}) on ${split}: ${config.eval.clips} clips x ${config.eval.crops} crops per video`);
    const dataset = (await loadDatasets(config.data, config.train.seed))[split];
    if (dataset.labels.join('\n') !== meta.labels.join('\n')) {
      throw new TrainingError('BAD_CHECKPOINT', `its label map (${meta.labels.length} classes) does not match the dataset's (${dataset.labels.length})`, { path: checkpoint });
    }
    const cacheRoot = options.cacheDir ?? cacheBesideRun(path.dirname(checkpoint));
    const flows = await prepareFlows(config, [dataset], { cacheRoot, quiet: options.quiet });
    const scored = await scoreVideos(recognizer, testBatches(config, dataset, flows)(0, 0));
    const report: CheckpointEvaluation = {
      checkpoint,
      epoch,
      step,
      split,
      views_per_video: `${config.eval.clips}x${config.eval.crops}`,
      ...reportOf(scored, dataset.labels),
      ...(outDir != null ? { outDir } : {}),
    };
    if (outDir != null) {
      await writeEvaluation(outDir, report, dataset.labels, { flowSource: flows.source });
      runLog?.info(`top-1 ${(report.top1 * 100).toFixed(1)}%, top-5 ${(report.top5 * 100).toFixed(1)}%, mean class ${(report.meanClassAccuracy * 100).toFixed(1)}% on ${report.clips} videos`);
    }
    if (options.dump != null) {
      const videos = scored.videos.map((v) => {
        const sample = dataset.samples[v.sampleIndex];
        return { id: sample.id, path: sample.path, label: v.label, predicted: topK(v.probabilities, 5), probabilities: Array.from(v.probabilities) };
      });
      await writeFileDurable(options.dump, `${JSON.stringify({ checkpoint, epoch, split, labels: dataset.labels, videos })}\n`);
      runLog?.info(`per-video scores of ${videos.length} videos in ${options.dump}`);
    }
    return report;
  } finally {
    recognizer.dispose();
  }
}
