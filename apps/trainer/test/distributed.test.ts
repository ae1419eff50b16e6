/**
 * `trajectorynet train --nproc-per-node 2` on the synthetic set: a rank
 * killed with SIGKILL mid-run stops the group, the survivor says which
 * collective lost its peer, the launcher names the dead rank, exit code 7.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distributedAvailability } from '@trajectorynet/distributed';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=2', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];
const availability = distributedAvailability();
if (!availability.ok) console.warn(`[trainer] distributed tests skipped: ${availability.reason}`);

/** The pid of the process whose environment has RANK=<rank> and whose command line mentions `marker`. */
function rankPid(marker: string, rank: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

describe.skipIf(!availability.ok)('trajectorynet train --nproc-per-node', () => {
  it('a rank killed mid-run stops the group with one line naming it (exit code 7)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-nproc-'));
    const sets = [...SMALL, 'train.epochs=30'].flatMap((s) => ['--set', s]);
    const child = spawn(process.execPath, [CLI, 'train', '--preset', 'trajectorynet-r18-tiny', ...sets, '--out', out, '--quiet', '--nproc-per-node', '2', '--dist-timeout', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // wait for the first logged step, then kill rank 1
    const metrics = path.join(out, 'metrics.jsonl');
    for (let i = 0; i < 200 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step"')); i++) await new Promise((r) => setTimeout(r, 1000));
    const pid = rankPid(out, 1);
    expect(pid).not.toBeNull();
    const killedAt = Date.now();
    process.kill(pid as number, 'SIGKILL');
    const code = await exited;
    expect(code).toBe(7);
    // well within the 60 s timeout: Gloo sees the closed connection
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^trajectorynet: rank 0: lost another rank during collective #\d+ \(allreduce of \d+ floats\): .*Connection closed by peer/);
    expect(lines.at(-1)).toBe('trajectorynet train: rank 1 of 2 was killed by SIGKILL; the group stopped');
  });
});
