import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrajectoryNet, loadModel, PRESET_STAGES, saveModel } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('save and load', () => {
  it('round-trips TrajectoryNet with motion (custom layers) bit-exactly, same outputs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-io-'));
    const model = createTrajectoryNet({ depth: 18, numClasses: 6, frames: 4, size: 32, width: 1 / 16, stages: PRESET_STAGES.trajectorynet, withMotion: true });
    await saveModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModel(dir);
    const [a, b] = [model.getWeights(), loaded.getWeights()];
    expect(b.length).toBe(a.length);
    for (const [i, w] of a.entries()) expect(Buffer.from((await b[i].data()).buffer).equals(Buffer.from((await w.data()).buffer))).toBe(true);
    const inputs = [tf.randomNormal([1, 4, 32, 32, 3]), tf.randomUniform([1, 4, 32, 32, 3, 2], -2, 2)];
    const [ya, yb] = [model.predict(inputs) as tf.Tensor, loaded.predict(inputs) as tf.Tensor];
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
  });

  it('a truncated weights file is named', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-io-'));
    await saveModel(createTrajectoryNet({ depth: 18, numClasses: 2, frames: 2, size: 32, width: 1 / 16, stages: PRESET_STAGES.c2d }), dir);
    await writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(10));
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin: 10 bytes, the manifest needs/);
  });
});
