/**
 * Where a distributed extraction stands: job counts, the pairs done by the
 * videos in progress, throughput across workers (in-progress pairs
 * included), ETA, failures, and whether Redis lost the queue's jobs.
 */
import { formatDuration } from '@trajectorynet/core/node';
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE, type FlowJobProgress, type LostJobsNote, openQueue, readLostJobsNote } from './queue.js';
import { readThroughput } from './stats.js';

export interface QueueStatus {
  queueName: string;
  waiting: number;
  active: number;
  delayed: number;
  done: number;
  failed: number;
  /** Pairs done so far and pairs announced by the videos in progress. */
  inProgress: { pairsDone: number; pairsTotal: number };
  pairsPerSecond: number;
  /** Seconds until the waiting, delayed and active videos are done at the current rate; null when unknown. */
  etaSeconds: number | null;
  failures: { video: string; attempts: number; error: string }[];
  /** Set when a worker found its job gone from Redis (restart without persistence, FLUSHALL), until the list is enqueued again. */
  lost: LostJobsNote | null;
}

export interface EtaInput {
  /** Videos not started yet (waiting or delayed). */
  queuedVideos: number;
  /** Progress of the videos being extracted. */
  inProgress: FlowJobProgress[];
  /** Mean pairs of completed videos (0 when none yet: the videos in progress give the estimate). */
  pairsPerVideo: number;
  pairsPerSecond: number;
}

/** Remaining pairs (those left in the videos in progress plus an estimate for the queued ones) over the current rate. */
export function estimateEta({ queuedVideos, inProgress, pairsPerVideo, pairsPerSecond }: EtaInput): number | null {
  const announced = inProgress.filter((p) => p.total > 0);
  const perVideo = pairsPerVideo > 0 ? pairsPerVideo : announced.length > 0 ? announced.reduce((a, p) => a + p.total, 0) / announced.length : null;
  if (queuedVideos > 0 && perVideo == null) return null;
  const remaining = inProgress.reduce((a, p) => a + Math.max(0, p.total - p.done), 0) + queuedVideos * (perVideo ?? 0);
  if (remaining === 0 && inProgress.length === 0) return 0;
  return pairsPerSecond > 0 ? remaining / pairsPerSecond : null;
}

const asProgress = (value: unknown): FlowJobProgress => {
  const p = value as Partial<FlowJobProgress> | null;
  return { done: Number(p?.done) || 0, total: Number(p?.total) || 0 };
};

export async function queueStatus(redis: Redis, queueName = DEFAULT_QUEUE, nowMs = Date.now()): Promise<QueueStatus> {
  const queue = openQueue(redis, queueName);
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'paused');
    const [failedJobs, activeJobs] = await Promise.all([queue.getFailed(0, 19), queue.getActive(0, 999)]);
    const { pairsPerSecond, pairsPerVideo } = await readThroughput(redis, queueName, nowMs);
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0);
    const progress = activeJobs.map((job) => asProgress(job.progress));
    return {
      queueName,
      waiting,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      done: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      inProgress: { pairsDone: progress.reduce((a, p) => a + p.done, 0), pairsTotal: progress.reduce((a, p) => a + p.total, 0) },
      pairsPerSecond,
      etaSeconds: estimateEta({ queuedVideos: waiting + (counts.delayed ?? 0), inProgress: progress, pairsPerVideo, pairsPerSecond }),
      failures: failedJobs.map((job) => ({ video: job.data.relativePath, attempts: job.attemptsMade, error: job.failedReason })),
      lost: await readLostJobsNote(redis, queueName),
    };
  } finally {
    await queue.close();
  }
}

export function formatStatus(s: QueueStatus): string {
  const lines: string[] = [];
  if (s.lost != null) {
    lines.push(
      `Redis lost this queue's jobs (restarted without persistence, or flushed): ${s.lost.worker} found ${s.lost.video}'s job gone at ${new Date(s.lost.timeMs).toISOString()}.`,
      'Enqueue the list again: finished videos are skipped, interrupted ones resume from their working folders.',
    );
  }
  if (s.waiting + s.active + s.delayed + s.done + s.failed === 0) {
    if (s.lost == null) lines.push(`no jobs in queue '${s.queueName}': nothing enqueued yet (or Redis lost them: then enqueue the list again)`);
    return lines.join('\n');
  }
  const pairs = s.active > 0 && s.inProgress.pairsTotal > 0 ? ` (${s.inProgress.pairsDone}/${s.inProgress.pairsTotal} pairs)` : '';
  const eta = s.etaSeconds == null ? 'unknown' : formatDuration(s.etaSeconds);
  lines.push(
    `waiting ${s.waiting}  active ${s.active}${pairs}  delayed (retry) ${s.delayed}  done ${s.done}  failed ${s.failed}`,
    `throughput ${s.pairsPerSecond.toFixed(2)} pairs/s across all workers  ETA ${eta}`,
  );
  for (const f of s.failures) lines.push(`  failed: ${f.video} after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.error}`);
  if (s.failed > s.failures.length) lines.push(`  ... and ${s.failed - s.failures.length} more failed`);
  if (s.failed > 0) lines.push('  (`retry` runs the failed jobs again once their cause is fixed)');
  return lines.join('\n');
}
