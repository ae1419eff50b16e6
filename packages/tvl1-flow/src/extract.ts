/**
 * Flow for a whole video or frame folder, in the dense_flow / mmaction layout
 * (x_00001.jpg, y_00001.jpg: the flow from frame 1 to frame 2, quantised with
 * a bound) or as .flo files. Frames are streamed: only the pairs in flight
 * on the worker pool (twice its size) are held in memory, so long videos are
 * fine. Each output is written atomically and pairs already on disk are
 * skipped, so an interrupted extraction resumes where it stopped.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { countFrames, DEFAULT_BOUND, detectFrameTemplate, flowFileNames, readFrameFolder, readFrames, type Size, writeFlo, writeFlowJpegs } from '@trajectorynet/video-io';
import { Tvl1Error } from './errors.js';
import { FLOW_RECORD, type FlowRecord, flowRecordOf, readFlowRecord, recordMismatch, writeFlowRecord } from './flow-record.js';
import { type StreamFrame, streamFrames } from './frames.js';
import { resolveOptions, type Tvl1Options } from './options.js';
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
  /** Frame-folder file template (default: detected from the folder, e.g. img_{:05d}.jpg or {:05d}.jpg). */
  template?: string;
  tvl1?: Tvl1Options;
  /**
   * Only these pairs (0-based: pair j is frames j -> j+1), decoding only their
   * frames, e.g. the pairs one test clip needs. Default: every pair.
   */
  pairs?: number[];
  /** Pairs done (computed or already on disk) out of the pairs the container announces. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractResult {
  pairs: number;
  computed: number;
  skipped: number;
  seconds: number;
  /** Why the flows already in the folder were thrown away (made from another input or with other settings), if they were. */
  replaced?: string;
}

/** The output file names of pair i (0-based: frames i -> i + 1). */
export function pairOutputs(outDir: string, pair: number, format: 'jpg' | 'flo', naming: 'mmaction' | 'dense_flow'): string[] {
  if (format === 'flo') return [path.join(outDir, `flow_${String(pair + 1).padStart(5, '0')}.flo`)];
  const { x, y } = flowFileNames(pair + 1, naming);
  return [path.join(outDir, x), path.join(outDir, y)];
}

/** Bad options fail first, naming them (the TV-L1 ones too, rather than later in a worker thread). */
function checkOptions(options: ExtractOptions): void {
  const fail = (name: string, must: string, value: unknown) => {
    throw new Tvl1Error('BAD_ARGUMENT', `must be ${must}, got ${value}`, { path: name });
  };
  if (options.format != null && options.format !== 'jpg' && options.format !== 'flo') fail('format', "'jpg' or 'flo'", options.format);
  if (options.naming != null && options.naming !== 'mmaction' && options.naming !== 'dense_flow') fail('naming', "'mmaction' or 'dense_flow'", options.naming);
  if (options.bound != null && !(options.bound > 0 && options.bound < Number.POSITIVE_INFINITY)) fail('bound', 'a positive number', options.bound);
  if (options.workers != null && !(Number.isInteger(options.workers) && options.workers >= 1)) fail('workers', 'a positive integer', options.workers);
  if (options.pairs != null && !options.pairs.every((j) => Number.isInteger(j) && j >= 0)) fail('pairs', 'non-negative integers', options.pairs);
  resolveOptions(options.tvl1 ?? {});
}

/** Creates outDir and writes (then removes) a probe file, so that a bad folder fails before any flow is computed. */
async function checkWritable(outDir: string): Promise<void> {
  const probe = path.join(outDir, `.write-probe-${process.pid}`);
  try {
    await mkdir(outDir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOSPC' || errno === 'EDQUOT') throw new Tvl1Error('DISK_FULL', 'no space left for flow files', { path: outDir, cause: error });
    throw new Tvl1Error('NOT_WRITABLE', `cannot write flow files here (${errno ?? String(error)})`, { path: outDir, cause: error });
  }
}

const isFlowFile = (name: string) => /^(x_|y_|flow_x_|flow_y_)\d+\.jpg$|^flow_\d+\.flo$/.test(name);

/**
 * Makes `outDir` hold flows of `record` only: flows recorded with another
 * input or other settings, or without a record (another tool, an older
 * version: how they were made is unknown), are removed; then the record is
 * written. Returns why flows were removed, or undefined.
 */
async function claimFolder(outDir: string, record: FlowRecord): Promise<string | undefined> {
  const found = await readFlowRecord(outDir);
  let stale: string | undefined;
  if (found != null) {
    const mismatch = recordMismatch(found, record);
    if (mismatch == null) return undefined;
    stale = mismatch;
  } else if ((await readdir(outDir)).some(isFlowFile)) {
    stale = `no ${FLOW_RECORD} (written by another tool or an older version)`;
  }
  if (stale != null) {
    const names = await readdir(outDir);
    await Promise.all(names.filter((n) => isFlowFile(n) || n === FLOW_RECORD).map((n) => rm(path.join(outDir, n), { force: true })));
  }
  await writeFlowRecord(outDir, record);
  return stale;
}

export async function extractFlow(input: string, outDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const started = Date.now();
  checkOptions(options);
  const format = options.format ?? 'jpg';
  const naming = options.naming ?? 'mmaction';
  // frame folders: the template given, or the one the folder's first frame shows (img_00001.jpg, 00001.jpg, ...)
  if (options.template == null && (await stat(input).catch(() => null))?.isDirectory()) options = { ...options, template: detectFrameTemplate(input) ?? undefined };
  const frameCount = await countFrames(input, { template: options.template });
  if (frameCount < 2) throw new Tvl1Error('TOO_FEW_FRAMES', `has ${frameCount} frame${frameCount === 1 ? '' : 's'}; flow needs at least 2`, { path: input });
  await checkWritable(outDir);
  const record = await flowRecordOf(input, { format, naming, bound: options.bound ?? DEFAULT_BOUND, resize: options.resize, tvl1: options.tvl1 });
  const replaced = await claimFolder(outDir, record);
  const withReplaced = (result: ExtractResult): ExtractResult => (replaced != null ? { ...result, replaced } : result);
  if (options.pairs != null) return withReplaced(await extractPairs(input, outDir, frameCount, options, started));
  const total = frameCount - 1;
  const isFolder = (await stat(input)).isDirectory();
  const pool = options.pool ?? createFlowPool(options.workers);
  const limit = 2 * pool.size;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  let [pairs, computed, done] = [0, 0, 0];
  const progress = () => options.onProgress?.(done, Math.max(total, pairs));

  const computePair = async (frame0: StreamFrame, frame1: StreamFrame, outputs: string[], pair: number) => {
    const flow = await pool.compute({ ...frame0, channels: 3 }, { ...frame1, channels: 3 }, options.tvl1 ?? {}, `${input} pair ${pair + 1} (frames ${pair + 1}-${pair + 2})`);
    if (format === 'flo') await writeFlo(outputs[0], flow);
    else await writeFlowJpegs(outputs[0], outputs[1], flow, { bound: options.bound ?? DEFAULT_BOUND });
    computed += 1;
    done += 1;
    progress();
  };

  progress();
  try {
    let previous: StreamFrame | null = null;
    for await (const frame of streamFrames(input, isFolder, options)) {
      if (previous != null) {
        const outputs = pairOutputs(outDir, pairs, format, naming);
        pairs += 1;
        if (outputs.every((f) => existsSync(f))) {
          done += 1;
          progress();
        } else {
          // a failed pair is kept for the end of the loop, never left as an unhandled rejection
          const job: Promise<void> = computePair(previous, frame, outputs, pairs - 1)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => inFlight.delete(job));
          inFlight.add(job);
          if (inFlight.size >= limit) await Promise.race(inFlight);
        }
      }
      if (failure != null) break;
      previous = frame;
    }
  } finally {
    await Promise.all(inFlight);
    if (options.pool == null) await pool.close();
  }
  if (failure != null) throw (failure as { error: unknown }).error;
  return withReplaced({ pairs, computed, skipped: pairs - computed, seconds: (Date.now() - started) / 1000 });
}

/** extractFlow for a subset of pairs: decodes only their frames, computes the pairs not on disk yet. */
async function extractPairs(input: string, outDir: string, frameCount: number, options: ExtractOptions, started: number): Promise<ExtractResult> {
  const format = options.format ?? 'jpg';
  const naming = options.naming ?? 'mmaction';
  const pairs = [...new Set(options.pairs)].sort((a, b) => a - b);
  const past = pairs.find((j) => j + 1 >= frameCount);
  if (past != null) throw new Tvl1Error('BAD_ARGUMENT', `pair ${past} needs frame ${past + 2}, the input has ${frameCount}`, { path: input });
  const missing = pairs.filter((j) => !pairOutputs(outDir, j, format, naming).every((f) => existsSync(f)));
  const indices = [...new Set(missing.flatMap((j) => [j, j + 1]))].sort((a, b) => a - b);
  const isFolder = (await stat(input)).isDirectory();
  const decoded = indices.length === 0 ? null : isFolder ? await readFrameFolder(input, { indices, template: options.template, resize: options.resize }) : await readFrames(input, { indices, resize: options.resize });
  const frame = (j: number) => ({ data: (decoded as NonNullable<typeof decoded>).frames[indices.indexOf(j)], width: decoded?.width ?? 0, height: decoded?.height ?? 0, channels: 3 as const });
  const pool = options.pool ?? createFlowPool(options.workers);
  let done = pairs.length - missing.length;
  options.onProgress?.(done, pairs.length);
  try {
    await Promise.all(
      missing.map(async (j) => {
        const flow = await pool.compute(frame(j), frame(j + 1), options.tvl1 ?? {}, `${input} pair ${j + 1} (frames ${j + 1}-${j + 2})`);
        const outputs = pairOutputs(outDir, j, format, naming);
        if (format === 'flo') await writeFlo(outputs[0], flow);
        else await writeFlowJpegs(outputs[0], outputs[1], flow, { bound: options.bound ?? DEFAULT_BOUND });
        done += 1;
        options.onProgress?.(done, pairs.length);
      }),
    );
  } finally {
    if (options.pool == null) await pool.close();
  }
  return { pairs: pairs.length, computed: missing.length, skipped: pairs.length - missing.length, seconds: (Date.now() - started) / 1000 };
}
