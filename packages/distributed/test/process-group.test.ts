import { describe, expect, it } from 'vitest';
import { distributedAvailability, ProcessGroup, readLaunchEnv } from '../src/index.js';
import { runRanks } from './harness.js';

const availability = distributedAvailability();
if (!availability.ok) console.warn(`[distributed] process-group tests skipped: ${availability.reason}`);

/** The fixture's values, computed here independently of the binding. */
function valuesOf(rank: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7 + rank * 13) % 101) - 50);
}

function expectedSums(worldSize: number, n: number): number[] {
  const perRank = Array.from({ length: worldSize }, (_, r) => valuesOf(r, n));
  const sum = Array.from({ length: n }, (_, i) => perRank.reduce((a, values) => a + values[i], 0));
  return [sum[0], sum[n - 1], sum.reduce((a, b) => a + b, 0)];
}

describe('readLaunchEnv', () => {
  it('reads torchrun variables and refuses bad ones with the variable named', () => {
    expect(readLaunchEnv({})).toBeNull();
    expect(readLaunchEnv({ WORLD_SIZE: '4', RANK: '2', LOCAL_RANK: '0', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29400', GLOO_SOCKET_IFNAME: 'eth1' })).toEqual({
      rank: 2,
      worldSize: 4,
      localRank: 0,
      masterAddr: '10.0.0.1',
      masterPort: 29400,
      ifname: 'eth1',
      agentStore: false,
      restartCount: 0,
    });
    expect(() => readLaunchEnv({ WORLD_SIZE: '2', RANK: '2' })).toThrow(/RANK: must be below WORLD_SIZE \(2\)/);
    expect(() => readLaunchEnv({ WORLD_SIZE: '2' })).toThrow(/RANK: is not set/);
    expect(() => readLaunchEnv({ WORLD_SIZE: 'two', RANK: '0' })).toThrow(/WORLD_SIZE: must be a non-negative integer/);
  });
});

describe.skipIf(!availability.ok)('ProcessGroup over Gloo on 127.0.0.1', () => {
  for (const worldSize of [2, 4]) {
    it(`sums, max and broadcast are exact across ${worldSize} Node processes`, async () => {
      const results = await runRanks('fixtures/rank.mjs', ['sums'], worldSize);
      for (const r of results) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout);
        for (const n of [1, 1000, 1 << 20]) expect(out[`sum${n}`]).toEqual(expectedSums(worldSize, n));
        const perRank = Array.from({ length: worldSize }, (_, k) => valuesOf(k, 257));
        const max = Array.from({ length: 5 }, (_, i) => Math.max(...perRank.map((values) => values[i])));
        expect(out.max).toEqual(max);
        const root = valuesOf(worldSize - 1, 4096);
        expect(out.broadcast).toEqual([root[0], root[4095], root.reduce((a, b) => a + b, 0)]);
      }
    });
  }

  it('keeps the event loop free while a collective waits for a late rank', async () => {
    const [first] = await runRanks('fixtures/rank.mjs', ['event-loop'], 2);
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.first).toBe(valuesOf(0, 1)[0] + valuesOf(1, 1)[0]);
    // rank 1 issues 800 ms late: a blocked loop would tick about once
    expect(out.ticks).toBeGreaterThan(20);
  });

  it('a killed rank makes the others exit with one line naming their rank and the cause (exit code 7), well within the timeout', async () => {
    const results = await runRanks('fixtures/rank.mjs', ['die'], 3, { env: { DIST_TIMEOUT_MS: '30000' } });
    expect(results[2].signal).toBe('SIGKILL');
    for (const r of results.slice(0, 2)) {
      expect(r.code).toBe(7);
      const lines = r.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(new RegExp(`^rank ${r.rank}: lost another rank during collective #1 \\(allreduce of 1024 floats\\): `));
      // the fixture prints how long its collective waited: Gloo sees the closed connection, not the 30 s timeout
      const waited = Number(/after (\d+) ms/.exec(r.stderr)?.[1]);
      expect(waited).toBeLessThan(10_000);
    }
  });

  it('a rank that stops taking part makes the others fail after the timeout (exit code 7)', async () => {
    const results = await runRanks('fixtures/rank.mjs', ['stall'], 2, { env: { DIST_TIMEOUT_MS: '3000' }, timeoutMs: 40_000 });
    const first = results[0];
    expect(first.code).toBe(7);
    expect(first.stderr.trim()).toMatch(/^rank 0: (another rank did not take part in collective #1 \(allreduce of 1024 floats\) within 3 s|lost another rank during collective #1)/);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a rank that never arrives gives one line after the store timeout', async () => {
    const started = Date.now();
    const [first] = await runRanks('fixtures/rank.mjs', ['sums'], 2, { ranks: [0], env: { DIST_TIMEOUT_MS: '3000' }, timeoutMs: 40_000 });
    expect(first.code).toBe(7);
    expect(first.stderr.trim()).toMatch(/^rank 0: no process group of 2 ranks at 127\.0\.0\.1:\d+ within 3 s \(.*\); did every rank start/);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });

  it('refuses a timeout that is not a positive number of milliseconds', async () => {
    await expect(ProcessGroup.create({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: 1, timeoutMs: 0 })).rejects.toThrow(/rank 0: the timeout must be a positive/);
  });
});
