/**
 * Flow for many videos on one machine: one shared pool, each video resumable
 * (pairs on disk are kept), and a video that can never succeed (too few
 * frames, damaged, missing) recorded and skipped instead of stopping the
 * list. A full disk or an output that cannot be written stops at once: every
 * later video would fail the same way.
 *
 * A video's flows are computed in `<outDir>.partial` and renamed to outDir
 * when complete, so a folder under its final name is always whole; a final
 * folder made from another input or with other settings (its
 * flow-settings.json says) is rebuilt the same way and replaced.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isTrajectoryNetError } from '@trajectorynet/core';
import { removeStaleTemporaries, syncFolder } from '@trajectorynet/core/node';
import { DEFAULT_BOUND, type Size } from '@trajectorynet/video-io';
import { type ExtractOptions, type ExtractResult, extractFlow } from './extract.js';
import { flowRecordOf, readFlowRecord, recordMismatch } from './flow-record.js';
import { createFlowPool } from './pool.js';

export interface VideoJob {
  /** A video file or frame folder. */
  input: string;
  /** Its flow folder. */
  outDir: string;
  /** This video's frame size for flow (overrides the options' resize). */
  resize?: Size;
}

export interface BatchResult {
  done: { job: VideoJob; result: ExtractResult }[];
  failed: { job: VideoJob; error: Error }[];
}

const STOPS_THE_BATCH = new Set(['DISK_FULL', 'NOT_WRITABLE']);

export async function extractVideos(
  jobs: VideoJob[],
  options: Omit<ExtractOptions, 'onProgress'> & { onVideo?: (index: number, job: VideoJob, outcome: ExtractResult | Error) => void } = {},
): Promise<BatchResult> {
  const pool = options.pool ?? createFlowPool(options.workers);
  const result: BatchResult = { done: [], failed: [] };
  try {
    for (const [index, job] of jobs.entries()) {
      try {
        const extracted = await extractOne(job, { ...options, resize: job.resize ?? options.resize, pool });
        result.done.push({ job, result: extracted });
        options.onVideo?.(index, job, extracted);
      } catch (error) {
        if (isTrajectoryNetError(error) && STOPS_THE_BATCH.has(error.code)) throw error;
        // bad inputs, and a dead worker or a bug on one video: reported with the video, the list goes on
        result.failed.push({ job, error: error as Error });
        options.onVideo?.(index, job, error as Error);
      }
    }
  } finally {
    if (options.pool == null) await pool.close();
  }
  return result;
}

/** The working folder of a video whose flows are not complete yet. */
export const partialFolderOf = (outDir: string) => `${outDir}.partial`;

async function extractOne(job: VideoJob, options: ExtractOptions): Promise<ExtractResult> {
  const work = partialFolderOf(job.outDir);
  let replaced: string | undefined;
  if (existsSync(job.outDir)) {
    const found = await readFlowRecord(job.outDir);
    const wanted = await flowRecordOf(job.input, { format: options.format ?? 'jpg', naming: options.naming ?? 'mmaction', bound: options.bound ?? DEFAULT_BOUND, resize: options.resize, tvl1: options.tvl1 });
    replaced = found == null ? 'no flow-settings.json (written by another tool or an older version)' : (recordMismatch(found, wanted) ?? undefined);
    // complete and made this way: nothing to do (pairs missing from it, if any, are computed in place)
    if (replaced == null) return extractFlow(job.input, job.outDir, options);
  }
  // temporaries of a run killed mid-write never pass for flows
  if (existsSync(work)) await removeStaleTemporaries(work);
  const extracted = await extractFlow(job.input, work, options);
  await syncFolder(work);
  if (replaced != null) await rm(job.outDir, { recursive: true, force: true });
  await rename(work, job.outDir);
  await syncFolder(path.dirname(job.outDir));
  return replaced != null ? { ...extracted, replaced } : extracted;
}
