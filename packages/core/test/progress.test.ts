/** Progress lines: rate and ETA, also for a job resumed part-way. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../src/progress.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk).trim());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

afterEach(() => vi.useRealTimers());

describe('createProgress (plain lines)', () => {
  it('the rate is measured between updates: unknown at the first, then the units per second since it', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, stream } = capture();
    const progress = createProgress({ label: 'job', total: 100, unit: 'steps', stream, lineIntervalMs: 0 });
    vi.setSystemTime(10_000);
    progress.update(20);
    expect(lines.at(-1)).toBe('job 20/100  ? steps/s ETA ?');
    vi.setSystemTime(20_000);
    progress.update(40);
    // 20 steps in 10 s: 2 steps/s, 60 left: 30 s
    expect(lines.at(-1)).toBe('job 40/100  2.00 steps/s ETA 30s');
  });

  it('a resumed job: the steps done before the first update do not count towards the rate', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, stream } = capture();
    const progress = createProgress({ label: 'job', total: 5000, unit: 'steps', stream, lineIntervalMs: 0 });
    vi.setSystemTime(1_000);
    progress.update(3501);
    vi.setSystemTime(11_000);
    progress.update(3521, { loss: 0.5 });
    // 20 steps in the 10 s since the first update: 2 steps/s, 1479 left
    expect(lines.at(-1)).toBe('job 3521/5000 loss 0.5 2.00 steps/s ETA 12m20s');
  });
});
