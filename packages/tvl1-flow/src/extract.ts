/**
 * Flow for a whole video or frame folder, in the dense_flow / mmaction layout
 * (x_00001.jpg, y_00001.jpg: the flow from frame 1 to frame 2, quantised with
 * a bound) or as .flo files. Pairs run in parallel on the worker pool; each
 * output is written atomically and pairs already on disk are skipped, so an
 * interrupted extraction resumes where it stopped.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_BOUND, flowFileNames, readFrameFolder, readFrames, type Size, writeFlo, writeFlowJpegs } from '@trajectorynet/video-io';
import type { Tvl1Options } from './options.js';
import { createFlowPool, type FlowPool } from './pool.js';

export interface ExtractOptions {
  format?: 'jpg' | 'flo';
  /** JPEG quantisation bound in pixels (dense_flow uses 20). */
  bound?: number;
  naming?: 'mmaction' | 'dense_flow';
  /** Resize frames before computing flow. */
  resize?: Size;
  /** Worker threads (default: one per core), or a pool shared across videos. */
  workers?: number;
  pool?: FlowPool;
  /** Frame-folder file template (default img_{:05d}.jpg). */
  template?: string;
  tvl1?: Tvl1Options;
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractResult {
  pairs: number;
  computed: number;
  skipped: number;
  seconds: number;
}

/** The output file names of pair i (0-based: frames i -> i + 1). */
export function pairOutputs(outDir: string, pair: number, format: 'jpg' | 'flo', naming: 'mmaction' | 'dense_flow'): string[] {
  if (format === 'flo') return [path.join(outDir, `flow_${String(pair + 1).padStart(5, '0')}.flo`)];
  const { x, y } = flowFileNames(pair + 1, naming);
  return [path.join(outDir, x), path.join(outDir, y)];
}

export async function extractFlow(input: string, outDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const started = Date.now();
  const format = options.format ?? 'jpg';
  const naming = options.naming ?? 'mmaction';
  const isFolder = (await stat(input)).isDirectory();
  const { width, height, frames } = isFolder
    ? await readFrameFolder(input, { template: options.template, resize: options.resize })
    : await readFrames(input, { resize: options.resize });
  const pairs = Math.max(0, frames.length - 1);
  const todo = Array.from({ length: pairs }, (_, i) => i).filter((i) => !pairOutputs(outDir, i, format, naming).every((f) => existsSync(f)));
  const pool = options.pool ?? createFlowPool(options.workers);
  let done = pairs - todo.length;
  options.onProgress?.(done, pairs);
  try {
    await Promise.all(
      todo.map(async (i) => {
        const flow = await pool.compute(
          { data: frames[i], width, height, channels: 3 },
          { data: frames[i + 1], width, height, channels: 3 },
          options.tvl1 ?? {},
        );
        const outputs = pairOutputs(outDir, i, format, naming);
        if (format === 'flo') await writeFlo(outputs[0], flow);
        else await writeFlowJpegs(outputs[0], outputs[1], flow, { bound: options.bound ?? DEFAULT_BOUND });
        done += 1;
        options.onProgress?.(done, pairs);
      }),
    );
  } finally {
    if (options.pool == null) await pool.close();
  }
  return { pairs, computed: todo.length, skipped: pairs - todo.length, seconds: (Date.now() - started) / 1000 };
}
