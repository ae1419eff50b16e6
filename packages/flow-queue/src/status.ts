/** Where a distributed extraction stands: job counts, throughput across workers, ETA, failures. */
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE, openQueue } from './queue.js';
import { readThroughput } from './stats.js';

export interface QueueStatus {
  waiting: number;
  active: number;
  delayed: number;
  done: number;
  failed: number;
  pairsPerSecond: number;
  /** Seconds until the waiting, delayed and active videos are done at the current rate; null when unknown. */
  etaSeconds: number | null;
  failures: { video: string; attempts: number; error: string }[];
}

export async function queueStatus(redis: Redis, queueName = DEFAULT_QUEUE, nowMs = Date.now()): Promise<QueueStatus> {
  const queue = openQueue(redis, queueName);
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'paused');
    const failedJobs = await queue.getFailed(0, 19);
    const { pairsPerSecond, pairsPerVideo } = await readThroughput(redis, queueName, nowMs);
    const remaining = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      done: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      pairsPerSecond,
      etaSeconds: remaining === 0 ? 0 : pairsPerSecond > 0 ? (remaining * pairsPerVideo) / pairsPerSecond : null,
      failures: failedJobs.map((job) => ({ video: job.data.relativePath, attempts: job.attemptsMade, error: job.failedReason })),
    };
  } finally {
    await queue.close();
  }
}

export function formatStatus(s: QueueStatus): string {
  const eta = s.etaSeconds == null ? 'unknown' : `${Math.round(s.etaSeconds)} s`;
  const lines = [
    `waiting ${s.waiting}  active ${s.active}  delayed (retry) ${s.delayed}  done ${s.done}  failed ${s.failed}`,
    `throughput ${s.pairsPerSecond.toFixed(2)} pairs/s across all workers  ETA ${eta}`,
  ];
  for (const f of s.failures) lines.push(`  failed: ${f.video} after ${f.attempts} attempts: ${f.error}`);
  return lines.join('\n');
}
