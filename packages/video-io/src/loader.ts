/**
 * A prefetching batch loader: the samples of an epoch in a (seeded) order,
 * loaded `prefetch` at a time ahead of the consumer, collated into batches.
 * Decoding runs in ffmpeg child processes and sharp's thread pool, so it
 * overlaps the training step in the main thread.
 */
import { VideoIOError } from './errors.js';
import { seededRandom } from './random.js';

export interface LoadedClip {
  /** [T, H, W, C] floats (or any fixed shape per dataset). */
  data: Float32Array;
  shape: number[];
  label: number;
  /** A second per-sample array (e.g. the clip's optical flows), collated like `data`. */
  extra?: Float32Array;
}

export interface Batch {
  /** [N, ...shape] floats. */
  data: Float32Array;
  shape: number[];
  labels: Int32Array;
  /** Positions of the batch's samples in the dataset. */
  indices: Int32Array;
  /** The samples' `extra` arrays, concatenated (when every sample has one). */
  extra?: Float32Array;
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

export interface Loader extends AsyncIterable<Batch> {
  /** Samples skipped so far (skipBad). */
  readonly skipped: { index: number; error: string }[];
}

export function createLoader(count: number, load: (index: number) => Promise<LoadedClip>, options: LoaderOptions): Loader {
  const order = options.order ?? Array.from({ length: count }, (_, i) => i);
  const prefetch = Math.max(1, options.prefetch ?? 2 * options.batchSize);
  const skipped: { index: number; error: string }[] = [];
  async function* batches(): AsyncGenerator<Batch> {
    const pending: Promise<LoadedClip | null>[] = [];
    let next = 0;
    const schedule = () => {
      while (pending.length < prefetch && next < order.length) {
        const index = order[next++];
        pending.push(
          load(index).catch((error: unknown) => {
            if (!options.skipBad) throw error;
            skipped.push({ index, error: error instanceof Error ? error.message : String(error) });
            return null;
          }),
        );
      }
    };
    let group: { clip: LoadedClip; index: number }[] = [];
    let position = 0;
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
  }
  return { [Symbol.asyncIterator]: batches, skipped };
}

function collate(group: { clip: LoadedClip; index: number }[]): Batch {
  const shape = group[0].clip.shape;
  const size = group[0].clip.data.length;
  const data = new Float32Array(size * group.length);
  group.forEach(({ clip, index }, i) => {
    if (clip.data.length !== size) throw new VideoIOError(`sample ${index}`, 'BAD_ARGUMENT', `clip shape [${clip.shape}] differs from the batch's [${shape}]`);
    data.set(clip.data, i * size);
  });
  let extra: Float32Array | undefined;
  const extraSize = group[0].clip.extra?.length;
  if (extraSize != null && group.every((g) => g.clip.extra?.length === extraSize)) {
    extra = new Float32Array(extraSize * group.length);
    for (const [i, { clip }] of group.entries()) extra.set(clip.extra as Float32Array, i * extraSize);
  }
  return { data, shape: [group.length, ...shape], labels: Int32Array.from(group.map((g) => g.clip.label)), indices: Int32Array.from(group.map((g) => g.index)), extra };
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher-Yates), e.g. an epoch's order from (seed, epoch). */
export function shuffledOrder(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
