/**
 * Runs a worker until a signal or until the queue is empty. The first
 * SIGINT/SIGTERM finishes the current video (which needs no Redis), reports
 * it if Redis answers within a few seconds, and returns; it is honoured the
 * same while Redis is unreachable. A second signal leaves at once, releasing
 * the video claims (the working folders stay, to be resumed).
 */
import { releaseHeldClaimsSync } from './claim.js';
import { DEFAULT_QUEUE, openQueue, readLostJobsNote } from './queue.js';
import { type FlowWorker, startWorker, type WorkerOptions } from './worker.js';

export interface RunWorkerOptions extends WorkerOptions {
  /** Stop once nothing is waiting, delayed or active (for batch runs and tests). */
  exitWhenEmpty?: boolean;
  pollMs?: number;
  /** How long to wait for Redis to take the last results once stopping (default 5 s). */
  reportGraceMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Runs the worker; says how many videos it finished and how many failed (the last failure with them). */
export async function runWorkerUntilDone(options: RunWorkerOptions): Promise<ReturnType<FlowWorker['outcomes']>> {
  const log = options.log ?? (() => {});
  const flow = startWorker(options);
  const queue = openQueue(options.redis, options.queueName ?? DEFAULT_QUEUE);
  let requestStop = () => {};
  const stopRequested = new Promise<'stop'>((resolve) => {
    requestStop = () => resolve('stop');
  });
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      log('stopping: finishing the current video (signal again to leave now)');
      requestStop();
    } else {
      releaseHeldClaimsSync();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const isEmpty = async () => {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
    return (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) + (c.paused ?? 0) === 0;
  };
  let leftEmpty = false;
  try {
    for (;;) {
      if ((await Promise.race([sleep(options.pollMs ?? 1000), stopRequested])) === 'stop') break;
      // while Redis is unreachable the count waits for it: a signal must still get through
      if (options.exitWhenEmpty && (await Promise.race([isEmpty().catch(() => false), stopRequested])) === true) {
        leftEmpty = true;
        break;
      }
    }
  } finally {
    flow.stopTakingJobs();
    await flow.idle();
    const reported = await Promise.race([flow.reported().then(() => true), sleep(options.reportGraceMs ?? 5000).then(() => false)]);
    if (!reported) log('Redis does not answer: leaving without reporting the last video; its job returns to the queue when its lock expires, and the next worker finds the video done');
    // force: never wait on Redis here (a non-forced close waits for it forever)
    await flow.worker.close(true).catch(() => {});
    // an empty queue after lost jobs is not a finished list: say so, or the worker's exit looks like success
    if (leftEmpty) {
      const lost = await Promise.race([readLostJobsNote(options.redis, queue.name).catch(() => null), sleep(1000).then(() => null)]);
      const { abandoned } = flow.outcomes();
      if (lost != null || abandoned > 0) {
        log(
          `leaving: the queue is empty because Redis lost its jobs (restarted without persistence, or flushed${lost != null ? `; first noticed by ${lost.worker} on ${lost.video}` : ''}); ${abandoned} video(s) this worker had started were left to resume: enqueue the list again`,
        );
      }
    }
    await Promise.race([queue.close().catch(() => {}), sleep(1000)]);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return flow.outcomes();
}
