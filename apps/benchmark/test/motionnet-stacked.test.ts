import * as tf from '@tensorflow/tfjs';
import { createMotionNet } from '@trajectorynet/motionnet';
import { initBackend } from '@trajectorynet/runtime';
import { endPointError } from '@trajectorynet/tvl1-flow';
import { proceduralValidationSet } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureStacked } from '../src/suites/motionnet.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('a stacked MotionNet on procedural validation sequences', () => {
  it('scores every consecutive pair of each sequence; all-zero weights give exactly zero flow\'s error', { timeout: 300_000 }, async () => {
    const sequences = proceduralValidationSet({ width: 64, height: 64, frames: 5 }, 2);
    const model = createMotionNet({ frames: 5, height: 64, width: 64, widthMultiplier: 0.0625 });
    for (const w of model.weights) w.write(tf.zerosLike(w.read()));
    const before = tf.memory().numTensors;
    const results = await measureStacked(model, sequences, () => {});
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(results).toHaveLength(2 * 4);
    for (const [k, r] of results.entries()) {
      const truth = sequences[Math.floor(k / 4)].flows[k % 4];
      const zero = endPointError({ width: 64, height: 64, u: new Float32Array(64 * 64), v: new Float32Array(64 * 64) }, truth);
      expect(r.zero).toBe(zero);
      expect(r.motionnet).toBe(zero);
      expect(Number.isFinite(r.tvl1)).toBe(true);
    }
    expect(results.some((r) => r.zero > 0.5)).toBe(true);
  });
});
