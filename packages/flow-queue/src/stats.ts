/**
 * Throughput across all workers, kept in Redis beside the queue: every few
 * seconds each worker appends the pairs it computed since its last sample
 * (so videos in progress count), and each published video appends a
 * completion record (its pairs, for the pairs-per-video estimate, and its
 * name, so that tests and people can check each video was done once).
 */
import type { Redis } from 'ioredis';

const KEEP = 10_000;
const pairsKey = (queueName: string) => `trajectorynet:${queueName}:pairs`;
const videosKey = (queueName: string) => `trajectorynet:${queueName}:videos`;

/** Records `pairs` computed between `fromMs` and `toMs` by one worker. */
export async function recordPairs(redis: Redis, queueName: string, pairs: number, fromMs: number, toMs: number): Promise<void> {
  await redis.multi().rpush(pairsKey(queueName), `${fromMs}:${toMs}:${pairs}`).ltrim(pairsKey(queueName), -KEEP, -1).exec();
}

export interface Completion {
  video: string;
  pairs: number;
  worker: string;
  timeMs: number;
}

export async function recordCompletion(redis: Redis, queueName: string, completion: Completion): Promise<void> {
  await redis.multi().rpush(videosKey(queueName), JSON.stringify(completion)).ltrim(videosKey(queueName), -KEEP, -1).exec();
}

/** The last completion records (up to 10,000), oldest first. */
export async function readCompletions(redis: Redis, queueName: string): Promise<Completion[]> {
  return (await redis.lrange(videosKey(queueName), 0, -1)).flatMap((line) => {
    try {
      return [JSON.parse(line) as Completion];
    } catch {
      return [];
    }
  });
}

export interface Throughput {
  /** Pairs per second across all workers over the window, videos in progress included (0 when nothing was computed in it). */
  pairsPerSecond: number;
  /** Mean pairs of the completed videos (0 when none completed yet). */
  pairsPerVideo: number;
}

/** Pairs per second from the samples of the last `windowMs` (measured from the start of the oldest sample in it). */
export function pairsPerSecond(samples: { fromMs: number; toMs: number; pairs: number }[], nowMs: number, windowMs: number): number {
  const recent = samples.filter((s) => s.toMs >= nowMs - windowMs && s.toMs <= nowMs);
  if (recent.length === 0) return 0;
  const since = Math.max(nowMs - windowMs, Math.min(...recent.map((s) => s.fromMs)));
  const seconds = (nowMs - since) / 1000;
  return seconds >= 1 ? recent.reduce((sum, s) => sum + s.pairs, 0) / seconds : 0;
}

export async function readThroughput(redis: Redis, queueName: string, nowMs: number, windowMs = 120_000): Promise<Throughput> {
  const samples = (await redis.lrange(pairsKey(queueName), 0, -1)).map((entry) => {
    const [fromMs, toMs, pairs] = entry.split(':').map(Number);
    return { fromMs, toMs, pairs };
  });
  const completions = await readCompletions(redis, queueName);
  return {
    pairsPerSecond: pairsPerSecond(samples.filter((s) => Number.isFinite(s.pairs)), nowMs, windowMs),
    pairsPerVideo: completions.length > 0 ? completions.reduce((sum, c) => sum + c.pairs, 0) / completions.length : 0,
  };
}

export async function clearStats(redis: Redis, queueName: string): Promise<void> {
  await redis.del(pairsKey(queueName), videosKey(queueName));
}
