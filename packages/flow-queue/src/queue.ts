/** The BullMQ queue of flow-extraction jobs: one job per video, idempotent ids; re-running failed jobs; the note left when Redis lost jobs. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdFor, type VideoEntry } from './dataset-list.js';
import { FlowQueueError } from './errors.js';

export const DEFAULT_QUEUE = 'tvl1-flow';

/** Settings that must be the same on every worker so that outputs agree; they travel with each job. */
export interface ExtractionSettings {
  format: 'jpg' | 'flo';
  bound: number;
  resize?: { width: number; height: number };
  /** JPEG names (default mmaction) and TV-L1 parameters (default accurate), as every flow command takes them. */
  naming?: 'mmaction' | 'dense_flow';
  tvl1?: 'accurate' | 'ipol' | 'opencv';
}

export interface FlowJobData {
  relativePath: string;
  settings: ExtractionSettings;
}

export interface FlowJobResult {
  pairs: number;
  seconds: number;
  worker: string;
  /** True when the output already existed (a job re-run after its first run completed). */
  alreadyDone: boolean;
}

/** What a worker stores as a job's progress (pairs done of the pairs the video announces). */
export interface FlowJobProgress {
  done: number;
  total: number;
}

export interface EnqueueOptions {
  queueName?: string;
  /** Attempts before a job ends in the failed set. */
  attempts?: number;
  /** First retry delay; doubles at each retry. */
  backoffMs?: number;
}

export function openQueue(redis: Redis, queueName = DEFAULT_QUEUE): Queue<FlowJobData, FlowJobResult> {
  const queue = new Queue<FlowJobData, FlowJobResult>(queueName, { connection: redis });
  queue.on('error', () => {}); // connection errors are the caller's (it owns `redis`); commands still reject
  return queue;
}

const isPositiveInteger = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;

/** Bad settings fail before anything is enqueued, naming the option. */
export function checkSettings(settings: ExtractionSettings, options: EnqueueOptions = {}): void {
  const bad = (option: string, message: string) => new FlowQueueError('BAD_ARGUMENT', message, { path: option });
  if (settings.format !== 'jpg' && settings.format !== 'flo') throw bad('--format', `must be jpg or flo, got '${settings.format}'`);
  if (!(settings.bound > 0 && Number.isFinite(settings.bound))) throw bad('--bound', `must be a positive number, got ${settings.bound}`);
  const r = settings.resize;
  if (r != null && !(isPositiveInteger(r.width) && isPositiveInteger(r.height))) throw bad('--resize', `must be a positive WIDTHxHEIGHT, got ${r.width}x${r.height}`);
  if (settings.naming != null && settings.naming !== 'mmaction' && settings.naming !== 'dense_flow') throw bad('--naming', `must be mmaction or dense_flow, got '${settings.naming}'`);
  if (settings.tvl1 != null && !['accurate', 'ipol', 'opencv'].includes(settings.tvl1)) throw bad('--tvl1', `must be accurate, ipol or opencv, got '${settings.tvl1}'`);
  if (options.attempts != null && !isPositiveInteger(options.attempts)) throw bad('--attempts', `must be a positive integer, got ${options.attempts}`);
  if (options.backoffMs != null && !(options.backoffMs >= 0 && Number.isFinite(options.backoffMs))) throw bad('backoffMs', `must be a non-negative number, got ${options.backoffMs}`);
}

export interface EnqueueResult {
  added: number;
  /** Videos whose job exists already (waiting, active, done or failed). */
  alreadyQueued: number;
  /** Of those, the ones in the failed set (`retryFailed` re-runs them). */
  failed: number;
}

/** Adds one job per video; videos whose job already exists (in any state) are not added again. */
export async function enqueueVideos(redis: Redis, videos: VideoEntry[], settings: ExtractionSettings, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  checkSettings(settings, options);
  const queue = openQueue(redis, options.queueName);
  try {
    const ids = videos.map((v) => jobIdFor(v.relativePath));
    const existing = await Promise.all(ids.map((id) => queue.getJobState(id)));
    const fresh = videos.filter((_, i) => existing[i] === 'unknown');
    const jobs = fresh.map((v) => ({
      name: 'extract',
      data: { relativePath: v.relativePath, settings },
      opts: {
        jobId: jobIdFor(v.relativePath),
        attempts: options.attempts ?? 3,
        backoff: { type: 'exponential' as const, delay: options.backoffMs ?? 5000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    }));
    // addBulk also ignores ids that exist, so two machines enqueuing at once still add each video once
    for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
    await redis.del(lostKey(queue.name));
    return { added: fresh.length, alreadyQueued: videos.length - fresh.length, failed: existing.filter((s) => s === 'failed').length };
  } finally {
    await queue.close();
  }
}

/** Moves every failed job back to the waiting list with fresh attempts; returns how many. */
export async function retryFailed(redis: Redis, queueName = DEFAULT_QUEUE): Promise<number> {
  const queue = openQueue(redis, queueName);
  try {
    let retried = 0;
    for (;;) {
      const failed = await queue.getFailed(0, 499);
      if (failed.length === 0) return retried;
      for (const job of failed) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried += failed.length;
    }
  } finally {
    await queue.close();
  }
}

/** What a worker noted when its job vanished from Redis (a restart without persistence, a FLUSHALL). */
export interface LostJobsNote {
  video: string;
  worker: string;
  timeMs: number;
}

const lostKey = (queueName: string) => `trajectorynet:${queueName}:lost`;

/** Notes (keeping the first note) that jobs of the queue were lost, for `status` to say so until the list is enqueued again. */
export async function noteLostJobs(redis: Redis, queueName: string, note: LostJobsNote): Promise<void> {
  await redis.set(lostKey(queueName), JSON.stringify(note), 'NX');
}

export async function readLostJobsNote(redis: Redis, queueName: string): Promise<LostJobsNote | null> {
  const text = await redis.get(lostKey(queueName));
  try {
    return text != null ? (JSON.parse(text) as LostJobsNote) : null;
  } catch {
    return null;
  }
}
