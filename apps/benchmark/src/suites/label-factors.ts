/**
 * Accuracy split along the two parts of a synthetic class name ("left
 * clockwise": a direction, then a spin). In the trackable regime every model
 * gets the direction right; what separates them is the spin, which a temporal
 * conv at fixed pixels does not see. The split tells "TrajectoryNet is better"
 * apart into "it sees the spin" and "it finds the direction more often".
 */
import { formatInterval, meanInterval } from '@trajectorynet/training';
import type { Table } from '../suite.js';

export interface LabelFactors {
  /** Clips whose predicted class has the true class's first part (the direction). */
  first: number;
  /** Of those, the ones whose second part (the spin) is right too. */
  secondGivenFirst: number;
}

/** The split of one confusion matrix (rows: true class, columns: predicted) over labels "first second". */
export function labelFactors(confusion: number[][], labels: string[]): LabelFactors {
  const firstPart = labels.map((label) => {
    const space = label.indexOf(' ');
    if (space <= 0) throw new RangeError(`label "${label}" has no second part`);
    return label.slice(0, space);
  });
  let clips = 0;
  let firstRight = 0;
  let bothRight = 0;
  for (const [truth, row] of confusion.entries()) {
    for (const [predicted, count] of row.entries()) {
      clips += count;
      if (firstPart[predicted] === firstPart[truth]) firstRight += count;
      if (predicted === truth) bothRight += count;
    }
  }
  return { first: clips > 0 ? firstRight / clips : Number.NaN, secondGivenFirst: firstRight > 0 ? bothRight / firstRight : Number.NaN };
}

/** One row per model: direction top-1 and spin top-1 given the right direction, mean ± 95% interval over seeds. */
export function labelFactorTable(runs: { name: string; factors: LabelFactors[] }[], title: string): Table {
  return {
    title,
    columns: ['model', 'seeds', 'direction top-1 % (mean ± 95% CI)', 'spin top-1 % given the right direction (mean ± 95% CI)', 'spin per seed'],
    rows: runs
      .filter((r) => r.factors.length > 0)
      .map((r) => [
        r.name,
        r.factors.length,
        formatInterval(meanInterval(r.factors.map((f) => f.first))),
        formatInterval(meanInterval(r.factors.map((f) => f.secondGivenFirst))),
        r.factors.map((f) => (f.secondGivenFirst * 100).toFixed(1)).join(', '),
      ]),
    note: 'From each run\'s last-epoch evaluation (eval.json: its confusion matrix over the validation clips). A class is a direction and a spin; spin at chance is 50%. Top-1 is the product of the two columns.',
  };
}
