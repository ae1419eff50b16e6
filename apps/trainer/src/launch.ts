/**
 * `trajectorynet train --nproc-per-node N`: a local launcher like torchrun's
 * standalone mode. It starts N copies of this command line with torchrun's
 * environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, a free
 * MASTER_PORT), passes their output through, and ends with the first failing
 * rank's exit code, after one line naming that rank. The other ranks stop by
 * themselves (a lost rank is noticed within a fraction of a second, a hung one
 * after --dist-timeout); the launcher kills what is left after that timeout.
 *
 * With `maxRestarts` K > 0 (torchrun's --max-restarts), a failure stops the
 * whole group at once and starts every rank again, resuming from the run
 * folder's latest checkpoint, up to K times (one line each). Failures that
 * would only repeat (exit codes 2-6: the command, data, checkpoint, a
 * diverged run, the machine) are not restarted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXIT_CODES } from '@trajectorynet/core';
import { freeLocalPort, localRankEnv } from '@trajectorynet/distributed';
import { LATEST } from '@trajectorynet/training';

/** Options of the launcher itself, with whether each takes a value: not passed to the ranks. */
const LAUNCHER_OPTIONS: Record<string, boolean> = { '--nproc-per-node': true, '--max-restarts': true };
/** Options a restart drops: the run goes on from the run folder's latest checkpoint (`--resume`). */
const FIRST_START_OPTIONS: Record<string, boolean> = { '--overwrite': false, '--resume-from': true, '--resume': false };

function without(argv: readonly string[], options: Record<string, boolean>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split('=')[0];
    if (!(name in options)) out.push(argv[i]);
    else if (options[name] && !argv[i].includes('=')) i += 1;
  }
  return out;
}

/** The command line of a rank: this one without the launcher's own options. */
export function rankArguments(argv: readonly string[]): string[] {
  return without(argv, LAUNCHER_OPTIONS);
}

/**
 * The command line of a restarted rank: `--resume` from `outDir`'s latest
 * checkpoint, without --overwrite (which would erase it) and --resume-from
 * (older). Before the first checkpoint, `--resume` starts the run afresh in
 * the folder the failed start left (a run given --resume-from starts from
 * that checkpoint again).
 */
export function restartArguments(argv: readonly string[], outDir: string): string[] {
  const args = rankArguments(argv);
  const hasCheckpoint = existsSync(path.join(outDir, LATEST));
  if (!hasCheckpoint && args.some((a) => a === '--resume-from' || a.startsWith('--resume-from='))) return without(args, { '--overwrite': false });
  return [...without(args, FIRST_START_OPTIONS), '--resume'];
}

interface Failure {
  rank: number;
  code: number;
  why: string;
}

/** The exit code a failed rank stands for: a rank killed by a signal is lost to the others, the distributed code. */
function failureCode(code: number | null, signal: NodeJS.Signals | null): number {
  return code == null || signal != null ? EXIT_CODES.distributed : code;
}

/** Whether starting again may help: a lost or timed-out rank, a crash; not a refused command, data or checkpoint. */
function restartable(code: number): boolean {
  return code === EXIT_CODES.distributed || code === 1;
}

/**
 * One start of the group: resolves when every rank has ended, with the first
 * failure (null: all exited 0). With `stopOnFailure`, the other ranks are
 * stopped at once (SIGTERM, then SIGKILL after `graceMs`); otherwise they are
 * left to notice the lost rank and killed only after `graceMs`.
 */
async function runGroup(nproc: number, args: string[], stopOnFailure: boolean, graceMs: number): Promise<Failure | null> {
  const port = await freeLocalPort();
  const children: ChildProcess[] = Array.from({ length: nproc }, (_, rank) =>
    spawn(process.execPath, [...process.execArgv, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...localRankEnv(rank, nproc, port) },
    }),
  );
  const running = (c: ChildProcess) => c.exitCode == null && c.signalCode == null;
  let first: Failure | null = null;
  let killer: NodeJS.Timeout | null = null;
  await Promise.all(
    children.map(
      (child, rank) =>
        new Promise<void>((resolve) => {
          child.on('close', (code, signal) => {
            if (code !== 0 && first == null) {
              first = { rank, code: failureCode(code, signal), why: signal != null ? `was killed by ${signal}` : `exited with code ${code}` };
              if (stopOnFailure) for (const c of children) if (running(c)) c.kill('SIGTERM');
              // kill what still runs after the grace period
              killer = setTimeout(() => {
                for (const c of children) if (running(c)) c.kill('SIGKILL');
              }, graceMs);
            }
            resolve();
          });
        }),
    ),
  );
  if (killer != null) clearTimeout(killer);
  return first;
}

export interface LaunchOptions {
  /** Seconds a rank waits for the others (--dist-timeout). */
  timeoutSeconds: number;
  /** Restarts of the whole group after a failure (--max-restarts); 0: none. */
  maxRestarts?: number;
  /** The run folder, whose latest checkpoint a restart resumes from. */
  outDir: string;
}

/** Runs `nproc` local ranks of this command line; resolves to the exit code the launcher should end with. */
export async function launchLocalRanks(nproc: number, options: LaunchOptions): Promise<number> {
  const maxRestarts = options.maxRestarts ?? 0;
  const argv = process.argv.slice(1);
  let args = rankArguments(argv);
  for (let restart = 0; ; restart++) {
    const failure = await runGroup(nproc, args, maxRestarts > 0, maxRestarts > 0 ? 10_000 : (options.timeoutSeconds + 10) * 1000);
    if (failure == null) return 0;
    const what = `trajectorynet train: rank ${failure.rank} of ${nproc} ${failure.why}`;
    if (restart < maxRestarts && restartable(failure.code)) {
      args = restartArguments(argv, options.outDir);
      const from = existsSync(path.join(options.outDir, LATEST)) ? `from ${path.join(options.outDir, LATEST)}` : 'from the start (no checkpoint yet)';
      console.error(`${what}; restarting the group ${from} (restart ${restart + 1}/${maxRestarts})`);
      continue;
    }
    const after = restart > 0 ? ` after ${restart} restart${restart > 1 ? 's' : ''}` : '';
    console.error(`${what}; the group stopped${after}`);
    return failure.code;
  }
}
