/**
 * One seeded random stream per run (@trajectorynet/core's generator), whose
 * state goes into checkpoints so that a resumed run draws exactly the numbers
 * the uninterrupted run would have.
 *
 * tfjs draws the seeds of its unseeded random ops (weight initialisers,
 * dropout masks) from Math.random, so while a run is active Math.random is
 * this stream too; `release()` restores the original.
 */
import { type Random, type RandomState, randomFromState, type SeedPart, seededRandom } from '@trajectorynet/core';

export interface RunRandom extends Random {
  /** Gives Math.random back. */
  release(): void;
}

/** A run's stream from its seed parts, or continuing from a saved `state()`; Math.random follows it until `release()`. */
export function createRunRandom(seed: SeedPart | readonly SeedPart[], restore?: RandomState): RunRandom {
  const random = (restore != null ? randomFromState(restore) : seededRandom(...(Array.isArray(seed) ? seed : [seed as SeedPart]))) as RunRandom;
  const originalMathRandom = Math.random;
  Math.random = random;
  random.release = () => {
    Math.random = originalMathRandom;
  };
  return random;
}

/** Runs `fn` with Math.random seeded (e.g. while building a model, so that its initial weights follow the seed). */
export function withSeededRandom<T>(seed: SeedPart | readonly SeedPart[], fn: () => T): T {
  const random = createRunRandom(seed);
  try {
    return fn();
  } finally {
    random.release();
  }
}
