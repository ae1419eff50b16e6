/** The study's statistics on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { formatInterval, meanInterval, pairedDifference, tQuantile975 } from '../src/report/stats.js';

describe('meanInterval', () => {
  it('1..5: mean 3, s = sqrt(2.5), half-width t(4) * s / sqrt(5) = 2.776 * 0.70711 = 1.9629', () => {
    const interval = meanInterval([1, 2, 3, 4, 5]);
    expect(interval.mean).toBe(3);
    expect(interval.halfWidth).toBeCloseTo(1.9629, 3);
  });

  it('one value has no interval; none has no mean', () => {
    expect(Number.isNaN(meanInterval([0.4]).halfWidth)).toBe(true);
    expect(Number.isNaN(meanInterval([]).mean)).toBe(true);
  });

  it('paired differences remove the shared per-seed offset', () => {
    // b = a - 0.1 + tiny noise: the unpaired intervals overlap, the paired one excludes 0
    const a = [0.5, 0.7, 0.3, 0.9, 0.6];
    const b = [0.41, 0.59, 0.2, 0.81, 0.49];
    const diff = pairedDifference(a, b);
    expect(diff.mean).toBeCloseTo(0.1, 6); // differences 0.09, 0.11, 0.10, 0.09, 0.11
    expect(diff.mean - diff.halfWidth).toBeGreaterThan(0);
    expect(meanInterval(a).mean - meanInterval(a).halfWidth).toBeLessThan(meanInterval(b).mean);
    expect(() => pairedDifference([1], [1, 2])).toThrow(/length/);
  });

  it('t quantiles: table values and the large-df approximation (t(60) = 2.000, t(120) = 1.980)', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(10)).toBe(2.228);
    expect(tQuantile975(60)).toBeCloseTo(2.0, 2);
    expect(tQuantile975(120)).toBeCloseTo(1.98, 2);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });

  it('formats percent with the half-width', () => {
    expect(formatInterval({ mean: 0.4567, halfWidth: 0.0123, n: 5 })).toBe('45.7 ± 1.2');
    expect(formatInterval({ mean: 0.05, halfWidth: Number.NaN, n: 1 }, true)).toBe('+5.0');
  });
});

describe('accuracyInterval (Wilson)', () => {
  it('40 of 100: [0.309, 0.498] (textbook Wilson interval, z = 1.96)', async () => {
    const { accuracyInterval } = await import('../src/report/stats.js');
    const interval = accuracyInterval(0.4, 100);
    expect(interval.low).toBeCloseTo(0.309, 3);
    expect(interval.high).toBeCloseTo(0.498, 3);
  });

  it('stays inside [0, 1] at 0 and 1 (0 of 20: [0, 0.161])', async () => {
    const { accuracyInterval } = await import('../src/report/stats.js');
    expect(accuracyInterval(0, 20).low).toBeCloseTo(0, 6);
    expect(accuracyInterval(0, 20).high).toBeCloseTo(0.161, 3);
    expect(accuracyInterval(1, 20).high).toBeCloseTo(1, 6);
  });
});
