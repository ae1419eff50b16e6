/**
 * Redis connections for BullMQ, with an early check so that a wrong URL or a
 * server that is down gives one clear error instead of endless retries.
 */
import { Redis } from 'ioredis';
import { FlowQueueError } from './errors.js';

export interface ConnectOptions {
  /** How long to wait for the first PING. */
  timeoutMs?: number;
}

/** Parses and checks a redis:// URL (redis://[user:password@]host:port[/db]). */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FlowQueueError('BAD_URL', `'${url}' is not a URL; expected redis://host:port`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new FlowQueueError('BAD_URL', `'${url}' is not a redis:// URL`);
  }
  return parsed;
}

/**
 * A connection BullMQ can use (`maxRetriesPerRequest: null`, as its workers
 * require), returned once Redis answered a PING.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  parseRedisUrl(url);
  const timeoutMs = options.timeoutMs ?? 5000;
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: timeoutMs });
  let lastError: unknown;
  redis.on('error', (error) => {
    lastError = error; // reported below or by the caller's own handlers
  });
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  } catch (error) {
    redis.disconnect();
    const reason = (lastError as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message;
    throw new FlowQueueError('REDIS_UNREACHABLE', `cannot reach Redis at ${url}: ${reason}`, { cause: error });
  }
  return redis;
}
