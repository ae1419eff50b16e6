/**
 * `trajectorynet train --nproc-per-node N`: a local launcher like torchrun's
 * standalone mode. It starts N copies of this command line with torchrun's
 * environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, a free
 * MASTER_PORT), passes their output through, and ends with the first failing
 * rank's exit code, after one line naming that rank. The other ranks stop by
 * themselves (a lost rank is noticed within a fraction of a second, a hung one
 * after --dist-timeout); the launcher kills what is left after that timeout.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The command line of a rank: this one without the launcher's own option. */
export function rankArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc-per-node') i += 1;
    else if (!argv[i].startsWith('--nproc-per-node=')) out.push(argv[i]);
  }
  return out;
}

/** Runs `nproc` local ranks of this command line; resolves to the exit code the launcher should end with. */
export async function launchLocalRanks(nproc: number, timeoutSeconds: number): Promise<number> {
  const port = await freePort();
  const args = rankArguments(process.argv.slice(1));
  const children = Array.from({ length: nproc }, (_, rank) =>
    spawn(process.execPath, [...process.execArgv, ...args], {
      stdio: 'inherit',
      env: { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
    }),
  );
  let first: { rank: number; code: number; why: string } | null = null;
  let killer: NodeJS.Timeout | null = null;
  await Promise.all(
    children.map(
      (child, rank) =>
        new Promise<void>((resolve) => {
          child.on('close', (code, signal) => {
            const failed = code !== 0;
            if (failed && first == null) {
              first = { rank, code: code ?? 1, why: signal != null ? `was killed by ${signal}` : `exited with code ${code}` };
              // the others notice a lost rank by themselves; kill what still runs after the timeout
              killer = setTimeout(() => {
                for (const c of children) if (c.exitCode == null && c.signalCode == null) c.kill('SIGKILL');
              }, (timeoutSeconds + 10) * 1000);
            }
            resolve();
          });
        }),
    ),
  );
  if (killer != null) clearTimeout(killer);
  const failure = first as { rank: number; code: number; why: string } | null;
  if (failure == null) return 0;
  console.error(`trajectorynet train: rank ${failure.rank} of ${nproc} ${failure.why}; the group stopped`);
  // a rank killed by a signal is lost to the others: the distributed exit code
  return failure.code === 1 && failure.why.startsWith('was killed') ? 7 : failure.code;
}
