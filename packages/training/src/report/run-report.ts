/** Files a run leaves for people to look at: training curves, confusion matrix, evaluation JSON. */
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import { confusionCsv } from '../eval/metrics.js';
import type { EvaluationReport } from '../eval/evaluate.js';
import type { EpochRecord } from '../loop/run-files.js';
import { heatmap, lineChart } from './svg.js';


/** Loss and accuracy per epoch, train and validation, as one SVG with two charts side by side. */
export function trainingCurvesSvg(history: EpochRecord[], title: string): string {
  const loss = lineChart(
    [
      { name: 'train loss', points: history.map((h) => ({ x: h.epoch, y: h.train.loss })) },
      { name: 'val loss', points: history.filter((h) => h.val != null).map((h) => ({ x: h.epoch, y: h.val?.loss ?? Number.NaN })) },
    ],
    { title: `${title}: loss`, xLabel: 'epoch', yLabel: 'cross-entropy', width: 520, height: 340 },
  );
  const accuracy = lineChart(
    [
      { name: 'train top-1', points: history.map((h) => ({ x: h.epoch, y: (h.train.top1 ?? Number.NaN) * 100 })) },
      { name: 'val top-1', points: history.filter((h) => h.val != null).map((h) => ({ x: h.epoch, y: (h.val?.top1 ?? Number.NaN) * 100 })) },
      { name: 'val top-5', points: history.filter((h) => h.val != null).map((h) => ({ x: h.epoch, y: (h.val?.top5 ?? Number.NaN) * 100 })) },
    ],
    { title: `${title}: accuracy`, xLabel: 'epoch', yLabel: '%', width: 520, height: 340 },
  );
  // two standalone SVGs placed side by side in one
  const inner = (svg: string, x: number) => svg.replace('<svg ', `<svg x="${x}" y="0" `);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1040" height="340">\n${inner(loss, 0)}\n${inner(accuracy, 520)}\n</svg>\n`;
}

/** eval.json, confusion.csv and confusion.svg in `outDir`. */
export async function writeEvaluation(outDir: string, report: EvaluationReport, labels: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await writeFileDurable(path.join(outDir, 'eval.json'), `${JSON.stringify({ ...extra, ...report }, null, 2)}\n`);
  await writeFileDurable(path.join(outDir, 'confusion.csv'), confusionCsv(report, labels));
  await writeFileDurable(
    path.join(outDir, 'confusion.svg'),
    heatmap(report.confusion, labels, { title: `Confusion matrix (top-1 ${(report.top1 * 100).toFixed(1)}%)`, rowLabel: 'true', columnLabel: 'predicted' }),
  );
}
