/**
 * Watching a run as it goes: the progress line (with the step time the loop
 * measured), one run.log line per log point (loss terms, learning rate, step
 * and data time, memory) and per epoch, and curves.svg redrawn at each of
 * them, so that a run's folder shows its curves from its first log point.
 */
import path from 'node:path';
import { createProgress, type Progress, writeFileDurable } from '@trajectorynet/core/node';
import type { RunStart } from '../loop/loop.js';
import type { EpochRecord, RunFiles, StepRecord } from '../loop/run-files.js';
import { trainingCurvesSvg } from '../report/run-report.js';
import { formatBytes, type RunLog } from './run-log.js';

export const CURVES = 'curves.svg';

export interface RunMonitor {
  onStart(start: RunStart): Promise<void>;
  onStep(record: StepRecord & { stepsPerEpoch: number }): Promise<void>;
  onEpoch(record: EpochRecord): Promise<void>;
  stop(): void;
}

const percent = (value: number | undefined) => (value == null ? '?' : `${(value * 100).toFixed(1)}%`);

/** A step record as one log line: what mmengine's logger prints. */
export function formatStepRecord(r: StepRecord, stepsPerEpoch: number): string {
  const inEpoch = r.step - (r.epoch - 1) * stepsPerEpoch;
  const terms = Object.entries(r.losses ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`);
  const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${k === 'top1' ? percent(v) : v.toFixed(4)}`);
  return [
    `epoch ${r.epoch} [${inEpoch}/${stepsPerEpoch}] step ${r.step}`,
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

export function createRunMonitor(options: { outDir: string; files: Pick<RunFiles, 'readMetrics'>; log: RunLog; title: string; epochs: number; quiet?: boolean }): RunMonitor {
  const { log } = options;
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  let stepsPerEpoch = 1;
  let progress: Progress | null = null;
  const redraw = () => writeFileDurable(path.join(options.outDir, CURVES), trainingCurvesSvg(epochs, options.title, { steps, stepsPerEpoch }));
  return {
    async onStart(start) {
      stepsPerEpoch = start.stepsPerEpoch;
      const plan = `${start.totalSteps} steps (${options.epochs} epochs x ${start.stepsPerEpoch})`;
      if (start.from != null) {
        log.info(`resuming from ${start.from}: epoch ${start.epoch + 1}, step ${start.step} of ${plan}, ${start.stepInEpoch} of this epoch's ${start.stepsPerEpoch} done`);
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
    },
    async onStep(record) {
      if (progress == null && options.quiet !== true) {
        progress = createProgress({ label: `epoch ${record.epoch}/${options.epochs}`, total: record.stepsPerEpoch, unit: 'steps' });
      }
      const fields = { loss: record.loss, ...record.losses, lr: record.lr, 'clips/s': record.itemsPerSecond };
      progress?.update(record.step - (record.epoch - 1) * record.stepsPerEpoch, fields, record.stepSeconds > 0 ? 1 / record.stepSeconds : undefined);
      log.record(formatStepRecord(record, record.stepsPerEpoch));
      steps.push(record);
      await redraw();
    },
    async onEpoch(record) {
      progress?.stop();
      progress = null;
      const terms = Object.entries(record.train).filter(([k]) => k.startsWith('loss_')).map(([k, v]) => `, ${k} ${v.toFixed(3)}`).join('');
      const val = record.val != null ? `, val loss ${record.val.loss?.toFixed(3) ?? '?'}, val top-1 ${percent(record.val.top1)}, top-5 ${percent(record.val.top5)}` : '';
      log.info(`epoch ${record.epoch}: train loss ${record.train.loss.toFixed(3)}${terms}, train top-1 ${percent(record.train.top1)}${val} (${record.seconds.toFixed(1)}s)`);
      epochs.push(record);
      await redraw();
    },
    stop() {
      progress?.stop();
      progress = null;
    },
  };
}
