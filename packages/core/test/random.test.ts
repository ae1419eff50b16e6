import { describe, expect, it } from 'vitest';
import { mixSeeds, randomFromState, seededRandom } from '../src/index.js';

describe('randomFromState (xoshiro128**)', () => {
  it('gives the reference outputs for the state [1, 2, 3, 4]', () => {
    // worked by hand from Blackman & Vigna's definition: rotl(s1 * 5, 7) * 9, then the state update
    const random = randomFromState([1, 2, 3, 4]);
    expect([random(), random(), random()].map((x) => x * 2 ** 32)).toEqual([11520, 0, 5927040]);
  });

  it('continues exactly from a saved state', () => {
    const a = seededRandom(42);
    for (let i = 0; i < 100; i++) a();
    const b = randomFromState(a.state());
    expect(Array.from({ length: 50 }, () => b())).toEqual(Array.from({ length: 50 }, () => a()));
  });

  it('is uniform on [0, 1) (chi-square over 20 bins, 200k draws)', () => {
    const random = seededRandom(7);
    const bins = new Array(20).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = random();
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 20)]++;
    }
    const expected = n / 20;
    const chi2 = bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(43.8); // 99.9th percentile of chi-square with 19 degrees of freedom
  });

  it('gives integers in range and permutations', () => {
    const random = seededRandom(3);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[random.int(5)]++;
    expect(counts.every((c) => c > 900 && c < 1100)).toBe(true);
    expect([...random.permutation(10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses states that are not four uint32 words, or all zero', () => {
    expect(() => randomFromState([1, 2, 3] as never)).toThrow(RangeError);
    expect(() => randomFromState([0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('mixSeeds', () => {
  it('gives distinct streams for a million (seed, epoch, index) tuples, including those a linear mix confuses', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      for (let epoch = 0; epoch < 100; epoch++) {
        for (let index = 0; index < 1000; index++) seen.add(mixSeeds(seed, epoch, index).join(','));
      }
    }
    expect(seen.size).toBe(1_000_000);
    // seed*1_000_003 + epoch*7_919 + index collides for these two
    expect(mixSeeds(1, 0, 7919).join()).not.toBe(mixSeeds(1, 1, 0).join());
    // the number of parts matters, and so do negative numbers, large integers and strings
    expect(mixSeeds(1, 0).join()).not.toBe(mixSeeds(1, 0, 0).join());
    expect(mixSeeds(-1).join()).not.toBe(mixSeeds(2 ** 32 - 1).join());
    expect(mixSeeds(2 ** 40).join()).not.toBe(mixSeeds(0).join());
    expect(mixSeeds('ab').join()).not.toBe(mixSeeds('ba').join());
    expect(mixSeeds('a', 'b').join()).not.toBe(mixSeeds('ab').join());
  });

  it('flips about half of the state bits when one input bit changes (avalanche)', () => {
    const popcount = (x: number) => {
      let c = 0;
      for (let v = x >>> 0; v; v &= v - 1) c++;
      return c;
    };
    let total = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const a = mixSeeds(1, i);
      const b = mixSeeds(1, i ^ 1);
      total += a.reduce((s, w, k) => s + popcount(w ^ b[k]), 0);
    }
    expect(total / trials).toBeGreaterThan(60);
    expect(total / trials).toBeLessThan(68);
  });

  it('refuses parts that are not safe integers or strings', () => {
    expect(() => mixSeeds(0.5)).toThrow(RangeError);
    expect(() => mixSeeds(Number.NaN)).toThrow(RangeError);
  });
});
