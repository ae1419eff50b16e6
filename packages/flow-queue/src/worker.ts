/**
 * A worker process's loop: take a job, extract the video's flow into
 * `<out>/<video>.partial/`, rename that folder to `<out>/<video>/` when complete.
 * The final folder therefore appears whole or not at all; a worker killed
 * mid-job leaves only the `.partial` folder, which the next attempt resumes
 * (the extractor skips pairs already written atomically).
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { outputFolderFor } from './dataset-list.js';
import { FlowQueueError } from './errors.js';
import { DEFAULT_QUEUE, type ExtractionSettings, type FlowJobData, type FlowJobResult } from './queue.js';
import { recordCompletion } from './stats.js';

/** Extracts the flow of one video (file or frame folder) into `outDir`, resuming what is there. */
export type Extractor = (
  input: string,
  outDir: string,
  settings: ExtractionSettings,
  onProgress: (pairsDone: number, pairsTotal: number) => void,
) => Promise<{ pairs: number }>;

export interface WorkerOptions {
  redis: Redis;
  queueName?: string;
  /** The dataset root on this machine (list paths are relative to it). */
  root: string;
  /** The shared output folder on this machine. */
  outRoot: string;
  extract: Extractor;
  /** Videos processed at once by this process (each already uses all the extractor's workers). */
  concurrency?: number;
  /** A job whose worker has not renewed its lock for this long is considered stalled and re-queued. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log?: (message: string) => void;
  /** Name shown in job results and status. */
  name?: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function describeFsError(error: unknown, where: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new FlowQueueError('DISK_FULL', `no space left on the device holding ${where}`, { cause: error });
  return error as Error;
}

export function startWorker(options: WorkerOptions): Worker<FlowJobData, FlowJobResult> {
  const workerName = options.name ?? `${os.hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const lockDuration = options.lockDurationMs ?? 60_000;

  const process_ = async (job: Job<FlowJobData, FlowJobResult>): Promise<FlowJobResult> => {
    const { relativePath, settings } = job.data;
    const input = path.join(options.root, relativePath);
    const final = outputFolderFor(options.outRoot, relativePath);
    const partial = `${final}.partial`;
    const started = Date.now();
    if (await exists(final)) {
      return { pairs: (await readdir(final)).length, seconds: 0, worker: workerName, alreadyDone: true };
    }
    if (!(await exists(input))) throw new UnrecoverableError(`${input}: no such video or frame folder on worker ${workerName}`);
    log(`${relativePath}: extracting (attempt ${job.attemptsMade + 1})`);
    let pairs: number;
    try {
      await mkdir(partial, { recursive: true });
      ({ pairs } = await options.extract(input, partial, settings, (done, total) => {
        void job.updateProgress({ done, total });
      }));
      await rename(partial, final);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') {
        // another worker finished the same video first (after a false stall): its output stands
        await rm(partial, { recursive: true, force: true });
        return { pairs: (await readdir(final)).length, seconds: (Date.now() - started) / 1000, worker: workerName, alreadyDone: true };
      }
      throw describeFsError(error, options.outRoot);
    }
    const seconds = (Date.now() - started) / 1000;
    await recordCompletion(options.redis, options.queueName ?? DEFAULT_QUEUE, pairs, Date.now());
    log(`${relativePath}: ${pairs} pairs in ${seconds.toFixed(1)} s`);
    return { pairs, seconds, worker: workerName, alreadyDone: false };
  };

  const worker = new Worker<FlowJobData, FlowJobResult>(options.queueName ?? DEFAULT_QUEUE, process_, {
    connection: options.redis,
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? Math.max(1000, lockDuration / 2),
    // a job may be interrupted by lost workers a few times before it counts as failed
    maxStalledCount: 3,
  });
  worker.on('failed', (job, error) => log(`${job?.data.relativePath ?? '?'}: failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`));
  worker.on('error', (error) => log(`worker error: ${error.message}`));
  return worker;
}
