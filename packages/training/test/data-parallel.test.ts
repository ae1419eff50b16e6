/**
 * Data-parallel training through the one loop, in real processes on
 * 127.0.0.1: 2 ranks equal one process accumulating the same two
 * micro-batches; ranks with different settings are refused; a NaN on one rank
 * makes every rank skip that step.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distributedAvailability } from '@trajectorynet/distributed';
import { describe, expect, it } from 'vitest';
import { runRanks } from './ranks-harness.js';

const availability = distributedAvailability();
if (!availability.ok) console.warn(`[training] data-parallel tests skipped: ${availability.reason}`);
const FIXTURE = 'fixtures/data-parallel-rank.mjs';

const outDir = () => mkdtemp(path.join(tmpdir(), 'tjn-dp-'));

describe.skipIf(!availability.ok)('data-parallel training loop', () => {
  it('2 ranks end with the weights of one process accumulating their two micro-batches', async () => {
    const [single] = await runRanks(FIXTURE, [await outDir()], 0);
    expect(single.stderr).toBe('');
    expect(single.code).toBe(0);
    const ranks = await runRanks(FIXTURE, [await outDir()], 2);
    for (const r of ranks) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const expected = JSON.parse(single.stdout) as Record<string, number[]>;
    const actual = JSON.parse(ranks[0].stdout) as Record<string, number[]>;
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    let largest = 0;
    for (const [name, values] of Object.entries(expected)) {
      expect(actual[name]).toHaveLength(values.length);
      values.forEach((v, i) => {
        largest = Math.max(largest, Math.abs(actual[name][i] - v));
      });
    }
    expect(largest).toBeLessThan(1e-5);
    // and training moved them: the comparison is not between two untouched models
    expect(Math.max(...expected['hidden/kernel'].map(Math.abs))).toBeGreaterThan(0);
  });

  it('refuses ranks started with different settings, every rank with one line naming the rank', async () => {
    const ranks = await runRanks(FIXTURE, [await outDir()], 2, { rankEnv: (rank): Record<string, string> => (rank === 1 ? { DP_LR: '0.2' } : {}) });
    for (const r of ranks) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`rank ${r.rank}: rank 1 started with a different model, settings or checkpoint than rank 0; start every rank with the same command and files`);
    }
  });

  it('a NaN loss on one rank makes every rank skip that step and go on', async () => {
    const ranks = await runRanks(FIXTURE, [await outDir()], 2, { rankEnv: (rank): Record<string, string> => (rank === 1 ? { DP_NAN_STEP: '2' } : {}) });
    for (const r of ranks) {
      expect(r.code).toBe(0);
      expect(r.stderr.trim()).toBe('skipped step 2 (1 rank(s) non-finite)');
    }
    const weights = JSON.parse(ranks[0].stdout) as Record<string, number[]>;
    expect(Object.values(weights).flat().every(Number.isFinite)).toBe(true);
  });
});
