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
    throw new FlowQueueError('BAD_ARGUMENT', `'${url}' is not a URL; expected redis://host:port`, { path: '--queue' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new FlowQueueError('BAD_ARGUMENT', `'${url}' is not a redis:// URL`, { path: '--queue' });
  }
  return parsed;
}

/** The URL without its password, for messages and logs. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
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
    throw new FlowQueueError('REDIS_UNREACHABLE', `cannot reach Redis: ${reason}`, { path: displayUrl(url), cause: error });
  }
  return redis;
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** True for the errors of a connection that is down or being re-established (rather than of a command). */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERRNOS.has(code)) return true;
  return typeof message === 'string' && /Connection is closed|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET/.test(message);
}

export interface OutageLog {
  /** Logs a connection error with backoff; returns false (logging nothing) for other errors. */
  error(error: unknown): boolean;
  /** The connection is back: logs how long the outage lasted. */
  ready(): void;
}

/**
 * Logging for a Redis outage that does not flood the log: the first
 * connection error, then a reminder after 5 s, 15 s, 35 s, ... (intervals
 * doubling up to 5 min) with the number of failed attempts, and one line
 * when the connection is back. ioredis itself keeps reconnecting.
 */
export function outageLog(url: string, log: (message: string) => void, now: () => number = Date.now): OutageLog {
  let since: number | null = null;
  let errors = 0;
  let nextReminder = 0;
  let interval = 5000;
  const reason = (error: unknown) => ((error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error)).toString();
  return {
    error(error) {
      if (!isConnectionError(error)) return false;
      errors += 1;
      const t = now();
      if (since == null) {
        since = t;
        nextReminder = t + interval;
        log(`Redis at ${url} unreachable (${reason(error)}); reconnecting in the background (a video in progress goes on)`);
      } else if (t >= nextReminder) {
        log(`Redis still unreachable after ${Math.round((t - since) / 1000)} s (${reason(error)}, ${errors} connection errors)`);
        interval = Math.min(2 * interval, 300_000);
        nextReminder = t + interval;
      }
      return true;
    },
    ready() {
      if (since == null) return;
      log(`Redis reachable again after ${Math.round((now() - since) / 1000)} s`);
      since = null;
      errors = 0;
      interval = 5000;
    },
  };
}
