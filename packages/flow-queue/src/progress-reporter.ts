/**
 * A job's progress on its way to Redis: at most one send every few seconds
 * and one send at a time, so an outage never piles sends up. Each send
 * carries the pairs computed since the last successful send; pairs already
 * on disk when the job started (a resumed video) are not counted, so the
 * rate `status` shows is the rate of work actually done.
 */
import type { FlowJobProgress } from './queue.js';

/** Sends progress and the pairs computed in [fromMs, toMs]; resolves false when the send failed. */
export type SendProgress = (progress: FlowJobProgress, computedPairs: number, fromMs: number, toMs: number) => Promise<boolean>;

export interface ProgressReporter {
  update(done: number, total: number): void;
  /** Sends what was not sent yet (unless a send is under way). */
  flush(): void;
}

export function progressReporter(resumedPairs: number, intervalMs: number, send: SendProgress): ProgressReporter {
  let latest: FlowJobProgress = { done: 0, total: 0 };
  let counted = 0;
  let sentAt = Date.now(); // start of the pairs not counted yet
  let triedAt = sentAt;
  let sending = false;
  const flush = () => {
    if (sending) return;
    sending = true;
    triedAt = Date.now();
    const computed = Math.max(0, latest.done - resumedPairs) - counted;
    const [fromMs, toMs] = [sentAt, Date.now()];
    void send(latest, computed, fromMs, toMs)
      .catch(() => false)
      .then((ok) => {
        if (ok) {
          counted += computed;
          sentAt = toMs;
        }
        sending = false;
      });
  };
  return {
    update(done, total) {
      latest = { done, total };
      if (Date.now() - triedAt >= intervalMs) flush();
    },
    flush,
  };
}
