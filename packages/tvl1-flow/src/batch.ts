/**
 * Flow for many videos on one machine: one shared pool, each video resumable
 * (pairs on disk are kept), and a video that can never succeed (too few
 * frames, damaged, missing) recorded and skipped instead of stopping the
 * list. A full disk or an output that cannot be written stops at once: every
 * later video would fail the same way.
 */
import { isTrajectoryNetError } from '@trajectorynet/core';
import { removeStaleTemporaries } from '@trajectorynet/core/node';
import { type ExtractOptions, type ExtractResult, extractFlow } from './extract.js';
import { createFlowPool } from './pool.js';
import type { Size } from '@trajectorynet/video-io';

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
        // temporaries of a run killed mid-write never pass for flows
        await removeStaleTemporaries(job.outDir);
        const extracted = await extractFlow(job.input, job.outDir, { ...options, resize: job.resize ?? options.resize, pool });
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
