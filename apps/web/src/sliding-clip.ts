/**
 * The live camera's sliding clip, as plain data (no DOM, tested in Node): the
 * last `window` captured frames, numbered in capture order, and the flows of
 * their consecutive pairs, kept while both frames are in the window so that
 * the next clip reuses them instead of solving TV-L1 again.
 *
 * A live clip is the model's test pipeline applied to the window as if it
 * were a whole video of `window` frames, with one clip (`numClips` 1): dense
 * sampling (T frames `interval` apart) takes window frames 0, interval, ...,
 * (T - 1) * interval, i.e. the newest frame and the ones `interval`,
 * 2 * interval, ... captures before it.
 */
import type { ClipPipeline, SamplingSpec } from '@trajectorynet/video-io';

/** Segment (TSN) sampling has no interval: its live window gives each of the T segments this many captured frames. */
export const SEGMENT_FRAMES = 4;

/** How many consecutive captured frames a live clip spans: dense, (T - 1) * interval + 1; segments, T * SEGMENT_FRAMES. */
export function liveWindow(sampling: SamplingSpec): number {
  return sampling.kind === 'dense' ? (sampling.clipLength - 1) * sampling.interval + 1 : sampling.segments * SEGMENT_FRAMES;
}

/** The model's test pipeline with a single clip (several clips of one short window would be the same frames). */
export function livePipeline(pipeline: ClipPipeline): ClipPipeline {
  return { ...pipeline, sampling: { ...pipeline.sampling, numClips: 1 } };
}

/** The window at one moment: `frames[i]` is capture number `start + i`. */
export interface ClipWindow<Frame> {
  start: number;
  frames: readonly Frame[];
}

export class SlidingClip<Frame, Flow> {
  private frames: Frame[] = [];
  /** Capture number of frames[0]. */
  private first = 0;
  /** Flows of pair s (captures s -> s + 1), while capture s is in the window. */
  private flows = new Map<number, Flow>();

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`a sliding clip needs a window of at least one frame, got ${window}`);
  }

  /** Frames captured so far (including evicted ones). */
  get captured(): number {
    return this.first + this.frames.length;
  }

  /** True once the window is full. */
  get ready(): boolean {
    return this.frames.length === this.window;
  }

  /** Capture number of the oldest frame kept. */
  get start(): number {
    return this.first;
  }

  /** The newest frame kept (undefined when empty). */
  get newest(): Frame | undefined {
    return this.frames.at(-1);
  }

  /** How many pair flows are kept. */
  get flowCount(): number {
    return this.flows.size;
  }

  /** Adds the newest frame; returns its capture number. The oldest frame (and its pair's flow) leaves a full window. */
  push(frame: Frame): number {
    this.frames.push(frame);
    while (this.frames.length > this.window) {
      this.frames.shift();
      this.flows.delete(this.first);
      this.first++;
    }
    return this.captured - 1;
  }

  /** The current window (a copy: later pushes do not change it), or null while it is not full. */
  snapshot(): ClipWindow<Frame> | null {
    return this.ready ? { start: this.first, frames: [...this.frames] } : null;
  }

  /** The flow of pair `capture` -> `capture + 1`, if kept. */
  flow(capture: number): Flow | undefined {
    return this.flows.get(capture);
  }

  /** Keeps the flow of pair `capture` -> `capture + 1` when both frames are still in the window; returns whether it was kept. */
  setFlow(capture: number, flow: Flow): boolean {
    if (capture < this.first || capture + 1 >= this.captured) return false;
    this.flows.set(capture, flow);
    return true;
  }

  /** Forgets every frame and flow (numbering goes on). */
  clear(): void {
    this.first = this.captured;
    this.frames = [];
    this.flows.clear();
  }
}
