import { describe, expect, it } from 'vitest';
import { labelFactors } from '../src/suites/label-factors.js';

const LABELS = ['left clockwise', 'left anticlockwise', 'up clockwise', 'up anticlockwise'];

describe('labelFactors', () => {
  it('splits top-1 into the first part of the label and the second given the first', () => {
    // 40 clips: 10 per class; 9 + 9 + 8 + 9 = 35 with the right direction, 6 + 5 + 5 + 6 = 22 fully right
    const confusion = [
      [6, 3, 1, 0],
      [4, 5, 0, 1],
      [2, 0, 5, 3],
      [0, 1, 3, 6],
    ];
    const f = labelFactors(confusion, LABELS);
    expect(f.first).toBeCloseTo(35 / 40, 12);
    expect(f.secondGivenFirst).toBeCloseTo(22 / 35, 12);
    expect(f.first * f.secondGivenFirst).toBeCloseTo(22 / 40, 12);
  });

  it('gives spin at chance for a model that knows the direction and guesses the spin', () => {
    const f = labelFactors([[5, 5, 0, 0], [5, 5, 0, 0], [0, 0, 5, 5], [0, 0, 5, 5]], LABELS);
    expect(f.first).toBe(1);
    expect(f.secondGivenFirst).toBe(0.5);
  });

  it('refuses labels without a second part', () => {
    expect(() => labelFactors([[1]], ['left'])).toThrow(/no second part/);
  });
});
