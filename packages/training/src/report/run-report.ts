/** Files a run leaves for people to look at: training curves, confusion matrix, evaluation JSON. */
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import type { EvaluationReport } from '../eval/evaluate.js';
import { confusionCsv } from '../eval/metrics.js';
import type { EpochRecord, StepRecord } from '../loop/run-files.js';
import { heatmap, lineChart } from './svg.js';


/**
 * The curves of a run as one SVG of three charts: the losses (each step's
 * record and, per epoch, train and validation cross-entropy; a joint loss's
 * terms apart), accuracy per epoch, and the learning rate per step. The x
 * axis is in epochs (a step record at its fraction of the epoch).
 */
export function trainingCurvesSvg(history: EpochRecord[], title: string, options: { steps?: StepRecord[]; stepsPerEpoch?: number } = {}): string {
  const steps = options.steps ?? [];
  const perEpoch = Math.max(1, options.stepsPerEpoch ?? 1);
  const atStep = (r: StepRecord) => r.step / perEpoch;
  const termNames = [...new Set(steps.flatMap((r) => Object.keys(r.losses ?? {})))];
  const epochTerms = [...new Set(history.flatMap((h) => Object.keys(h.train).filter((k) => k.startsWith('loss_'))))];
  const withVal = history.filter((h) => h.val != null);
  const chart = { width: 520, height: 340, integerX: true };
  const loss = lineChart(
    [
      { name: 'loss (steps)', points: steps.map((r) => ({ x: atStep(r), y: r.loss })) },
      ...termNames.map((name) => ({ name: `${name} (steps)`, points: steps.map((r) => ({ x: atStep(r), y: r.losses?.[name] ?? Number.NaN })) })),
      { name: epochTerms.length > 0 ? 'train loss (all terms)' : 'train loss', points: history.map((h) => ({ x: h.epoch, y: h.train.loss })) },
      ...epochTerms.map((name) => ({ name: `train ${name}`, points: history.map((h) => ({ x: h.epoch, y: h.train[name] ?? Number.NaN })) })),
      { name: 'val cross-entropy', points: withVal.map((h) => ({ x: h.epoch, y: h.val?.loss ?? Number.NaN })) },
    ].filter((s) => s.points.length > 0),
    { ...chart, title: `${title}: loss`, xLabel: 'epoch', yLabel: 'loss' },
  );
  const accuracy = lineChart(
    [
      { name: 'train top-1', points: history.map((h) => ({ x: h.epoch, y: (h.train.top1 ?? Number.NaN) * 100 })) },
      { name: 'val top-1', points: withVal.map((h) => ({ x: h.epoch, y: (h.val?.top1 ?? Number.NaN) * 100 })) },
      { name: 'val top-5', points: withVal.map((h) => ({ x: h.epoch, y: (h.val?.top5 ?? Number.NaN) * 100 })) },
    ],
    { ...chart, title: `${title}: accuracy`, xLabel: 'epoch', yLabel: '%' },
  );
  const rate = lineChart([{ name: 'learning rate', points: steps.map((r) => ({ x: atStep(r), y: r.lr })) }], { ...chart, title: `${title}: learning rate`, xLabel: 'epoch', yLabel: 'lr' });
  // three standalone SVGs placed side by side in one
  const inner = (svg: string, x: number) => svg.replace('<svg ', `<svg x="${x}" y="0" `);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1560" height="340">\n${inner(loss, 0)}\n${inner(accuracy, 520)}\n${inner(rate, 1040)}\n</svg>\n`;
}

/** eval.json, confusion.csv and confusion.svg in `outDir`. */
export async function writeEvaluation(outDir: string, report: EvaluationReport, labels: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await writeFileDurable(path.join(outDir, 'eval.json'), `${JSON.stringify({ ...extra, ...report }, null, 2)}\n`);
  await writeFileDurable(path.join(outDir, 'confusion.csv'), confusionCsv(report, labels));
  await writeFileDurable(
    path.join(outDir, 'confusion.svg'),
    heatmap(report.confusion, labels, { title: `Confusion matrix (top-1 ${(report.top1 * 100).toFixed(1)}%; colour: share of the row)`, rowLabel: 'true', columnLabel: 'predicted' }),
  );
}

/** The per-class accuracies as aligned text lines (the class column as wide as the longest name). */
export function perClassTable(report: Pick<EvaluationReport, 'perClass'>): string[] {
  const width = Math.max('class'.length, ...report.perClass.map((c) => c.label.length));
  const header = `  ${'class'.padEnd(width)}  top-1  videos`;
  return [header, ...report.perClass.map((c) => `  ${c.label.padEnd(width)}  ${(c.top1 * 100).toFixed(1).padStart(5)}%  ${String(c.clips).padStart(6)}`)];
}
