/**
 * Timing of one operation: warm-up runs, then runs until both a minimum count
 * and a minimum time are reached; the median is reported (robust to the odd
 * slow run on a shared machine).
 */
export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

export interface TimingOptions {
  warmup?: number;
  minRuns?: number;
  minSeconds?: number;
  maxRuns?: number;
}

export async function timeIt(fn: () => Promise<void> | void, options: TimingOptions = {}): Promise<Timing> {
  const { warmup = 1, minRuns = 3, minSeconds = 1, maxRuns = 50 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < maxRuns && (samples.length < minRuns || performance.now() - started < minSeconds * 1000)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const medianMs = samples.length % 2 === 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { medianMs, minMs: samples[0], runs: samples.length };
}

/** Resident set size now, in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}
