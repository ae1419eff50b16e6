/**
 * Which frames make a clip. TSN segment sampling (one frame per equal
 * segment: random when training, the centre when testing) and dense sampling
 * (clipLength frames every `interval`, one random window when training,
 * `numClips` evenly spread windows when testing). Random choices come from
 * the `random` function passed in, so a seeded run is repeatable.
 */
/** A uniform source in [0, 1), e.g. `seededRandom(...)` of @trajectorynet/core. */
export type Random = () => number;

/**
 * One frame per segment: random in training; in testing at `testPosition`
 * (0..1) of each segment, the centre by default. Multi-clip testing uses
 * (i + 0.5) / clips for clip i.
 */
export function segmentIndices(frameCount: number, segments: number, mode: 'train' | 'test', random: Random = Math.random, testPosition = 0.5): number[] {
  const out: number[] = [];
  const length = frameCount / segments;
  for (let s = 0; s < segments; s++) {
    const start = s * length;
    const offset = mode === 'train' ? random() * length : length * testPosition;
    out.push(Math.min(frameCount - 1, Math.floor(start + offset)));
  }
  return out;
}

export interface DenseOptions {
  clipLength: number;
  interval: number;
  mode: 'train' | 'test';
  /** Test mode: which of `numClips` evenly spread windows. */
  clipIndex?: number;
  numClips?: number;
  random?: Random;
}

/** Frames start, start + interval, ...; videos shorter than the window loop around. */
export function denseIndices(frameCount: number, options: DenseOptions): number[] {
  const span = (options.clipLength - 1) * options.interval + 1;
  const room = Math.max(0, frameCount - span);
  let start: number;
  if (options.mode === 'train') start = Math.floor((options.random ?? Math.random)() * (room + 1));
  else {
    const clips = options.numClips ?? 1;
    start = clips === 1 ? Math.floor(room / 2) : Math.round((room * (options.clipIndex ?? 0)) / (clips - 1));
  }
  return Array.from({ length: options.clipLength }, (_, i) => (start + i * options.interval) % frameCount);
}
