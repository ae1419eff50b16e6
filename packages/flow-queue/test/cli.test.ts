/**
 * The command line: every bad option or argument is refused with one line
 * and exit code 2 before any work (no Redis connection: the URL used here
 * has no server, which would be exit 6); bad list files exit 3; Redis down
 * and standard output on a full device exit 6.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, exitCodeFor } from '@trajectorynet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowQueueCommand } from '../src/index.js';
import { CLI, exitCodes, runCli } from './harness.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { removeScratchDirs, scratchDir } from './scratch.js';

const NOWHERE = 'redis://127.0.0.1:1';
let list: string;
let server: RedisServer;
beforeAll(async () => {
  list = path.join(await scratchDir('cli'), 'list.txt');
  await writeFile(list, 'videos/a.mp4\n');
  server = await startRedisServer();
});
afterAll(async () => {
  await removeScratchDirs();
  await server?.stop();
});

/** Runs the command in this process; resolves with the error it was refused with. */
async function refusal(args: string[]): Promise<unknown> {
  return flowQueueCommand()
    .parseAsync(args, { from: 'user' })
    .then(
      () => new Error('accepted'),
      (error: unknown) => error,
    );
}

describe('bad options and arguments', () => {
  const cases: [string, string[], RegExp][] = [
    ['a negative frame size', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--resize', '0x-5'], /--resize <WxH>.*'0x-5' is invalid\. expected WIDTHxHEIGHT/],
    ['a zero frame size', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--resize', '0x240'], /--resize/],
    ['a negative bound', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--bound', '-1'], /--bound <px>.*expected a positive number/],
    ['a bound that is not a number', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--bound', 'abc'], /--bound/],
    ['zero attempts', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--attempts', '0'], /--attempts <n>.*must be a positive integer/],
    ['fractional attempts', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--attempts', '2.5'], /--attempts/],
    ['an unknown format', ['--queue', NOWHERE, 'enqueue', 'list', '--root', '.', '--format', 'png'], /--format.*'png' is invalid\. Allowed choices are jpg, flo/],
    ['no --root', ['--queue', NOWHERE, 'enqueue', 'list'], /required option '--root <dir>' not specified/],
    ['zero workers', ['--queue', NOWHERE, 'work', '--root', '.', '--out', 'o', '--workers', '0'], /--workers/],
    ['a concurrency that is not a number', ['--queue', NOWHERE, 'work', '--root', '.', '--out', 'o', '--concurrency', 'x'], /--concurrency/],
    ['a zero lock time', ['--queue', NOWHERE, 'work', '--root', '.', '--out', 'o', '--lock-seconds', '0'], /--lock-seconds/],
    ['no --out', ['--queue', NOWHERE, 'work', '--root', '.'], /--out/],
    ['a negative interval', ['--queue', NOWHERE, 'status', '--interval', '-1'], /--interval/],
    ['an unknown option', ['--queue', NOWHERE, 'status', '--frobnicate'], /unknown option '--frobnicate'/],
    ['an unknown command', ['--queue', NOWHERE, 'frobnicate'], /unknown command 'frobnicate'/],
    ['no command', ['--queue', NOWHERE], /a command is needed/],
    ['no --queue', ['status'], /required option '--queue <url>'/],
    ['a URL that is not redis://', ['--queue', 'http://localhost:6379', 'status'], /^--queue: 'http:\/\/localhost:6379' is not a redis:\/\/ URL$/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: BAD_ARGUMENT (exit 2), one line, before any work`, async () => {
      const error = await refusal(args);
      expect(error).toMatchObject({ name: 'FlowQueueError', code: 'BAD_ARGUMENT' });
      expect(exitCodeFor(error)).toBe(2);
      expect(describeError(error)).toMatch(message);
      expect(describeError(error)).not.toContain('\n');
    });
  }

  it('the options are checked before the list is read', async () => {
    const error = await refusal(['--queue', NOWHERE, 'enqueue', '/nonexistent/list.txt', '--root', '.', '--resize', '0x-5']);
    expect(error).toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('a missing list is a data error (exit 3) naming the file, found before connecting to Redis', async () => {
    const error = await refusal(['--queue', NOWHERE, 'enqueue', '/nonexistent/list.txt', '--root', '.']);
    expect(error).toMatchObject({ code: 'ENOENT', path: '/nonexistent/list.txt' });
    expect(exitCodeFor(error)).toBe(3);
  });
});

describe('the program', () => {
  it('prints one line and exits with the documented code: 2 for a bad option, 6 when Redis is down, 0 for --help', async () => {
    const bad = runCli('bad', ['--queue', NOWHERE, 'enqueue', list, '--root', '.', '--resize', '0x-5']);
    const down = runCli('down', ['--queue', NOWHERE, 'status']);
    const help = runCli('help', ['--queue', NOWHERE, 'work', '--help']);
    expect(await exitCodes([bad, down, help], 60_000)).toEqual([2, 6, 0]);
    expect(bad.lines.map((l) => l.text)).toEqual([
      "trajectorynet-flow-queue: option '--resize <WxH>' argument '0x-5' is invalid. expected WIDTHxHEIGHT with positive numbers, such as 340x256.",
    ]);
    expect(down.lines.map((l) => l.text)).toEqual(['trajectorynet-flow-queue: redis://127.0.0.1:1: cannot reach Redis: ECONNREFUSED']);
    expect(help.lines.map((l) => l.text).join('\n')).toMatch(/--lock-seconds/);
  });

  it('output that cannot be written (standard output on a full device) is an error, not lost with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, '--queue', server.url, 'status'], { stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, stderr.trim()]).toEqual([6, 'trajectorynet-flow-queue: standard output: no space left on the device']);
  });

  it('a worker whose every job failed exits with the failure\'s code, not 0', async () => {
    const root = await scratchDir('all-failed');
    await writeFile(path.join(root, 'list.txt'), 'missing-a.mp4\nmissing-b.mp4\n');
    const queue = ['--queue', server.url, '--queue-name', `all-failed-${process.pid}`];
    const enqueue = runCli('enqueue', [...queue, 'enqueue', path.join(root, 'list.txt'), '--root', root, '--attempts', '1']);
    expect(await exitCodes([enqueue], 60_000)).toEqual([0]);
    const work = runCli('work', [...queue, 'work', '--root', root, '--out', path.join(root, 'out'), '--exit-when-empty', '--workers', '1']);
    expect(await exitCodes([work], 120_000)).toEqual([3]);
    expect(work.lines.at(-1)?.text).toMatch(/^trajectorynet-flow-queue: every video this worker took failed \(2\), the last: .*missing-b\.mp4: no such video/);
  });
});
