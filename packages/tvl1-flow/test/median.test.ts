import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { medianFilter } from '../src/median.js';

/** The reference: gather each window (replicated borders) and sort it. */
function naiveMedian(src: Float32Array, width: number, height: number, size: number): Float32Array {
  const r = (size - 1) >> 1;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const window: number[] = [];
      for (let j = -r; j <= r; j++)
        for (let i = -r; i <= r; i++) {
          const yy = Math.min(height - 1, Math.max(0, y + j));
          const xx = Math.min(width - 1, Math.max(0, x + i));
          window.push(src[yy * width + xx]);
        }
      window.sort((a, b) => a - b);
      out[y * width + x] = window[(window.length - 1) / 2];
    }
  return out;
}

describe('medianFilter', () => {
  it.each([1, 3, 5, 7])('equals the sort-based median for size %i on random images, borders included', (size) => {
    const rand = seededRandom(size * 7919);
    for (let trial = 0; trial < 12; trial++) {
      const width = 1 + Math.floor(rand() * 23);
      const height = 1 + Math.floor(rand() * 17);
      // half the trials on a few levels only, so that windows hold equal values
      const levels = trial % 2 === 0 ? 4 : 0;
      const src = new Float32Array(width * height).map(() => (levels > 0 ? Math.floor(rand() * levels) : rand() * 20 - 10));
      const out = new Float32Array(width * height);
      medianFilter(src, width, height, size, out);
      expect(Array.from(out)).toEqual(Array.from(naiveMedian(src, width, height, size)));
    }
  });

  it('reuses its buffers across sizes and widths', () => {
    const rand = seededRandom(1);
    for (const [width, height, size] of [[40, 9, 5], [7, 30, 3], [64, 5, 5], [3, 3, 5]]) {
      const src = new Float32Array(width * height).map(() => rand());
      const out = new Float32Array(width * height);
      medianFilter(src, width, height, size, out);
      expect(Array.from(out)).toEqual(Array.from(naiveMedian(src, width, height, size)));
    }
  });

  it('rejects even or non-integer sizes', () => {
    const out = new Float32Array(4);
    expect(() => medianFilter(new Float32Array(4), 2, 2, 4, out)).toThrow(/size must be a positive odd integer, got 4/);
    expect(() => medianFilter(new Float32Array(4), 2, 2, 2.5, out)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});
