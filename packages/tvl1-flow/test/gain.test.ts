import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { fitGainOffset } from '../src/gain.js';

/** sum |b - g a - c| over the pixels where b is a number. */
function l1(a: Float32Array, b: Float32Array, g: number, c: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(b[i])) s += Math.abs(b[i] - g * a[i] - c);
  return s;
}

/** The exact L1 line fit by brute force: an optimum passes through two of the points, so try every pair. */
function bruteForceL1(a: Float32Array, b: Float32Array): { gain: number; offset: number; cost: number } {
  let best = { gain: 1, offset: 0, cost: Number.POSITIVE_INFINITY };
  for (let i = 0; i < a.length; i++)
    for (let j = i + 1; j < a.length; j++) {
      if (Number.isNaN(b[i]) || Number.isNaN(b[j]) || a[i] === a[j]) continue;
      const gain = (b[j] - b[i]) / (a[j] - a[i]);
      const offset = b[i] - gain * a[i];
      const cost = l1(a, b, gain, offset);
      if (cost < best.cost) best = { gain, offset, cost };
    }
  return best;
}

describe('fitGainOffset', () => {
  it('reaches the L1 optimum of a brute-force search over point pairs, on random data with outliers and NaN (no match) entries', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 8; trial++) {
      const n = 40 + Math.floor(rand() * 40);
      const [g, c] = [0.7 + 0.6 * rand(), 40 * (rand() - 0.5)];
      const a = new Float32Array(n).map(() => 255 * rand());
      const b = a.map((v) => {
        const r = rand();
        if (r < 0.1) return Number.NaN;
        if (r < 0.35) return 255 * rand(); // mismatched pixels
        return g * v + c + 2 * (rand() - 0.5); // matched: the brightness change plus noise
      });
      const fit = fitGainOffset(a, b);
      const best = bruteForceL1(a, b);
      // IRLS with a 1-level floor on the weights: within 0.5% of the optimal cost
      expect(l1(a, b, fit.gain, fit.offset)).toBeLessThan(1.005 * best.cost);
      expect(Math.abs(fit.gain - g)).toBeLessThan(0.03);
      expect(Math.abs(fit.offset - c)).toBeLessThan(4);
    }
  });

  it('is not pulled by a large minority of other values, unlike a least-squares or mean-and-spread fit', () => {
    const rand = seededRandom(3);
    const n = 5000;
    const a = new Float32Array(n).map(() => 40 + 170 * rand());
    // 70% follow b = 1.2 a + 15; 30% (an object that moved in) are dark
    const b = a.map((v, i) => (i % 10 < 7 ? 1.2 * v + 15 : 20 + 10 * rand()));
    const fit = fitGainOffset(a, b);
    expect(fit.gain).toBeCloseTo(1.2, 2);
    expect(fit.offset).toBeCloseTo(15, 0);
  });

  it('minChange: a fit within 0.03 of gain 1 and 3 levels of offset 0 is (1, 0), one just outside is kept', () => {
    const a = new Float32Array(400).map((_, i) => (i * 37) % 256);
    expect(fitGainOffset(a, a.map((v) => 1.02 * v + 2), { minChange: true })).toEqual({ gain: 1, offset: 0 });
    const outside = fitGainOffset(a, a.map((v) => 1.02 * v + 4), { minChange: true });
    expect(outside.gain).toBeCloseTo(1.02, 3);
    expect(outside.offset).toBeCloseTo(4, 1);
    expect(fitGainOffset(a, a.map((v) => 0.96 * v), { minChange: true }).gain).toBeCloseTo(0.96, 3);
    expect(fitGainOffset(a, a.map((v) => 1.02 * v + 2)).gain).toBeCloseTo(1.02, 3);
  });

  it('minReduction: keeps a fit only where it lowers the summed absolute residual by that fraction', () => {
    const rand = seededRandom(11);
    const n = 4000;
    const a = new Float32Array(n).map(() => 30 + 190 * rand());
    // a true change (gain 1.1, offset 8) on 90% of the pixels: the fit removes most of the residual
    const changed = a.map((v, i) => (i % 10 < 9 ? 1.1 * v + 8 : 255 * rand()));
    const real = fitGainOffset(a, changed, { symmetric: true, minReduction: 0.5 });
    expect(real.gain).toBeCloseTo(1.1, 2);
    // no change, but only 20% matched (a wrong flow): the residual is mostly mismatch, the fit hardly lowers it
    const mismatched = a.map((v, i) => (i % 10 < 2 ? v : a[(i * 7919) % n] * 0.8 + 10));
    const loose = fitGainOffset(a, mismatched, { symmetric: true });
    expect(loose).not.toEqual({ gain: 1, offset: 0 });
    const l1Of = (g: number, c: number) => a.reduce((s, v, i) => s + Math.abs(mismatched[i] - g * v - c), 0);
    const reduction = 1 - l1Of(loose.gain, loose.offset) / l1Of(1, 0);
    expect(reduction).toBeGreaterThan(0);
    expect(fitGainOffset(a, mismatched, { symmetric: true, minReduction: reduction + 0.02 })).toEqual({ gain: 1, offset: 0 });
    expect(fitGainOffset(a, mismatched, { symmetric: true, minReduction: Math.max(0, reduction - 0.02) })).toEqual(loose);
  });

  it('gives (1, 0) without enough matched pixels or for a fit outside [0.5, 2]', () => {
    const a = new Float32Array(20).map((_, i) => i);
    expect(fitGainOffset(a, new Float32Array(20).fill(Number.NaN))).toEqual({ gain: 1, offset: 0 });
    expect(fitGainOffset(a, a.map((v) => 3 * v))).toEqual({ gain: 1, offset: 0 });
    expect(fitGainOffset(new Float32Array(20).fill(5), a)).toEqual({ gain: 1, offset: 0 });
  });
});

describe('fitGainOffset symmetric', () => {
  /** b = g a + c at an aligned fraction of the pixels, g a' + c (a' another pixel's value: a wrong flow) elsewhere. */
  function misaligned(aligned: number, g: number, c: number, n: number, seed: number) {
    const rand = seededRandom(seed);
    const a = new Float32Array(n).map(() => 255 * rand() ** 1.5);
    const b = a.map((v) => g * (rand() < aligned ? v : a[Math.floor(rand() * n)]) + c);
    return { a, b };
  }

  it('stays near the gain while most pixels are still mismatched, where the one-sided L1 fit shrinks it', () => {
    for (const [g, c] of [
      [1.2, 10],
      [0.8, -5],
    ]) {
      const { a, b } = misaligned(0.35, g, c, 40000, 5);
      const sym = fitGainOffset(a, b, { symmetric: true });
      const one = fitGainOffset(a, b);
      // measured: 1.128 / 0.854 symmetric, 0.947 / 0.705 one-sided
      expect(Math.abs(sym.gain - g)).toBeLessThan(0.08);
      expect(Math.abs(sym.gain - g)).toBeLessThan(0.6 * Math.abs(one.gain - g));
    }
  });

  it('equals the one-sided fit on aligned pixels (every k-th one above 32768 pixels)', () => {
    const { a, b } = misaligned(1, 1.15, 12, 100000, 6);
    for (const fit of [fitGainOffset(a, b, { symmetric: true }), fitGainOffset(a, b)]) {
      expect(fit.gain).toBeCloseTo(1.15, 2);
      expect(fit.offset).toBeCloseTo(12, 0);
    }
  });
});
