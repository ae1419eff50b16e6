/** Starts test ranks as Node processes on 127.0.0.1 with torchrun's environment. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLocalPort } from '../src/launch-env.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RankResult {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the start of the group to this rank's exit. */
  ms: number;
}

/** A port free right now on 127.0.0.1. */
export const freePort = freeLocalPort;

/** Runs `script` as ranks `ranks` of a group of `worldSize` (all ranks by default). */
export async function runRanks(
  script: string,
  args: string[],
  worldSize: number,
  options: { ranks?: number[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RankResult[]> {
  const port = await freePort();
  const started = Date.now();
  const ranks = options.ranks ?? Array.from({ length: worldSize }, (_, r) => r);
  return Promise.all(
    ranks.map(
      (rank) =>
        new Promise<RankResult>((resolve) => {
          const child = spawn(process.execPath, [path.resolve(here, script), ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: {
              ...process.env,
              RANK: String(rank),
              LOCAL_RANK: String(rank),
              WORLD_SIZE: String(worldSize),
              MASTER_ADDR: '127.0.0.1',
              MASTER_PORT: String(port),
              ...options.env,
            },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => {
            stdout += d;
          });
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
          child.on('close', (code, signal) => {
            clearTimeout(killer);
            resolve({ rank, code, signal, stdout, stderr, ms: Date.now() - started });
          });
        }),
    ),
  );
}
