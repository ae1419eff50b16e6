/**
 * The live camera's sliding clip (src/sliding-clip.ts) in Node: window length, which captures a
 * clip takes, frame order, eviction of frames and of their pairs' flows. Expected values are
 * worked out by hand in the comments.
 */
import { type ClipPipeline, clipPairs, testClipIndices } from '@trajectorynet/video-io';
import { describe, expect, it } from 'vitest';
import { livePipeline, liveWindow, SEGMENT_FRAMES, SlidingClip } from '../src/sliding-clip.js';

const dense = (clipLength: number, interval: number, numClips = 1): ClipPipeline => ({ sampling: { kind: 'dense', clipLength, interval, numClips }, mode: 'test', crop: 'centre', size: [32, 32], flip: false });

describe('live window', () => {
  it('spans (T - 1) * interval + 1 captures for dense sampling, T * SEGMENT_FRAMES for segments', () => {
    expect(liveWindow({ kind: 'dense', clipLength: 4, interval: 2 })).toBe(7); // 3 * 2 + 1
    expect(liveWindow({ kind: 'dense', clipLength: 8, interval: 1 })).toBe(8);
    expect(liveWindow({ kind: 'dense', clipLength: 1, interval: 5 })).toBe(1);
    expect(SEGMENT_FRAMES).toBe(4);
    expect(liveWindow({ kind: 'segments', segments: 3 })).toBe(12);
  });

  it('takes window frames 0, interval, ... (the newest last) with one clip, and chains through every pair', () => {
    // 4 frames 2 apart, 10 test clips in the model: live keeps one clip over the 7-frame window
    const pipeline = livePipeline(dense(4, 2, 10));
    expect(pipeline.sampling.numClips).toBe(1);
    const window = liveWindow(pipeline.sampling);
    expect(testClipIndices(pipeline, window)).toEqual([[0, 2, 4, 6]]);
    expect(clipPairs(testClipIndices(pipeline, window))).toEqual([0, 1, 2, 3, 4, 5]);
    // segments: 3 segments of 4 frames in a 12-frame window, the centre of each (4 * 0.5 = 2): 2, 6, 10
    const segments: ClipPipeline = { ...dense(3, 1), sampling: { kind: 'segments', segments: 3, numClips: 5 } };
    expect(testClipIndices(livePipeline(segments), liveWindow(segments.sampling))).toEqual([[2, 6, 10]]);
  });
});

describe('SlidingClip', () => {
  it('fills, then keeps the newest `window` frames in capture order', () => {
    const clip = new SlidingClip<string, never>(3);
    expect(clip.snapshot()).toBeNull();
    expect(clip.newest).toBeUndefined();
    expect(clip.push('a')).toBe(0);
    expect(clip.push('b')).toBe(1);
    expect(clip.newest).toBe('b');
    expect(clip.ready).toBe(false);
    expect(clip.snapshot()).toBeNull();
    expect(clip.push('c')).toBe(2);
    expect(clip.ready).toBe(true);
    expect(clip.snapshot()).toEqual({ start: 0, frames: ['a', 'b', 'c'] });
    expect(clip.push('d')).toBe(3); // 'a' leaves
    expect(clip.snapshot()).toEqual({ start: 1, frames: ['b', 'c', 'd'] });
    expect(clip.push('e')).toBe(4);
    expect(clip.push('f')).toBe(5);
    expect(clip.snapshot()).toEqual({ start: 3, frames: ['d', 'e', 'f'] });
    expect(clip.newest).toBe('f');
    expect(clip.captured).toBe(6);
    expect(clip.start).toBe(3);
  });

  it('maps a clip of the window to capture numbers: after 12 captures, a 7-frame window takes captures 5, 7, 9, 11', () => {
    const pipeline = dense(4, 2);
    const clip = new SlidingClip<number, never>(liveWindow(pipeline.sampling));
    for (let capture = 0; capture < 12; capture++) clip.push(capture * 10); // frame value = 10 x its capture number
    const window = clip.snapshot();
    expect(window?.start).toBe(5); // 12 - 7
    const [indices] = testClipIndices(pipeline, clip.window);
    expect(indices.map((i) => (window?.start ?? 0) + i)).toEqual([5, 7, 9, 11]);
    expect(indices.map((i) => window?.frames[i])).toEqual([50, 70, 90, 110]);
  });

  it('a snapshot does not change with later pushes', () => {
    const clip = new SlidingClip<number, never>(2);
    clip.push(1);
    clip.push(2);
    const before = clip.snapshot();
    clip.push(3);
    expect(before).toEqual({ start: 0, frames: [1, 2] });
    expect(clip.snapshot()).toEqual({ start: 1, frames: [2, 3] });
  });

  it('keeps a pair flow while both its frames are in the window, and evicts it with its first frame', () => {
    const clip = new SlidingClip<number, string>(3);
    for (let c = 0; c < 3; c++) clip.push(c); // captures 0, 1, 2
    expect(clip.setFlow(0, 'f0')).toBe(true);
    expect(clip.setFlow(1, 'f1')).toBe(true);
    expect(clip.setFlow(2, 'f2')).toBe(false); // capture 3 not there yet
    expect(clip.setFlow(-1, 'x')).toBe(false);
    expect(clip.flowCount).toBe(2);
    clip.push(3); // capture 0 leaves: pair 0 -> 1 goes
    expect(clip.flow(0)).toBeUndefined();
    expect(clip.flow(1)).toBe('f1');
    expect(clip.setFlow(0, 'late')).toBe(false); // a pair solved after its first frame left is not kept
    expect(clip.setFlow(2, 'f2')).toBe(true);
    clip.push(4); // capture 1 leaves
    expect([clip.flow(1), clip.flow(2)]).toEqual([undefined, 'f2']);
    expect(clip.flowCount).toBe(1);
  });

  it('clear forgets frames and flows; numbering goes on', () => {
    const clip = new SlidingClip<number, string>(2);
    clip.push(0);
    clip.push(1);
    clip.setFlow(0, 'f');
    clip.clear();
    expect([clip.ready, clip.flowCount, clip.captured, clip.start, clip.newest]).toEqual([false, 0, 2, 2, undefined]);
    expect(clip.push(7)).toBe(2);
    expect(clip.push(8)).toBe(3);
    expect(clip.snapshot()).toEqual({ start: 2, frames: [7, 8] });
  });

  it('refuses a window below one frame', () => {
    expect(() => new SlidingClip(0)).toThrow(RangeError);
    expect(() => new SlidingClip(2.5)).toThrow(RangeError);
  });
});
