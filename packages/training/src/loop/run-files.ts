/**
 * The files of a run folder and how they are written so that a kill at any
 * instant, or a full disk, leaves a run that resumes: checkpoints written
 * durably (the previous one stays until the new one is whole), metrics.jsonl
 * appended with fsync and read back tolerating a torn last line, and cut back
 * on resume to what the checkpoint had seen (no duplicate records).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { appendFileDurable, writeFileDurable } from '@trajectorynet/core/node';
import { type NamedTensor, saveCheckpoint } from '@trajectorynet/runtime';
import { TrainingError } from '../errors.js';

export const LATEST = 'latest.ckpt';
export const BEST = 'best.ckpt';
export const METRICS = 'metrics.jsonl';
/** The copy of the checkpoint at the end of epoch n kept by `train.keep` (mmaction's epoch_n.pth). */
export const epochCheckpoint = (epoch: number) => `epoch_${epoch}.ckpt`;

/** The loss and metrics of the steps since the previous log point. */
export interface StepRecord {
  /** Wall-clock time of the log point (ISO 8601). */
  time: string;
  epoch: number;
  step: number;
  lr: number;
  /** The mean loss per step (all terms). */
  loss: number;
  /** The terms of the loss, mean per step (e.g. loss_cls, loss_motionnet); empty when the loss has one term. */
  losses: Record<string, number>;
  /** Metric sums divided by the items (clips) seen, e.g. top1. */
  metrics: Record<string, number>;
  itemsPerSecond: number;
  /** Mean seconds per optimiser step, and of those, waiting for data (loading and decoding not hidden by prefetching). */
  stepSeconds: number;
  dataSeconds: number;
  /** The process's resident memory and the bytes and tensors tfjs holds, in bytes. */
  memory: { rss: number; tfBytes: number; tensors: number };
}

export interface EpochRecord {
  epoch: number;
  step: number;
  /** Mean loss per step and per-item metrics of the epoch (e.g. { loss, top1 }). */
  train: Record<string, number>;
  /** Validation: its score and metrics (e.g. { score, top1, top5, loss }). */
  val?: Record<string, number> & { score: number };
  seconds: number;
  [extra: string]: unknown;
}

type MetricsLine = ({ kind: 'step' } & StepRecord) | ({ kind: 'epoch' } & EpochRecord);

/** The records of a metrics.jsonl; a last line cut off by a kill is dropped, any other bad line is an error naming it. */
export function parseMetrics(text: string, file: string): MetricsLine[] {
  const lines = text.split('\n');
  const records: MetricsLine[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      if (last && !text.endsWith('\n')) break; // torn by a kill mid-append
      throw new TrainingError('BAD_CHECKPOINT', `line ${i + 1} is not JSON`, { path: file });
    }
  }
  return records;
}

export interface RunFiles {
  latest: string;
  best: string;
  metrics: string;
  /**
   * Creates the folder; refuses one that already holds a run unless resuming
   * or overwriting. Returns whether there is a checkpoint to resume from
   * (`from`, default latest.ckpt; resuming a run killed before its first
   * checkpoint starts it afresh).
   */
  prepare(resume: boolean, overwrite?: boolean, from?: string): Promise<boolean>;
  /** Copies latest.ckpt to epoch_<epoch>.ckpt and removes the epoch checkpoints before the last `keep`. */
  keepEpoch(epoch: number, keep: number): Promise<void>;
  saveCheckpoint<State>(file: string, state: State, weights: NamedTensor[], optimizer: NamedTensor[]): Promise<void>;
  appendMetrics(record: MetricsLine): Promise<void>;
  /** Keeps the records a checkpoint at `step` after `epochs` completed epochs had written. */
  truncateMetrics(step: number, epochs: number): Promise<void>;
  readMetrics(): Promise<MetricsLine[]>;
}

export function runFiles(outDir: string): RunFiles {
  const latest = path.join(outDir, LATEST);
  const best = path.join(outDir, BEST);
  const metrics = path.join(outDir, METRICS);
  const readMetrics = async () => {
    let text: string;
    try {
      text = await readFile(metrics, 'utf8');
    } catch {
      return [];
    }
    return parseMetrics(text, metrics);
  };
  return {
    latest,
    best,
    metrics,
    async prepare(resume, overwrite = false, from) {
      if (resume && from != null) {
        if (!existsSync(from)) throw new TrainingError('BAD_INPUT', 'no such checkpoint to resume from', { path: from });
        // another folder's checkpoint starts this folder's run from it; refuse to mix it into a run already here
        if (path.resolve(path.dirname(from)) !== path.resolve(outDir) && existsSync(latest) && !overwrite) {
          throw new TrainingError('BAD_INPUT', `already holds a run: resuming ${from} into it would mix two runs (choose another --out, or --overwrite)`, { path: outDir });
        }
        if (!existsSync(metrics)) await writeFileDurable(metrics, '');
        return true;
      }
      if (resume && existsSync(latest)) return true;
      if (!resume && (existsSync(latest) || existsSync(metrics))) {
        if (!overwrite) throw new TrainingError('BAD_INPUT', 'already holds a run: continue it with --resume, or choose another --out (--overwrite replaces it)', { path: outDir });
      }
      await Promise.all([latest, best, metrics].map((f) => rm(f, { force: true })));
      await writeFileDurable(metrics, '');
      return false;
    },
    saveCheckpoint: (file, state, weights, optimizer) => saveCheckpoint(file, { state, weights, optimizer }),
    async keepEpoch(epoch, keep) {
      await writeFileDurable(path.join(outDir, epochCheckpoint(epoch)), await readFile(latest));
      const names = await readdir(outDir);
      const old = names.map((n) => /^epoch_(\d+)\.ckpt$/.exec(n)).filter((m) => m != null && Number(m[1]) <= epoch - keep);
      await Promise.all(old.map((m) => rm(path.join(outDir, (m as RegExpExecArray)[0]), { force: true })));
    },
    appendMetrics: (record) => appendFileDurable(metrics, `${JSON.stringify(record)}\n`),
    async truncateMetrics(step, epochs) {
      const kept = (await readMetrics()).filter((r) => (r.kind === 'step' ? r.step <= step : r.epoch <= epochs));
      await writeFileDurable(metrics, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    },
    readMetrics,
  };
}
