import { describe, expect, it } from 'vitest';
import { learningRateAt, ScheduleSchema } from '../src/loop/schedule.js';

describe('learning-rate schedules', () => {
  const base = 0.1;
  it('warms up linearly, then follows a cosine to minRatio', () => {
    const s = ScheduleSchema.parse({ kind: 'cosine', warmupSteps: 10, minRatio: 0.1 });
    expect(learningRateAt(base, s, 0, 110)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(base, s, 9, 110)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(base, s, 10, 110)).toBeCloseTo(0.1, 12);
    // halfway through the cosine part: (max + min) / 2
    expect(learningRateAt(base, s, 60, 110)).toBeCloseTo((0.1 + 0.01) / 2, 12);
    expect(learningRateAt(base, s, 110, 110)).toBeCloseTo(0.01, 12);
  });
  it('step: multiplies by gamma at each milestone', () => {
    const s = ScheduleSchema.parse({ kind: 'step', milestones: [0.5, 0.75], gamma: 0.1 });
    expect(learningRateAt(base, s, 49, 100)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(base, s, 50, 100)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(base, s, 75, 100)).toBeCloseTo(0.001, 12);
  });
  it('constant stays put', () => {
    const s = ScheduleSchema.parse({ kind: 'constant' });
    expect(learningRateAt(base, s, 0, 10)).toBe(0.1);
    expect(learningRateAt(base, s, 9, 10)).toBe(0.1);
  });
});
