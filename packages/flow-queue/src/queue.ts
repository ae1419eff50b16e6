/** The BullMQ queue of flow-extraction jobs: one job per video, idempotent ids. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdFor, type VideoEntry } from './dataset-list.js';

export const DEFAULT_QUEUE = 'tvl1-flow';

/** Settings that must be the same on every worker so that outputs agree; they travel with each job. */
export interface ExtractionSettings {
  format: 'jpg' | 'flo';
  bound: number;
  resize?: { width: number; height: number };
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

export interface EnqueueOptions {
  queueName?: string;
  /** Attempts before a job ends in the failed set. */
  attempts?: number;
  /** First retry delay; doubles at each retry. */
  backoffMs?: number;
}

export function openQueue(redis: Redis, queueName = DEFAULT_QUEUE): Queue<FlowJobData, FlowJobResult> {
  return new Queue<FlowJobData, FlowJobResult>(queueName, { connection: redis });
}

/** Adds one job per video; videos whose job already exists (in any state) are not added again. */
export async function enqueueVideos(
  redis: Redis,
  videos: VideoEntry[],
  settings: ExtractionSettings,
  options: EnqueueOptions = {},
): Promise<{ added: number; alreadyQueued: number }> {
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
    return { added: fresh.length, alreadyQueued: videos.length - fresh.length };
  } finally {
    await queue.close();
  }
}
