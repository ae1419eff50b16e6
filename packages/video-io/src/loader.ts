/**
 * A prefetching batch loader: the samples of an epoch in a (seeded) order,
 * loaded `prefetch` at a time ahead of the consumer, collated into batches.
 *
 * Two forms: `createLoader(count, load, options)` runs your `load(index)` in
 * this thread (ffmpeg child processes and sharp's pool still decode in
 * parallel); `createLoader(dataset, pipeline, options)` applies a JSON clip
 * pipeline to each sample, in this thread or in `workers` worker_threads,
 * with the same batches either way for the same seed.
 */
import { mixSeeds, seededRandom } from '@trajectorynet/core';
import { createWorkerPool, findBuiltFile, type WorkerPool } from '@trajectorynet/core/node';
import type { Sample } from './datasets/manifests.js';
import { VideoIOError } from './errors.js';
import { type ClipTask, loadClipTask } from './loader-worker.js';
import { type ClipPipeline, checkPipeline } from './pipeline/clip-pipeline.js';

export interface LoadedClip {
  /** [T, H, W, C] floats (or any fixed shape per dataset). */
  data: Float32Array;
  shape: number[];
  label: number;
  /** The clip's flows (a pipeline with `flows`): [2, T-1, H, W, 2] per view, collated like `data`. */
  flows?: Float32Array;
}

export interface Batch {
  /** [N, ...shape] floats. */
  data: Float32Array;
  shape: number[];
  labels: Int32Array;
  /** Positions of the batch's samples in the dataset. */
  indices: Int32Array;
  /** The samples' flows, concatenated (when every sample has them). */
  flows?: Float32Array;
}

export interface LoaderOptions {
  batchSize: number;
  /** Sample order; default: dataset order. */
  order?: number[];
  /** Samples loaded ahead. Default 2 * batchSize. */
  prefetch?: number;
  /** Skip samples that fail to load (counted in `skipped`) instead of failing with their path. */
  skipBad?: boolean;
  /** Drop a last incomplete batch. */
  dropLast?: boolean;
}

export interface DatasetLoaderOptions {
  batchSize: number;
  /** A seeded shuffle of the samples (from seed and epoch); default: dataset order. */
  shuffle?: boolean;
  /** Seeds the order and every sample's random stream (frames, crops, flips). Default 0. */
  seed?: number;
  /** Epoch number, mixed into the seed so that each epoch differs. Default 0. */
  epoch?: number;
  /** Start this many samples into the epoch's order (resuming mid-epoch); the rest of the epoch is unchanged. */
  startAt?: number;
  /** worker_threads decoding in parallel; 0 (default) loads in this thread. */
  workers?: number;
  /** Samples loaded ahead. Default 2 * batchSize. */
  prefetch?: number;
  /** Skip samples that fail to load (counted in `skipped`) instead of failing with their path. */
  skipBad?: boolean;
  /** Drop a last incomplete batch. */
  dropLast?: boolean;
}

export interface Loader extends AsyncIterable<Batch> {
  /** Samples skipped so far (skipBad). */
  readonly skipped: { index: number; error: string }[];
  /** Worker threads running now: only while a pass over a dataset loader with `workers` > 0 is in progress. */
  readonly workers: number;
}

export function createLoader(count: number, load: (index: number) => Promise<LoadedClip>, options: LoaderOptions): Loader;
export function createLoader(dataset: { samples: readonly Sample[] }, pipeline: ClipPipeline, options: DatasetLoaderOptions): Loader;
export function createLoader(
  source: number | { samples: readonly Sample[] },
  how: ((index: number) => Promise<LoadedClip>) | ClipPipeline,
  options: LoaderOptions | DatasetLoaderOptions,
): Loader {
  const skipped: { index: number; error: string }[] = [];
  if (typeof source === 'number') {
    const o = options as LoaderOptions;
    const order = o.order ?? Array.from({ length: source }, (_, i) => i);
    const load = how as (index: number) => Promise<LoadedClip>;
    return { [Symbol.asyncIterator]: () => batches(order, load, o, skipped), skipped, workers: 0 };
  }
  const pipeline = how as ClipPipeline;
  const o = options as DatasetLoaderOptions;
  checkPipeline(pipeline);
  const workerCount = o.workers ?? 0;
  if (!Number.isInteger(workerCount) || workerCount < 0) throw new VideoIOError('BAD_ARGUMENT', `must be a non-negative integer, got ${o.workers}`, { path: 'workers' });
  const { samples } = source;
  const seed = o.seed ?? 0;
  const epoch = o.epoch ?? 0;
  const order = (o.shuffle ? seededRandom(seed, epoch, 'order').permutation(samples.length) : samples.map((_, i) => i)).slice(o.startAt ?? 0);
  let pool: WorkerPool<ClipTask, LoadedClip> | null = null;
  async function* pass(): AsyncGenerator<Batch> {
    // the built worker beside this module (dist), or in ../dist when running from sources (tests)
    const threads = createWorkerPool<ClipTask, LoadedClip>({
      file: findBuiltFile([new URL('./loader-worker.js', import.meta.url), new URL('../dist/loader-worker.js', import.meta.url)]) ?? 'loader-worker.js',
      threads: workerCount,
      inline: loadClipTask,
      label: 'clip',
      errorType: VideoIOError,
    });
    if (workerCount > 0 && threads.threads === 0) throw new VideoIOError('BAD_ARGUMENT', 'the loader worker is not built (build @trajectorynet/video-io), or use workers: 0', { path: 'workers' });
    pool = threads;
    // each sample's stream depends only on (seed, epoch, index): the same clip in any thread
    const load = (index: number) => threads.run({ sample: samples[index], pipeline, random: mixSeeds(seed, epoch, index) }, { name: samples[index].path });
    try {
      yield* batches(order, load, o, skipped);
    } finally {
      // also when the consumer stops early (break in for await): no thread outlives the pass
      pool = null;
      await threads.close();
    }
  }
  return {
    [Symbol.asyncIterator]: pass,
    skipped,
    get workers() {
      return pool?.threads ?? 0;
    },
  };
}

async function* batches(
  order: number[],
  load: (index: number) => Promise<LoadedClip>,
  options: Pick<LoaderOptions, 'batchSize' | 'prefetch' | 'skipBad' | 'dropLast'>,
  skipped: { index: number; error: string }[],
): AsyncGenerator<Batch> {
  const prefetch = Math.max(1, options.prefetch ?? 2 * options.batchSize);
  const pending: Promise<LoadedClip | null>[] = [];
  let next = 0;
  // set when the pass ends (done, failed or abandoned): loads cut short then are not "bad samples"
  let stopped = false;
  const schedule = () => {
    while (pending.length < prefetch && next < order.length) {
      const index = order[next++];
      const loading = load(index).catch((error: unknown) => {
        if (!options.skipBad || stopped) throw error;
        skipped.push({ index, error: error instanceof Error ? error.message : String(error) });
        return null;
      });
      // loads still in flight when the consumer stops or another load fails are never awaited
      loading.catch(() => {});
      pending.push(loading);
    }
  };
  let group: { clip: LoadedClip; index: number }[] = [];
  let position = 0;
  try {
    schedule();
    while (pending.length > 0) {
      const clip = await (pending.shift() as Promise<LoadedClip | null>);
      const index = order[position++];
      schedule();
      if (clip != null) group.push({ clip, index });
      if (group.length === options.batchSize || (pending.length === 0 && group.length > 0 && !options.dropLast)) {
        yield collate(group);
        group = [];
      }
    }
  } finally {
    stopped = true;
  }
}

function collate(group: { clip: LoadedClip; index: number }[]): Batch {
  const shape = group[0].clip.shape;
  const size = group[0].clip.data.length;
  const data = new Float32Array(size * group.length);
  group.forEach(({ clip, index }, i) => {
    if (clip.data.length !== size) throw new VideoIOError('BAD_ARGUMENT', `clip shape [${clip.shape}] differs from the batch's [${shape}]`, { path: `sample ${index}` });
    data.set(clip.data, i * size);
  });
  let flows: Float32Array | undefined;
  const flowSize = group[0].clip.flows?.length;
  if (flowSize != null && group.every((g) => g.clip.flows?.length === flowSize)) {
    flows = new Float32Array(flowSize * group.length);
    for (const [i, { clip }] of group.entries()) flows.set(clip.flows as Float32Array, i * flowSize);
  }
  return { data, shape: [group.length, ...shape], labels: Int32Array.from(group.map((g) => g.clip.label)), indices: Int32Array.from(group.map((g) => g.index)), flows };
}
