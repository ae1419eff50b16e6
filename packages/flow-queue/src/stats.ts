/**
 * Throughput across all workers: each completed video appends (time, pairs)
 * to a capped Redis list; `status` reads the recent entries for pairs/s.
 */
import type { Redis } from 'ioredis';

const KEEP = 5000;
const key = (queueName: string) => `trajectorynet:${queueName}:completions`;

export async function recordCompletion(redis: Redis, queueName: string, pairs: number, timeMs: number): Promise<void> {
  await redis.multi().rpush(key(queueName), `${timeMs}:${pairs}`).ltrim(key(queueName), -KEEP, -1).exec();
}

export interface Throughput {
  /** Pairs per second over the window (0 when nothing completed in it). */
  pairsPerSecond: number;
  /** Mean pairs per completed video (all kept entries). */
  pairsPerVideo: number;
  /** Pairs completed in total (kept entries). */
  pairsDone: number;
}

export async function readThroughput(redis: Redis, queueName: string, nowMs: number, windowMs = 120_000): Promise<Throughput> {
  const entries = (await redis.lrange(key(queueName), 0, -1)).map((e) => {
    const [t, p] = e.split(':').map(Number);
    return { t, p };
  });
  if (entries.length === 0) return { pairsPerSecond: 0, pairsPerVideo: 0, pairsDone: 0 };
  const pairsDone = entries.reduce((a, e) => a + e.p, 0);
  const recent = entries.filter((e) => e.t >= nowMs - windowMs);
  // the rate is measured from the first completion in the window (or the window start if earlier ones exist)
  const since = recent.length === entries.length ? Math.min(...recent.map((e) => e.t)) : nowMs - windowMs;
  const span = Math.max(1, nowMs - since) / 1000;
  const pairsPerSecond = recent.length < 2 && recent.length === entries.length ? 0 : recent.reduce((a, e) => a + e.p, 0) / span;
  return { pairsPerSecond, pairsPerVideo: pairsDone / entries.length, pairsDone };
}

export async function clearStats(redis: Redis, queueName: string): Promise<void> {
  await redis.del(key(queueName));
}
