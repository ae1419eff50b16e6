import { endPointError, tvl1 } from '@trajectorynet/tvl1-flow';
import { createSyntheticDataset, renderSyntheticClip, renderSyntheticFlows, type SyntheticOptions } from '@trajectorynet/video-io';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { regimeOverrides, SYNTHETIC_REGIMES } from '../src/config/regimes.js';
import { loadDataset } from '../src/data/datasets.js';
import { flowCacheDir } from '../src/data/flows.js';
import { TrainingError } from '../src/errors.js';

const tiny = (overrides: string[] = []) => resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: ['model.trajectorySource=tvl1', ...overrides] });

describe('synthetic regimes', () => {
  it('defaults are the hard regime: the motion and look the study always had', async () => {
    const { data } = await tiny();
    expect(data.syntheticSpeed).toEqual([6, 10]);
    expect(data.syntheticTurn).toEqual([25, 35]);
    expect(data.syntheticAppearance).toBe('stripes');
    expect(data.renderScale).toBe(1);
    expect(regimeOverrides('hard')).toEqual([]);
  });

  it("the trackable regime's overrides resolve and reach the generated samples", async () => {
    const config = await tiny(regimeOverrides('trackable'));
    expect(config.data.syntheticSpeed).toEqual([3, 5]);
    const dataset = await loadDataset(config.data, 'val', 3);
    const sample = dataset.samples[0];
    if (sample.kind !== 'synthetic') throw new Error('expected a synthetic sample');
    expect(sample.synthetic.motion).toEqual({ speed: [3, 5], turn: [10, 15] });
    expect(sample.synthetic.appearance).toBe('textured');
    expect(SYNTHETIC_REGIMES.trackable.denseInterval).toBe(2);
  });

  it('renders at size x renderScale', async () => {
    const config = await tiny(['data.renderScale=2']);
    const sample = (await loadDataset(config.data, 'train', 1)).samples[0];
    if (sample.kind !== 'synthetic') throw new Error('expected a synthetic sample');
    expect([sample.synthetic.width, sample.synthetic.height]).toEqual([128, 128]);
  });

  it('gives every dataset seed and every regime its own TV-L1 cache folder', async () => {
    // synthetic clips of all seeds share their ids (train/00000 ...): a folder keyed without the seed
    // handed seed 2's TV-L1 model the flows of seed 1's clips
    const folders = new Set([flowCacheDir('/c', await tiny())]);
    for (const set of ['train.seed=2', 'data.syntheticSpeed=[3, 5]', 'data.syntheticTurn=[10, 15]', 'data.syntheticAppearance=textured', 'data.renderScale=2']) {
      folders.add(flowCacheDir('/c', await tiny([set])));
    }
    expect(folders.size).toBe(6);
    // and the same config finds its folder again
    expect(folders.has(flowCacheDir('/c', await tiny()))).toBe(true);
  });

  it('refuses reversed ranges and scales out of bounds, naming the key', async () => {
    await expect(tiny(['data.syntheticSpeed=[5, 3]'])).rejects.toThrow(/data\.syntheticSpeed.*low \(5\) is above high \(3\)/);
    await expect(tiny(['data.renderScale=0'])).rejects.toBeInstanceOf(TrainingError);
    await expect(tiny(['data.syntheticAppearance=plaid'])).rejects.toThrow(/syntheticAppearance/);
    // only the oracle's motion can be degraded on purpose
    await expect(tiny(['model.trajectoryNoise=2'])).rejects.toThrow(/model\.trajectoryNoise/);
    await expect(tiny(['model.trajectorySource=groundtruth', 'model.trajectoryNoise=2'])).resolves.toBeTruthy();
  });

  /** TV-L1's and zero flow's end-point errors over the moving pixels, summed over the first pair of 16 clips (seed 202: no setting was chosen on it). */
  function flowErrors(options: Partial<SyntheticOptions>): { tvl1: number; zero: number } {
    const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass: 2, frames: 2, width: 64, height: 64, seed: 202, ...options });
    let [computed, zero] = [0, 0];
    for (const sample of samples) {
      const clip = renderSyntheticClip(sample);
      const truth = renderSyntheticFlows(sample).forward[0];
      // the still background is marked unknown: zero flow is right there by construction
      const moving = { ...truth, u: truth.u.map((u, p) => (u === 0 && truth.v[p] === 0 ? 2e9 : u)) };
      const frame = (data: Uint8Array) => ({ data, width: 64, height: 64, channels: 3 as const });
      computed += endPointError(tvl1(frame(clip.frames[0]), frame(clip.frames[1])), moving);
      zero += endPointError({ width: 64, height: 64, u: new Float32Array(64 * 64), v: new Float32Array(64 * 64) }, moving);
    }
    return { tvl1: computed, zero };
  }

  it("TV-L1 follows the trackable regime's object and not the hard one's", () => {
    const { data } = SYNTHETIC_REGIMES.trackable;
    const trackable = flowErrors({ motion: { speed: data.syntheticSpeed, turn: data.syntheticTurn }, appearance: data.syntheticAppearance });
    const hard = flowErrors({});
    // measured on other seeds (split test seed 101, val seed 11), default TV-L1 with minSize 8 and ignoreOutside:
    // trackable 0.21-0.23x zero flow's error, hard 0.54-0.57x (before those settings: 0.25-0.28x and 0.75-0.80x)
    expect(trackable.tvl1).toBeLessThan(0.4 * trackable.zero);
    expect(hard.tvl1 / hard.zero).toBeGreaterThan(1.5 * (trackable.tvl1 / trackable.zero));
    expect(hard.tvl1).toBeGreaterThan(0.45 * hard.zero);
  });
});
