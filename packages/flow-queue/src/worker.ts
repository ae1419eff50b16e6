/**
 * A worker process's job loop (BullMQ): take a job, claim its video, extract
 * the flow into the claim holder's working folder, publish it as the final
 * folder, report to Redis. The file-system part needs no Redis, so an
 * outage does not stop the current video; what needs Redis (progress,
 * completion) is never left as an unhandled promise.
 *
 * A job that vanished from Redis (a restart without persistence, a
 * FLUSHALL) or whose lock expired during an outage is abandoned: the
 * extraction stops, the claim is released and the working folder stays for
 * whoever takes the video next. A video claimed by another live worker
 * (its job was handed out again after an outage) is put back in the queue
 * for later, without counting an attempt. Bad input or data (an empty,
 * audio-only, damaged or one-frame video) fails the job at once; other
 * failures are retried with backoff.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { describeError, isTrajectoryNetError } from '@trajectorynet/core';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { displayUrl, outageLog } from './connection.js';
import { isPermanent } from './errors.js';
import { DEFAULT_QUEUE, type FlowJobData, type FlowJobResult, noteLostJobs, openQueue } from './queue.js';
import { recordCompletion, recordPairs } from './stats.js';
import { type Extractor, extractVideo, type Outcome } from './video-job.js';

export type { Extractor } from './video-job.js';

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
  /**
   * A job whose worker has not renewed its lock for this long is given to
   * another worker, and a video claim not refreshed for this long may be
   * taken over.
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log?: (message: string) => void;
  /** Name shown in logs, claims and job results (default host:pid). */
  name?: string;
  /** How often progress goes to Redis (default 2 s). */
  progressIntervalMs?: number;
}

export interface FlowWorker {
  worker: Worker<FlowJobData, FlowJobResult>;
  /** Takes no new job (a job fetched meanwhile goes back to the queue). Needs no Redis. */
  stopTakingJobs(): void;
  /** Resolves once no video is being extracted or published (the part of a job that needs no Redis). */
  idle(): Promise<void>;
  /** Resolves once BullMQ has reported every processed job to Redis (completed or failed). */
  reported(): Promise<void>;
  /** Videos finished, failed, and abandoned (their job vanished or its lock expired; their state stays on disk). */
  outcomes(): { finished: number; failed: number; abandoned: number; lastError?: unknown };
}

/** BullMQ's complaint about a job whose lock or key is gone, with the job id. */
const LOST_JOB_ERROR = /(?:Missing lock|Lock mismatch|Missing key|could not renew lock) for job ([^\s.]+)/;

export function startWorker(options: WorkerOptions): FlowWorker {
  const workerName = options.name ?? `${os.hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const queueName = options.queueName ?? DEFAULT_QUEUE;
  const lockDuration = options.lockDurationMs ?? 60_000;
  const progressMs = options.progressIntervalMs ?? 2000;
  const queue = openQueue(options.redis, queueName);
  const outage = outageLog(displayUrl(`redis://${options.redis.options.host}:${options.redis.options.port}`), log);
  options.redis.on('error', (error) => outage.error(error));
  options.redis.on('ready', () => outage.ready());

  const busy = new Set<Promise<Outcome>>();
  const reporting = new Set<string>(); // ids of jobs handed back to BullMQ, not yet reported to Redis
  const videos = new Map<string, string>(); // job id -> video, for messages about jobs BullMQ could not report
  const lostJobs = new Set<string>(); // ids whose loss was already logged
  let stopping = false;
  // abandoned: videos given up because their job vanished or its lock expired (the video's state stays on disk)
  const tally: { finished: number; failed: number; abandoned: number; lastError?: unknown } = { finished: 0, failed: 0, abandoned: 0 };

  const noteLost = (video: string) => noteLostJobs(options.redis, queueName, { video, worker: workerName, timeMs: Date.now() }).catch(() => {});

  const sendProgress = async (job: Job<FlowJobData, FlowJobResult>, progress: { done: number; total: number }, computed: number, fromMs: number, toMs: number) => {
    try {
      await Promise.all([job.updateProgress(progress), computed > 0 ? recordPairs(options.redis, queueName, computed, fromMs, toMs) : null]);
      return 'sent' as const;
    } catch (error) {
      if (!/Missing key for job/.test((error as Error).message)) return 'failed' as const;
      void noteLost(job.data.relativePath);
      return 'vanished' as const;
    }
  };

  /** Notes that BullMQ is to report the job (a 'completed' or 'failed' event, or its complaint that the job is gone, ends that). */
  const awaitReport = (jobId: string) => {
    reporting.add(jobId);
  };

  const processJob = async (job: Job<FlowJobData, FlowJobResult>, token?: string, signal?: AbortSignal): Promise<FlowJobResult> => {
    const jobId = String(job.id);
    if (stopping) {
      // fetched while stopping: back to the queue for another worker, no attempt counted
      await job.moveToDelayed(Date.now(), token).catch(() => {});
      throw new DelayedError();
    }
    videos.set(jobId, job.data.relativePath);
    const work = extractVideo(
      { id: jobId, relativePath: job.data.relativePath, settings: job.data.settings, attempt: job.attemptsMade + 1, token: token ?? `${workerName}:${randomBytes(4).toString('hex')}` },
      { root: options.root, outRoot: options.outRoot, extract: options.extract, worker: workerName, lockDurationMs: lockDuration, progressIntervalMs: progressMs, log, sendProgress: (...a) => sendProgress(job, ...a) },
      signal,
    );
    busy.add(work);
    const outcome = await work.finally(() => busy.delete(work));
    switch (outcome.kind) {
      case 'published':
        tally.finished += 1;
        awaitReport(jobId);
        await recordCompletion(options.redis, queueName, { video: job.data.relativePath, pairs: outcome.result.pairs, worker: workerName, timeMs: Date.now() }).catch(() => {});
        return outcome.result;
      case 'already-done':
        tally.finished += 1;
        awaitReport(jobId);
        return outcome.result;
      case 'held':
      case 'abandoned':
        if (outcome.kind === 'abandoned') tally.abandoned += 1;
        // later, without counting an attempt; when the job is gone or no longer ours, BullMQ's refusal is expected
        await job.moveToDelayed(Date.now() + (outcome.kind === 'held' ? outcome.retryInMs : 1000), token).catch(() => {});
        forget(jobId);
        throw new DelayedError();
      case 'failed': {
        const { error } = outcome;
        tally.failed += 1;
        tally.lastError = error;
        awaitReport(jobId);
        const line = isTrajectoryNetError(error) ? `${error.code}: ${describeError(error)}` : describeError(error);
        if (isPermanent(error)) throw new UnrecoverableError(line);
        throw isTrajectoryNetError(error) ? new Error(line, { cause: error }) : error;
      }
    }
  };

  const worker = new Worker<FlowJobData, FlowJobResult>(queueName, processJob, {
    connection: options.redis,
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? Math.max(1000, lockDuration / 2),
    // a job may be interrupted by lost workers a few times before it counts as failed
    maxStalledCount: 3,
  });
  const forget = (jobId: string) => {
    videos.delete(jobId);
    lostJobs.delete(jobId);
  };
  const reportedOne = (jobId: string | undefined) => {
    if (jobId == null || !reporting.delete(jobId)) return;
    forget(jobId);
  };
  worker.on('completed', (job) => reportedOne(job?.id));
  worker.on('failed', (job, error) => {
    reportedOne(job?.id);
    if (job != null) log(`${job.data.relativePath}: failed (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${error.message}`);
  });
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const jobId of jobIds) {
      if (lostJobs.has(jobId)) continue;
      lostJobs.add(jobId);
      void queue
        .getJobState(jobId)
        .catch(() => 'unknown' as const)
        .then((state) => {
          const vanished = state === 'unknown';
          if (vanished) void noteLost(videos.get(jobId) ?? jobId);
          worker.cancelJob(
            jobId,
            vanished ? 'its job vanished from Redis (restarted without persistence, or flushed)' : 'its job lock expired (Redis unreachable, or this process too busy to renew it) and the job went back to the queue',
          );
        });
    }
  });
  worker.on('error', (error) => {
    if (outage.error(error)) return;
    const lost = LOST_JOB_ERROR.exec(error.message);
    if (lost != null) {
      const jobId = lost[1];
      if (/could not renew lock/.test(error.message)) return; // handled by 'lockRenewalFailed'
      const video = videos.get(jobId) ?? jobId;
      if (!lostJobs.has(`${jobId}:reported`)) {
        lostJobs.add(`${jobId}:reported`);
        if (/Missing key/.test(error.message)) void noteLost(video);
        log(`${video}: could not report to Redis (the job is gone or was handed out again); whoever takes the video next finds its state on disk`);
      }
      reportedOne(jobId);
      return;
    }
    log(`worker error: ${error.message}`);
  });

  return {
    worker,
    stopTakingJobs() {
      stopping = true;
      void worker.pause(true).catch(() => {});
    },
    async idle() {
      while (busy.size > 0) await Promise.allSettled([...busy]);
    },
    outcomes: () => ({ ...tally }),
    async reported() {
      // BullMQ reports a job after the processor returns; once paused it no longer says when that fails
      // (the job vanished, or went to another worker): a job no longer active is reported as far as this worker goes
      while (reporting.size > 0) {
        for (const jobId of [...reporting]) if ((await queue.getJobState(jobId).catch(() => 'active')) !== 'active') reportedOne(jobId);
        if (reporting.size > 0) await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
