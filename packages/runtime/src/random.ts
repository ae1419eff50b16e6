/**
 * One seeded random stream per run, whose state goes into checkpoints so that
 * a resumed run draws exactly the numbers the uninterrupted run would have.
 *
 * tfjs draws the seeds of its unseeded random ops (weight initialisers,
 * dropout masks) from Math.random, so while a run is active Math.random is
 * this stream too; `release()` restores the original.
 */
import seedrandom from 'seedrandom';

export type RandomState = seedrandom.State.Alea;

export interface RunRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[];
  state(): RandomState;
  release(): void;
}

export function createRunRandom(seed: number | string, restore?: RandomState): RunRandom {
  const prng = restore != null ? seedrandom.alea('', { state: restore }) : seedrandom.alea(String(seed), { state: true });
  const originalMathRandom = Math.random;
  Math.random = () => prng();
  const next = () => prng();
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    permutation(n) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order;
    },
    state: () => prng.state(),
    release: () => {
      Math.random = originalMathRandom;
    },
  };
}

/** Runs `fn` with Math.random seeded (e.g. while building a model, so that its initial weights follow the seed). */
export function withSeededRandom<T>(seed: number | string, fn: () => T): T {
  const random = createRunRandom(seed);
  try {
    return fn();
  } finally {
    random.release();
  }
}
