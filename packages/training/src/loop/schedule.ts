/** Learning-rate schedules, as pure functions of the optimisation step. */
import { z } from 'zod';

export const ScheduleSchema = z
  .object({
    kind: z.enum(['constant', 'step', 'cosine']).default('cosine'),
    /** Steps of linear warm-up from 0 to the base rate, before the schedule proper. */
    warmupSteps: z.number().int().min(0).default(0),
    /** `step`: the epochs (as fractions of the run, 0..1) at which the rate is multiplied by `gamma`. */
    milestones: z.array(z.number().gt(0).lt(1)).default([0.5, 0.75]),
    gamma: z.number().gt(0).max(1).default(0.1),
    /** `cosine`: the final rate as a fraction of the base rate. */
    minRatio: z.number().min(0).max(1).default(0),
  })
  .strict();
export type Schedule = z.infer<typeof ScheduleSchema>;

/** The learning rate for optimisation step `step` (0-based) of a run of `totalSteps`. */
export function learningRateAt(baseRate: number, schedule: Schedule, step: number, totalSteps: number): number {
  if (step < schedule.warmupSteps) return (baseRate * (step + 1)) / schedule.warmupSteps;
  const span = Math.max(1, totalSteps - schedule.warmupSteps);
  const progress = Math.min(1, (step - schedule.warmupSteps) / span);
  switch (schedule.kind) {
    case 'constant':
      return baseRate;
    case 'step':
      return baseRate * schedule.gamma ** schedule.milestones.filter((m) => progress >= m).length;
    case 'cosine': {
      const min = baseRate * schedule.minRatio;
      return min + 0.5 * (baseRate - min) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
