/** Means and 95% confidence intervals over seeds (Student t): the accuracy study and the demo. */

/** Two-sided 95% quantiles t(0.975, df) for df = 1..30 (standard tables). */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df); beyond the table, the normal quantile with a 1/df correction (within 0.002 of the exact value for df > 30). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  return df <= T_975.length ? T_975[df - 1] : 1.96 + 2.4 / df;
}

export interface Interval {
  mean: number;
  /** Half-width of the 95% interval (NaN with fewer than 2 values). */
  halfWidth: number;
  n: number;
}

/** Mean and the 95% t-interval of the mean. */
export function meanInterval(values: number[]): Interval {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, halfWidth: Number.NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, halfWidth: Number.NaN, n };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, halfWidth: tQuantile975(n - 1) * Math.sqrt(variance / n), n };
}

/** The interval of the per-pair differences a[i] - b[i] (paired by seed). */
export function pairedDifference(a: number[], b: number[]): Interval {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length (${a.length} vs ${b.length})`);
  return meanInterval(a.map((value, i) => value - b[i]));
}

/** "12.3 ± 1.4" in percent (values are fractions); "12.3" when there is no interval. */
export function formatInterval(interval: Interval, signed = false): string {
  const mean = `${signed && interval.mean > 0 ? '+' : ''}${(interval.mean * 100).toFixed(1)}`;
  return Number.isNaN(interval.halfWidth) ? mean : `${mean} ± ${(interval.halfWidth * 100).toFixed(1)}`;
}

/**
 * The Wilson 95% interval of an accuracy measured on `n` clips (one run: the
 * uncertainty of the validation sample, not of training). Returned as a mean
 * (the accuracy itself) and the half-width of the Wilson interval around its
 * centre, which for accuracies near 0 or 1 is not the accuracy.
 */
export function accuracyInterval(accuracy: number, n: number): Interval & { low: number; high: number } {
  if (n <= 0) return { mean: accuracy, halfWidth: Number.NaN, n, low: Number.NaN, high: Number.NaN };
  const z = 1.96;
  const centre = (accuracy + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((accuracy * (1 - accuracy)) / n + (z * z) / (4 * n * n));
  return { mean: accuracy, halfWidth: half, n, low: centre - half, high: centre + half };
}
