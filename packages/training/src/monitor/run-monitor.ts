/**
 * Watching a run as it goes: the progress line (with the step time the loop
 * measured), one run.log line per log point (loss terms, learning rate, step
 * and data time, memory) and per epoch, and curves.svg redrawn at the first
 * log point, then at most every 10 s and at every epoch end, so that a run's
 * folder shows its curves from its first log point.
 */
import path from 'node:path';
import { createProgress, type Progress, writeFileDurable } from '@trajectorynet/core/node';
import type { RunStart } from '../loop/loop.js';
import type { EpochRecord, RunFiles, StepRecord } from '../loop/run-files.js';
import { trainingCurvesSvg } from '../report/run-report.js';
import { formatBytes, type RunLog } from './run-log.js';

export const CURVES = 'curves.svg';
/** The least time between two redraws of curves.svg at log points. */
const REDRAW_MS = 10_000;

export interface RunMonitor {
  onStart(start: RunStart): Promise<void>;
  onStep(record: StepRecord & { stepsPerEpoch: number }): Promise<void>;
  onEpoch(record: EpochRecord): Promise<void>;
  stop(): void;
}

const percent = (value: number | undefined) => (value == null ? '?' : `${(value * 100).toFixed(1)}%`);

/** An epoch's train or val values as "loss 0.1234, top-1 50.0%, ..." (a validation score is left out beside its top-1). */
function describeValues(values: Record<string, number>): string {
  return Object.entries(values)
    .filter(([k]) => !(k === 'score' && 'top1' in values))
    .map(([k, v]) => (k === 'top1' || k === 'top5' ? `top-${k[3]} ${percent(v)}` : `${k} ${v.toFixed(4)}`))
    .join(', ');
}

/** A step record as one log line: what mmengine's logger prints. */
export function formatStepRecord(r: StepRecord, stepsPerEpoch: number, unit = 'epoch'): string {
  const inEpoch = r.step - (r.epoch - 1) * stepsPerEpoch;
  const terms = Object.entries(r.losses ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`);
  const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${k === 'top1' ? percent(v) : v.toFixed(4)}`);
  return [
    `${unit} ${r.epoch} [${inEpoch}/${stepsPerEpoch}] step ${r.step}`,
    `loss ${r.loss.toFixed(4)}`,
    ...terms,
    ...metrics,
    `lr ${r.lr.toExponential(3)}`,
    `time ${r.stepSeconds.toFixed(3)}s`,
    `data ${r.dataSeconds.toFixed(3)}s`,
    `rss ${formatBytes(r.memory.rss)}`,
    `tf ${formatBytes(r.memory.tfBytes)} (${r.memory.tensors} tensors)`,
  ].join(', ');
}

export interface RunMonitorOptions {
  outDir: string;
  files: Pick<RunFiles, 'readMetrics'>;
  log: RunLog;
  title: string;
  epochs: number;
  /** What the loop's epoch is called in this run ('round' for MotionNet pretraining). */
  epochName?: string;
  /** No progress bar (the caller shows its own, or none). */
  quiet?: boolean;
}

export function createRunMonitor(options: RunMonitorOptions): RunMonitor {
  const unit = options.epochName ?? 'epoch';
  const { log } = options;
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  let stepsPerEpoch = 1;
  let progress: Progress | null = null;
  let drawn = 0;
  const redraw = async () => {
    await writeFileDurable(path.join(options.outDir, CURVES), trainingCurvesSvg(epochs, options.title, { steps, stepsPerEpoch }));
    drawn = Date.now();
  };
  return {
    async onStart(start) {
      stepsPerEpoch = start.stepsPerEpoch;
      const plan = `${start.totalSteps} steps (${options.epochs} ${unit}s x ${start.stepsPerEpoch})`;
      if (start.from != null && start.epoch >= options.epochs) {
        log.info(`${start.from} ends the run (${unit} ${start.epoch} of ${options.epochs}, step ${start.step}): nothing to train (raise the number of ${unit}s to extend it)`);
      } else if (start.from != null) {
        log.info(`resuming from ${start.from}: ${unit} ${start.epoch + 1}, step ${start.step} of ${plan}, ${start.stepInEpoch} of this ${unit}'s ${start.stepsPerEpoch} done`);
      } else if (start.noCheckpoint) {
        log.info(`no checkpoint in ${options.outDir} (the run was stopped before its first one): starting it afresh, ${plan}`);
      } else {
        log.info(`new run: ${plan}`);
      }
      // a resumed run's curves go on from the records its checkpoint had seen
      for (const r of await options.files.readMetrics()) {
        if (r.kind === 'step') steps.push(r);
        else epochs.push(r);
      }
      await redraw();
      drawn = 0; // the first log point of this process draws again
    },
    async onStep(record) {
      if (progress == null && options.quiet !== true) {
        progress = createProgress({ label: `epoch ${record.epoch}/${options.epochs}`, total: record.stepsPerEpoch, unit: 'steps' });
      }
      const fields = { loss: record.loss, ...record.losses, lr: record.lr, 'clips/s': record.itemsPerSecond };
      progress?.update(record.step - (record.epoch - 1) * record.stepsPerEpoch, fields, record.stepSeconds > 0 ? 1 / record.stepSeconds : undefined);
      log.record(formatStepRecord(record, record.stepsPerEpoch, unit));
      steps.push(record);
      // at the first log point, then at most every REDRAW_MS (a chart of thousands of points takes tens of ms); always at epoch ends
      if (Date.now() - drawn >= REDRAW_MS) await redraw();
    },
    async onEpoch(record) {
      progress?.stop();
      progress = null;
      const val = record.val != null ? `; val ${describeValues(record.val)}` : '';
      log.info(`${unit} ${record.epoch} (step ${record.step}): train ${describeValues(record.train)}${val} (${record.seconds.toFixed(1)}s)`);
      epochs.push(record);
      await redraw();
    },
    stop() {
      progress?.stop();
      progress = null;
    },
  };
}
