/**
 * `trajectorynet-flow-queue`: TV-L1 flow extraction spread over machines
 * through a BullMQ queue on Redis (also `trajectorynet extract-flow --queue`).
 * Every option is checked before any work; every error is a FlowQueueError
 * (`describeError` gives its one line, `exitCodeFor` its exit code).
 */
import { describeError, isTrajectoryNetError } from '@trajectorynet/core';
import { addExtractOptions, type ExtractFlags, extractOptionsOf } from '@trajectorynet/tvl1-flow';
import { Command, type CommanderError } from 'commander';
import { connectRedis, parseRedisUrl } from './connection.js';
import { readVideoList } from './dataset-list.js';
import { FlowQueueError } from './errors.js';
import { positiveInteger, positiveNumber } from './options.js';
import { DEFAULT_QUEUE, type ExtractionSettings, enqueueVideos, retryFailed } from './queue.js';
import { runWorkerUntilDone } from './run-worker.js';
import { formatStatus, queueStatus } from './status.js';
import { tvl1Extractor } from './tvl1-extractor.js';

/** Prints a line to standard output, failing (DISK_FULL, NOT_WRITABLE) when it cannot be written rather than losing it. */
export async function printLine(text: string): Promise<void> {
  // the write's callback gets the error; without a listener the stream's 'error' event would crash the process
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(`${text}\n`, (error) => {
      const errno = (error as NodeJS.ErrnoException | null | undefined)?.code;
      if (error == null || errno === 'EPIPE') resolve(); // a closed pipe (| head) is not a failure
      else if (errno === 'ENOSPC' || errno === 'EDQUOT') reject(new FlowQueueError('DISK_FULL', 'no space left on the device', { path: 'standard output', cause: error }));
      else reject(new FlowQueueError('NOT_WRITABLE', `cannot write (${errno ?? error.message})`, { path: 'standard output', cause: error }));
    });
  });
}

/** Commander's refusals (unknown option, missing argument, bad value) as one BAD_ARGUMENT error; help and version exit 0. */
function refuseAsBadArgument(command: Command): Command {
  return command
    .exitOverride((error: CommanderError) => {
      if (error.exitCode === 0) return; // --help, --version: commander exits 0
      const message = error.code === 'commander.help' ? 'a command is needed: enqueue, work, status or retry (see --help)' : error.message.replace(/^error: /, '');
      throw new FlowQueueError('BAD_ARGUMENT', message, { cause: error });
    })
    .configureOutput({ outputError: () => {} });
}

export function flowQueueCommand(name = 'trajectorynet-flow-queue'): Command {
  const program = refuseAsBadArgument(new Command(name))
    .description('TV-L1 flow extraction on many machines: one BullMQ job per video on a Redis server.')
    .requiredOption('--queue <url>', 'the Redis server, e.g. redis://10.0.0.5:6379')
    .option('--queue-name <name>', 'queue name (one per dataset/extraction)', DEFAULT_QUEUE)
    .hook('preAction', (root) => {
      parseRedisUrl(root.opts<{ queue: string }>().queue);
    })
    .addHelpText(
      'after',
      `
Run the same commands on every machine; the dataset root and the output folder
are shared folders (NFS, ...), possibly mounted at different paths.

Examples:
  ${name} --queue redis://10.0.0.5:6379 enqueue sthv1/train.txt --root /data/sthv1/videos --resize 340x256
  ${name} --queue redis://10.0.0.5:6379 work --root /data/sthv1/videos --out /data/sthv1/flow
  ${name} --queue redis://10.0.0.5:6379 status --watch
  ${name} --queue redis://10.0.0.5:6379 retry

Exit codes: 0 done, 2 bad option or argument, 3 bad list file, 6 Redis unreachable or disk full, 1 bug.`,
    );
  const redisOf = () => connectRedis(program.opts<{ queue: string }>().queue);
  const queueName = () => program.opts<{ queueName: string }>().queueName;

  const enqueue = program
    .command('enqueue <list>')
    .description('add one job per video of a list file (paths relative to --root); enqueuing twice adds nothing')
    .requiredOption('--root <dir>', 'the dataset root the list paths are relative to')
    .option('--attempts <n>', 'attempts before a job ends in the failed set (bad videos fail at once)', positiveInteger, 3);
  // the same extraction flags as tvl1-flow and `trajectorynet extract-flow` (threads are a worker's choice: see work --workers)
  addExtractOptions(enqueue, { workers: false })
    .action(async (list: string, o: ExtractFlags & { root: string; attempts: number }) => {
      const { format, naming, bound, resize } = extractOptionsOf(o);
      const settings: ExtractionSettings = { format: format ?? 'jpg', naming, bound: bound ?? 20, resize, tvl1: o.tvl1 };
      const videos = await readVideoList(list, o.root);
      const redis = await redisOf();
      try {
        const { added, alreadyQueued, failed } = await enqueueVideos(redis, videos, settings, { queueName: queueName(), attempts: o.attempts });
        const failedNote = failed > 0 ? ` (${failed} of them failed: \`retry\` runs them again)` : '';
        await printLine(`${added} videos added, ${alreadyQueued} already queued or done${failedNote}`);
      } finally {
        redis.disconnect();
      }
    });

  program
    .command('work')
    .description('take jobs and extract their flow until stopped (Ctrl-C finishes the current video, twice leaves at once)')
    .requiredOption('--root <dir>', 'the dataset root on this machine')
    .requiredOption('--out <dir>', 'the shared output folder on this machine')
    .option('--workers <n>', 'flow worker threads per video (default: all cores)', positiveInteger)
    .option('--concurrency <n>', 'videos at once in this process', positiveInteger, 1)
    .option('--exit-when-empty', 'stop when no job is waiting, delayed or active', false)
    .option('--lock-seconds <s>', 'a job whose worker is silent this long is given to another worker', positiveNumber, 60)
    .action(async (o: { root: string; out: string; workers?: number; concurrency: number; exitWhenEmpty: boolean; lockSeconds: number }) => {
      const redis = await redisOf();
      const extract = tvl1Extractor({ workers: o.workers });
      try {
        const { finished, failed, lastError } = await runWorkerUntilDone({
          redis,
          queueName: queueName(),
          root: o.root,
          outRoot: o.out,
          extract,
          concurrency: o.concurrency,
          exitWhenEmpty: o.exitWhenEmpty,
          lockDurationMs: o.lockSeconds * 1000,
          log: (m) => console.error(m),
        });
        // a worker that only failed (a wrong --root, ffmpeg missing) must not look like a finished one
        if (failed > 0 && finished === 0) {
          const code = isTrajectoryNetError(lastError) ? lastError.code : 'INTERNAL';
          throw new FlowQueueError(code, `every video this worker took failed (${failed}), the last: ${describeError(lastError)} (\`status\` lists the failures)`, { cause: lastError });
        }
      } finally {
        await extract.close();
        redis.disconnect();
      }
    });

  program
    .command('status')
    .description('job counts, pairs/s across all workers (videos in progress included), ETA and failures')
    .option('--watch', 'refresh until interrupted', false)
    .option('--interval <seconds>', 'refresh interval with --watch', positiveNumber, 5)
    .action(async (o: { watch: boolean; interval: number }) => {
      const redis = await redisOf();
      try {
        do {
          const text = formatStatus(await queueStatus(redis, queueName()));
          if (o.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
          await printLine(o.watch ? `${new Date().toISOString()}\n${text}` : text);
          if (o.watch) await new Promise((r) => setTimeout(r, o.interval * 1000));
        } while (o.watch);
      } finally {
        redis.disconnect();
      }
    });

  program
    .command('retry')
    .description('run every failed job again, with fresh attempts (after fixing what made them fail)')
    .action(async () => {
      const redis = await redisOf();
      try {
        const retried = await retryFailed(redis, queueName());
        await printLine(`${retried} failed job${retried === 1 ? '' : 's'} queued again`);
      } finally {
        redis.disconnect();
      }
    });
  return program;
}
