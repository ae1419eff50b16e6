/** matchMeanAndSpread against a float64 reference of mean and standard deviation, on random images. */
import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { matchMeanAndSpread } from '../src/image.js';

function stats(img: Float32Array): [number, number] {
  const mean = img.reduce((s, v) => s + v, 0) / img.length;
  return [mean, Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / img.length)];
}

describe('matchMeanAndSpread', () => {
  it.each([
    [7, 5],
    [40, 33],
    [129, 3],
  ])('gives b the mean and spread of a (%ix%i random images), keeping the order of its values', (w, h) => {
    const rand = seededRandom(w * h);
    const a = Float32Array.from({ length: w * h }, () => 255 * rand());
    const b = Float32Array.from({ length: w * h }, () => 30 + 90 * rand());
    const before = Float32Array.from(b);
    matchMeanAndSpread(a, b);
    const [[ma, sa], [mb, sb]] = [stats(a), stats(b)];
    expect(mb).toBeCloseTo(ma, 2);
    expect(sb).toBeCloseTo(sa, 2);
    // an increasing affine map: the same ranks
    for (let i = 1; i < b.length; i++) expect(Math.sign(b[i] - b[0])).toBe(Math.sign(before[i] - before[0]));
  });

  it('leaves a constant image alone', () => {
    const b = new Float32Array(12).fill(9);
    matchMeanAndSpread(Float32Array.from({ length: 12 }, (_, i) => i), b);
    expect(Array.from(b)).toEqual(new Array(12).fill(9));
  });
});
