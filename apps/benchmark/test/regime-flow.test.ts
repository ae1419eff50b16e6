import * as tf from '@tensorflow/tfjs';
import { createMotionNet } from '@trajectorynet/motionnet';
import { initBackend } from '@trajectorynet/runtime';
import { createSyntheticDataset, renderSyntheticClip, renderSyntheticFlows } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { motionNetInputFrames, regimeFlowQuality } from '../src/suites/regime-flow.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('flow quality of a regime with a stacked MotionNet', () => {
  it('the generator draws a clip once: rendering it longer keeps its first frames and flows (the pairs every method is scored on)', () => {
    const clip = (frames: number) => createSyntheticDataset({ split: 'test', clipsPerClass: 1, frames, width: 64, height: 64, seed: 101, appearance: 'textured' }).samples[3];
    const [short, long] = [clip(4), clip(16)];
    const [a, b] = [renderSyntheticClip(short), renderSyntheticClip(long)];
    for (let f = 0; f < 4; f++) expect(Buffer.from(b.frames[f]).equals(Buffer.from(a.frames[f])), `frame ${f}`).toBe(true);
    const [fa, fb] = [renderSyntheticFlows(short).forward, renderSyntheticFlows(long).forward];
    for (let f = 0; f < 3; f++) expect(fb[f].u).toEqual(fa[f].u);
  });

  it('a stacked MotionNet whose weights are all zero predicts no motion: its error is exactly zero flow\'s, on the same pairs as TV-L1', { timeout: 300_000 }, async () => {
    const stacked = createMotionNet({ frames: 16, height: 64, width: 64, widthMultiplier: 0.0625 });
    for (const w of stacked.weights) w.write(tf.zerosLike(w.read()));
    expect(motionNetInputFrames(stacked)).toBe(16);
    const alone = await regimeFlowQuality('trackable', 1);
    const withStacked = await regimeFlowQuality('trackable', 1, { motionNets: [{ name: 'stacked, zero', model: stacked }] });
    stacked.dispose();
    expect(withStacked.pairs).toBe(alone.pairs);
    expect(withStacked.zero).toBe(alone.zero);
    expect(withStacked.tvl1).toBe(alone.tvl1);
    expect(withStacked.noisyOracle).toEqual(alone.noisyOracle);
    expect(withStacked.motionnets?.['stacked, zero']).toBeCloseTo(alone.zero, 10);
    expect(alone.zero).toBeGreaterThan(1);
  });
});
