/**
 * Data-parallel training between two "machines": two Linux network
 * namespaces joined by a veth pair, each with its own address (rank 0 on
 * 10.233.x.1, rank 1 on 10.233.x.2), so Gloo's traffic crosses an interface
 * between hosts instead of the loopback. Skipped, saying why, where the
 * kernel refuses (no CAP_NET_ADMIN, no `ip`, no veth).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distributedAvailability } from '@trajectorynet/distributed';
import { afterAll, describe, expect, it } from 'vitest';
import { runRanks } from './ranks-harness.js';

const FIXTURE = 'fixtures/data-parallel-rank.mjs';
const id = process.pid % 100_000;
const NS = [`tjn${id}a`, `tjn${id}b`];
const LINK = [`tjn${id}va`, `tjn${id}vb`];
const subnet = `10.233.${id % 250}`;
const ADDRESS = [`${subnet}.1`, `${subnet}.2`];

/** Runs `ip args`; the error text when it fails. */
function ip(...args: string[]): string | null {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error != null) return `ip: ${result.error.message}`;
  return result.status === 0 ? null : `ip ${args.join(' ')}: ${result.stderr.trim()}`;
}

function removeNamespaces(): void {
  // deleting a namespace deletes the veth end inside it, and with it its peer
  for (const ns of NS) ip('netns', 'del', ns);
}

/** Two namespaces, a veth pair between them, an address on each end: null, or why not. */
function setUp(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  const steps: string[][] = [
    ['netns', 'add', NS[0]],
    ['netns', 'add', NS[1]],
    ['link', 'add', LINK[0], 'type', 'veth', 'peer', 'name', LINK[1]],
    ...[0, 1].flatMap((i) => [
      ['link', 'set', LINK[i], 'netns', NS[i]],
      ['-n', NS[i], 'addr', 'add', `${ADDRESS[i]}/24`, 'dev', LINK[i]],
      ['-n', NS[i], 'link', 'set', LINK[i], 'up'],
      ['-n', NS[i], 'link', 'set', 'lo', 'up'],
    ]),
  ];
  for (const step of steps) {
    const error = ip(...step);
    if (error != null) {
      removeNamespaces();
      ip('link', 'del', LINK[0]);
      return `${error} (creating network namespaces needs CAP_NET_ADMIN and veth support)`;
    }
  }
  return null;
}

const availability = distributedAvailability();
const refused = !availability.ok ? availability.reason : setUp();
if (refused != null) console.warn(`[training] the two-machines test is skipped: ${refused}`);

describe.skipIf(refused != null)('data-parallel training between two network namespaces', { timeout: 240_000 }, () => {
  afterAll(removeNamespaces);

  it('ranks on two hosts (own address and interface each) train to the weights of one process', async () => {
    const [single] = await runRanks(FIXTURE, [await mkdtemp(path.join(tmpdir(), 'tjn-2m-'))], 0);
    expect(single.code, single.stderr).toBe(0);
    const ranks = await runRanks(FIXTURE, [await mkdtemp(path.join(tmpdir(), 'tjn-2m-'))], 2, {
      prefix: (rank) => ['ip', 'netns', 'exec', NS[rank]],
      // rank 0's address as rank 1 reaches it; each rank's Gloo binds to its veth end
      env: { MASTER_ADDR: ADDRESS[0] },
      rankEnv: (rank): Record<string, string> => ({ GLOO_SOCKET_IFNAME: LINK[rank] }),
    });
    for (const r of ranks) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const expected = JSON.parse(single.stdout) as Record<string, number[]>;
    const actual = JSON.parse(ranks[0].stdout) as Record<string, number[]>;
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    let largest = 0;
    for (const [name, values] of Object.entries(expected)) {
      for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(actual[name][i] - values[i]));
    }
    expect(largest).toBeLessThan(1e-5);
  });

  it('the namespaces are separate hosts: rank 1 cannot reach rank 0 through 127.0.0.1', async () => {
    const ranks = await runRanks(FIXTURE, [await mkdtemp(path.join(tmpdir(), 'tjn-2m-'))], 2, {
      prefix: (rank) => ['ip', 'netns', 'exec', NS[rank]],
      env: { MASTER_ADDR: '127.0.0.1', DP_TIMEOUT_MS: '5000' },
      timeoutMs: 60_000,
    });
    // each namespace's loopback is its own: the group never forms, and both ranks give up after the timeout (exit code 7)
    for (const r of ranks) {
      expect(r.code, r.stderr).toBe(7);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^rank ${r.rank}: no process group of 2 ranks at 127\\.0\\.0\\.1:\\d+ within 5 s`));
    }
  });
});
