/**
 * Sharded validation in real processes on 127.0.0.1: ranks score their shards
 * of the validation set and reduce, and every rank reports what one process
 * scoring the whole set reports (top-1, top-5, loss, confusion, each video's
 * probabilities), also when the set's size is not a multiple of the ranks;
 * every video is counted once.
 */
import { describe, expect, it } from 'vitest';
import { distributedAvailability } from '@trajectorynet/distributed';
import { evalShard } from '../src/eval/evaluate.js';
import { runRanks } from './ranks-harness.js';

const availability = distributedAvailability();
if (!availability.ok) console.warn(`[training] sharded evaluation tests skipped: ${availability.reason}`);
const FIXTURE = 'fixtures/sharded-eval-rank.mjs';

interface Scored {
  top1: number;
  top5: number;
  meanClassAccuracy: number;
  loss: number;
  clips: number;
  views: number;
  confusion: number[][];
  videos: { i: number; label: number; p: number[] }[];
}

describe('evalShard', () => {
  it('gives each sample to exactly one rank, sample i to rank i mod ranks', () => {
    const samples = Array.from({ length: 11 }, (_, i) => i);
    const shards = [0, 1, 2].map((rank) => evalShard(samples, rank, 3));
    expect(shards).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7, 10],
      [2, 5, 8],
    ]);
  });
});

describe.skipIf(!availability.ok)('sharded validation', { timeout: 240_000 }, () => {
  it.each([
    [7, 2],
    [8, 3],
  ])('%i videos over %i ranks: every rank reports the single-process metrics over the whole set', async (videos, world) => {
    const [single] = await runRanks(FIXTURE, [String(videos)], 0);
    expect(single.stderr).toBe('');
    expect(single.code).toBe(0);
    const expected = JSON.parse(single.stdout) as Scored;
    expect(expected.clips).toBe(videos);
    expect(expected.views).toBe(2 * videos);
    const ranks = await runRanks(FIXTURE, [String(videos)], world);
    for (const r of ranks) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const actual = JSON.parse(r.stdout) as Scored;
      // each video once: as many videos and views as the set has, in order, with their own labels
      expect(actual.clips).toBe(videos);
      expect(actual.views).toBe(2 * videos);
      expect(actual.videos.map((v) => [v.i, v.label])).toEqual(expected.videos.map((v) => [v.i, v.label]));
      expect(actual.confusion).toEqual(expected.confusion);
      expect(actual.top1).toBe(expected.top1);
      expect(actual.top5).toBe(expected.top5);
      expect(actual.meanClassAccuracy).toBe(expected.meanClassAccuracy);
      expect(Math.abs(actual.loss - expected.loss)).toBeLessThan(1e-5 * Math.max(1, expected.loss));
      let largest = 0;
      actual.videos.forEach((v, k) => {
        v.p.forEach((p, c) => {
          largest = Math.max(largest, Math.abs(p - expected.videos[k].p[c]));
        });
      });
      expect(largest).toBeLessThan(1e-6);
    }
    // the model tells the videos apart: not a comparison of constant scores
    const first = expected.videos[0].p;
    expect(expected.videos.some((v) => v.p.some((p, c) => Math.abs(p - first[c]) > 1e-4))).toBe(true);
  });
});
