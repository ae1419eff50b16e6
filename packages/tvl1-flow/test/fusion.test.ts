import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { fuseFlows } from '../src/fusion.js';

describe('fuseFlows', () => {
  it('keeps, per pixel, the candidate that maps I0 onto I1: the true shift on one half, zero flow on the other', () => {
    const rand = seededRandom(3);
    const [w, h] = [40, 30];
    const I0 = new Float32Array(w * h).map(() => 255 * rand());
    // I1: the left half moved right by 2 px, the right half still
    const I1 = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) I1[y * w + x] = x < w / 2 + 2 && x >= 2 ? I0[y * w + x - 2] : I0[y * w + x];
    const zero = () => new Float32Array(w * h);
    const [a1, a2] = [zero(), zero()];
    const [b1, b2] = [zero().fill(2), zero()];
    const taken = fuseFlows(I0, I1, w, h, a1, a2, b1, b2, 1);
    let wrong = 0;
    for (let y = 1; y < h - 1; y++)
      for (let x = 1; x < w - 1; x++) {
        // away from the seam (window radius 1 plus the 2 px shift), the right candidate wins
        if (Math.abs(x - w / 2) <= 4) continue;
        const expected = x < w / 2 ? 2 : 0;
        if (a1[y * w + x] !== expected) wrong += 1;
      }
    expect(wrong).toBe(0);
    expect(Array.from(a2).every((v) => v === 0)).toBe(true);
    expect(taken).toBeGreaterThan(0.4);
    expect(taken).toBeLessThan(0.6);
  });
});
