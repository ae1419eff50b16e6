/**
 * The file-system part of a job, which needs no Redis: claim the video,
 * extract its flow into the holder's working folder, publish it as the
 * final folder. It never throws; it says what happened. It stops (and says
 * 'abandoned') when `signal` aborts (the job vanished from Redis or lost
 * its lock), when its claim is taken over, or when progress cannot be sent
 * because the job is gone.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FLOW_RECORD, readFlowRecord, recordMismatch, resolveOptions } from '@trajectorynet/tvl1-flow';
import { claimVideo } from './claim.js';
import { extractionError, FlowQueueError } from './errors.js';
import { progressReporter } from './progress-reporter.js';
import type { ExtractionSettings, FlowJobProgress, FlowJobResult } from './queue.js';
import { hasWorkingFolders, prepareWorkingFolder, publish, removeWorkingFolders, videoPaths } from './video-output.js';

/** Extracts the flow of one video (file or frame folder) into `outDir`, resuming what is there; `onProgress` may throw to stop it. */
export type Extractor = (
  input: string,
  outDir: string,
  settings: ExtractionSettings,
  onProgress: (pairsDone: number, pairsTotal: number) => void,
) => Promise<{ pairs: number }>;

export interface VideoJob {
  id: string;
  relativePath: string;
  settings: ExtractionSettings;
  /** 1 for the first attempt. */
  attempt: number;
  /** The job's token (BullMQ's lock token), written into the claim. */
  token: string;
}

export interface VideoJobOptions {
  root: string;
  outRoot: string;
  extract: Extractor;
  /** host:pid, for logs and claims. */
  worker: string;
  /** A claim not refreshed for this long may be taken over (the job lock time). */
  lockDurationMs: number;
  progressIntervalMs: number;
  /** Sends progress to Redis; resolves 'vanished' when the job is gone, which stops the extraction. */
  sendProgress: (progress: FlowJobProgress, computedPairs: number, fromMs: number, toMs: number) => Promise<'sent' | 'failed' | 'vanished'>;
  log: (message: string) => void;
}

export type Outcome =
  | { kind: 'published'; result: FlowJobResult }
  | { kind: 'already-done'; result: FlowJobResult }
  /** Another live worker holds the claim: try again later. */
  | { kind: 'held'; retryInMs: number }
  | { kind: 'abandoned' }
  | { kind: 'failed'; error: unknown };

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Flow files in the working folder, temporaries and the settings record aside. */
const countOutputs = async (folder: string) => (await readdir(folder)).filter((n) => !n.startsWith('.') && n !== FLOW_RECORD).length;

/** How the flows of a finished folder differ from `settings` (its flow-settings.json says), or null (same, or no record). */
async function madeDifferently(folder: string, settings: ExtractionSettings): Promise<string | null> {
  const found = await readFlowRecord(folder);
  if (found == null) return null;
  const jpg = settings.format === 'jpg';
  return recordMismatch(found, {
    resize: settings.resize ?? null,
    format: settings.format,
    bound: jpg ? settings.bound : null,
    naming: jpg ? (settings.naming ?? 'mmaction') : null,
    tvl1: resolveOptions({ preset: settings.tvl1 ?? 'accurate' }),
  });
}

const VANISHED = 'its job vanished from Redis (restarted without persistence, or flushed)';

export async function extractVideo(job: VideoJob, options: VideoJobOptions, signal?: AbortSignal): Promise<Outcome> {
  const { relativePath, settings } = job;
  const { log } = options;
  const paths = videoPaths(options.outRoot, relativePath);
  const input = path.join(options.root, relativePath);
  const owner = { token: job.token, jobId: job.id, worker: options.worker };
  const started = Date.now();
  const alreadyDone = (): Outcome => {
    log(`${relativePath}: already finished`);
    return { kind: 'already-done', result: { pairs: 0, seconds: 0, worker: options.worker, alreadyDone: true } };
  };
  try {
    if (await exists(paths.final)) {
      // working folders beside a finished video are nobody's once their claim is free or stale
      if (await hasWorkingFolders(paths)) {
        const attempt = await claimVideo(paths.claim, owner, options.lockDurationMs);
        if ('claim' in attempt) {
          await removeWorkingFolders(paths);
          await attempt.claim.release();
        }
      }
      // finished with other settings (another enqueue into the same folder): not this job's flows
      const stale = await madeDifferently(paths.final, settings);
      if (stale != null) return { kind: 'failed', error: new FlowQueueError('BAD_DATA', `holds flows made differently (${stale}): remove it to extract the video with these settings`, { path: paths.final }) };
      return alreadyDone();
    }
    if (!(await exists(input))) return { kind: 'failed', error: new FlowQueueError('ENOENT', `no such video or frame folder on worker ${options.worker}`, { path: input }) };
    const attempt = await claimVideo(paths.claim, owner, options.lockDurationMs);
    if (!('claim' in attempt)) {
      const retryInMs = Math.min(options.lockDurationMs, Math.max(500, options.lockDurationMs - attempt.ageMs + 250));
      log(`${relativePath}: being extracted by ${attempt.heldBy?.worker ?? 'another worker'} (its job was handed out again after an outage); trying again in ${(retryInMs / 1000).toFixed(1)} s`);
      return { kind: 'held', retryInMs };
    }
    const { claim } = attempt;
    const stop = new AbortController();
    const onSignal = () => stop.abort(signal?.reason ?? 'its job was cancelled');
    signal?.addEventListener('abort', onSignal);
    if (signal?.aborted) onSignal();
    const stopRefreshing = claim.keepAlive(Math.max(250, options.lockDurationMs / 4), (reason) => stop.abort(reason));
    let flushProgress = () => {};
    let folder: string | null = null;
    const claimLost = 'its claim was taken over';
    try {
      if (await exists(paths.final)) {
        await removeWorkingFolders(paths);
        return alreadyDone();
      }
      const prepared = await prepareWorkingFolder(paths, claim.owner.token.split(':').at(-1) as string);
      folder = prepared.folder;
      const { existingFiles } = prepared;
      const resumedPairs = Math.floor(existingFiles / (settings.format === 'flo' ? 1 : 2));
      log(`${relativePath}: extracting (attempt ${job.attempt}${resumedPairs > 0 ? `, resuming after ${resumedPairs} pairs` : ''})`);
      const reporter = progressReporter(resumedPairs, options.progressIntervalMs, async (progress, computed, fromMs, toMs) => {
        const sent = await options.sendProgress(progress, computed, fromMs, toMs);
        if (sent === 'vanished') stop.abort(VANISHED);
        return sent === 'sent';
      });
      flushProgress = reporter.flush;
      const { pairs } = await options.extract(input, prepared.folder, settings, (done, total) => {
        stop.signal.throwIfAborted();
        reporter.update(done, total);
      });
      if (!stop.signal.aborted && !(await claim.isOurs())) stop.abort(claimLost);
      // a holder that lost its claim while frozen, unaware of it, would find pairs gone from its folder: never publish that
      if (!stop.signal.aborted && (await countOutputs(prepared.folder)) < pairs * (settings.format === 'flo' ? 1 : 2)) stop.abort('pair files went missing from its working folder (taken over?)');
      stop.signal.throwIfAborted();
      if (!(await publish(prepared.folder, paths))) {
        await removeWorkingFolders(paths);
        return alreadyDone();
      }
      await removeWorkingFolders(paths); // left by holders that lost their claim while frozen
      const seconds = (Date.now() - started) / 1000;
      log(`${relativePath}: ${pairs} pairs in ${seconds.toFixed(1)} s`);
      return { kind: 'published', result: { pairs, seconds, worker: options.worker, alreadyDone: false } };
    } catch (error) {
      // a failure caused by losing the claim (the new holder moved the working folder away) is not the job's failure
      if (!stop.signal.aborted && !(await claim.isOurs())) stop.abort(claimLost);
      if (!stop.signal.aborted) throw error;
      if (folder != null && !(await claim.isOurs())) {
        // the new holder adopted our folder by renaming it: what is at its old path now are our own stray writes
        await rm(folder, { recursive: true, force: true });
        log(`${relativePath}: abandoned: ${String(stop.signal.reason)}; its new holder goes on`);
      } else {
        log(`${relativePath}: abandoned: ${String(stop.signal.reason)}; the next worker that takes the video resumes it`);
      }
      return { kind: 'abandoned' };
    } finally {
      flushProgress();
      stopRefreshing();
      signal?.removeEventListener('abort', onSignal);
      await claim.release().catch(() => {});
    }
  } catch (error) {
    return { kind: 'failed', error: extractionError(error, paths.parent) };
  }
}
