/** Progress lines: rate and ETA, also for a job resumed part-way. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../src/progress.js';

/** A plain-line progress of `total` steps on fake timers at t = 0, and the lines it writes. */
function plainProgress(total: number) {
  vi.useFakeTimers({ now: 0 });
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk).trim());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const progress = createProgress({ label: 'job', total, unit: 'steps', stream, lineIntervalMs: 0 });
  /** update(done, fields) at `ms`; the line it printed. */
  const at = (ms: number, done: number, fields?: Record<string, number>, rate?: number) => {
    vi.setSystemTime(ms);
    progress.update(done, fields, rate);
    return lines.at(-1);
  };
  return at;
}

afterEach(() => vi.useRealTimers());

describe('createProgress (plain lines)', () => {
  it('the rate is measured between updates: unknown at the first, then the units per second since it', () => {
    const at = plainProgress(100);
    expect(at(10_000, 20)).toBe('job 20/100  ? steps/s ETA ?');
    // 20 steps in 10 s: 2 steps/s, 60 left: 30 s
    expect(at(20_000, 40)).toBe('job 40/100  2.00 steps/s ETA 30s');
  });

  it('a resumed job: the steps done before the first update do not count towards the rate', () => {
    const at = plainProgress(5000);
    at(1_000, 3501);
    // 20 steps in the 10 s since the first update: 2 steps/s, 1479 left
    expect(at(11_000, 3521, { loss: 0.5 })).toBe('job 3521/5000 loss 0.5 2.00 steps/s ETA 12m20s');
  });

  it('a rate the caller measured is shown from the first update (an epoch shorter than the log interval has one update)', () => {
    const at = plainProgress(4);
    // 0.5 s per step measured by the caller: 2 steps/s, 1 step left
    expect(at(10_000, 3, { loss: 0.5 }, 2)).toBe('job 3/4 loss 0.5 2.00 steps/s ETA 1s');
  });
});
