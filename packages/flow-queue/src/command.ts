/**
 * `trajectorynet-flow-queue`: TV-L1 flow extraction spread over machines
 * through a BullMQ queue on Redis (also `trajectorynet extract-flow --queue`).
 */
import { Command, Option } from 'commander';
import { connectRedis } from './connection.js';
import { readVideoList } from './dataset-list.js';
import { DEFAULT_QUEUE, enqueueVideos, type ExtractionSettings } from './queue.js';
import { formatStatus, queueStatus } from './status.js';
import { tvl1Extractor } from './tvl1-extractor.js';
import { runWorkerUntilDone } from './run-worker.js';
import { parseSize } from '@trajectorynet/video-io';

export function flowQueueCommand(name = 'trajectorynet-flow-queue'): Command {
  const program = new Command(name)
    .description('TV-L1 flow extraction on many machines: one BullMQ job per video on a Redis server.')
    .requiredOption('--queue <url>', 'the Redis server, e.g. redis://10.0.0.5:6379')
    .option('--queue-name <name>', 'queue name (one per dataset/extraction)', DEFAULT_QUEUE)
    .addHelpText(
      'after',
      `
Run the same commands on every machine; the dataset root and the output folder
are shared folders (NFS, ...), possibly mounted at different paths.

Examples:
  ${name} --queue redis://10.0.0.5:6379 enqueue sthv1/train.txt --root /data/sthv1/videos
  ${name} --queue redis://10.0.0.5:6379 work --root /data/sthv1/videos --out /data/sthv1/flow
  ${name} --queue redis://10.0.0.5:6379 status --watch`,
    );
  const redisOf = () => connectRedis(program.opts<{ queue: string }>().queue);
  const queueName = () => program.opts<{ queueName: string }>().queueName;

  program
    .command('enqueue <list>')
    .description('add one job per video of a list file (paths relative to --root); enqueuing twice adds nothing')
    .requiredOption('--root <dir>', 'the dataset root the list paths are relative to')
    .addOption(new Option('--format <format>', 'output format').choices(['jpg', 'flo']).default('jpg'))
    .option('--bound <n>', 'JPEG quantisation bound in pixels', Number, 20)
    .option('--resize <WxH>', 'resize frames before computing flow, e.g. 340x256')
    .option('--attempts <n>', 'attempts before a job ends in the failed set', Number, 3)
    .action(async (list: string, o: { root: string; format: 'jpg' | 'flo'; bound: number; resize?: string; attempts: number }) => {
      const videos = await readVideoList(list, o.root);
      const settings: ExtractionSettings = { format: o.format, bound: o.bound, resize: o.resize != null ? parseSize(o.resize) : undefined };
      const redis = await redisOf();
      try {
        const { added, alreadyQueued } = await enqueueVideos(redis, videos, settings, { queueName: queueName(), attempts: o.attempts });
        console.log(`${added} videos added, ${alreadyQueued} already queued or done`);
      } finally {
        redis.disconnect();
      }
    });

  program
    .command('work')
    .description('take jobs and extract their flow until stopped (Ctrl-C finishes the current video)')
    .requiredOption('--root <dir>', 'the dataset root on this machine')
    .requiredOption('--out <dir>', 'the shared output folder on this machine')
    .option('--workers <n>', 'flow worker threads per video (default: all cores)', Number)
    .option('--concurrency <n>', 'videos at once in this process', Number, 1)
    .option('--exit-when-empty', 'stop when no job is waiting, delayed or active', false)
    .option('--lock-seconds <s>', 'a job whose worker is silent this long is given to another worker', Number, 60)
    .action(async (o: { root: string; out: string; workers?: number; concurrency: number; exitWhenEmpty: boolean; lockSeconds: number }) => {
      const redis = await redisOf();
      const extract = tvl1Extractor({ workers: o.workers });
      try {
        await runWorkerUntilDone({
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
      } finally {
        await extract.close();
        redis.disconnect();
      }
    });

  program
    .command('status')
    .description('job counts, pairs/s across all workers, ETA and failures')
    .option('--watch', 'refresh until interrupted', false)
    .option('--interval <seconds>', 'refresh interval with --watch', Number, 5)
    .action(async (o: { watch: boolean; interval: number }) => {
      const redis = await redisOf();
      try {
        do {
          const text = formatStatus(await queueStatus(redis, queueName()));
          if (o.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
          console.log(o.watch ? `${new Date().toISOString()}\n${text}` : text);
          if (o.watch) await new Promise((r) => setTimeout(r, o.interval * 1000));
        } while (o.watch);
      } finally {
        redis.disconnect();
      }
    });
  return program;
}

