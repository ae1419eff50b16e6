import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { assignMatchingWeights, loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import { CheckpointError } from '../src/errors.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

async function sample(dir: string) {
  const file = path.join(dir, 'run.ckpt');
  const weights = [
    { name: 'conv/kernel', tensor: tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 7) },
    { name: 'dense/bias', tensor: tf.tensor1d([1.5, -2, 3e-8]) },
  ];
  const optimizer = [{ name: 'iter', tensor: tf.scalar(12, 'int32') }];
  await saveCheckpoint(file, { state: { step: 12, labels: ['x', 'y'] }, weights, optimizer });
  return { file, weights, optimizer };
}

describe('checkpoints', () => {
  it('round-trip bit-exactly, leaving no temporary file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-ckpt-'));
    const { file, weights, optimizer } = await sample(dir);
    const loaded = await loadCheckpoint<{ step: number; labels: string[] }>(file);
    expect(loaded.state).toEqual({ step: 12, labels: ['x', 'y'] });
    expect(loaded.weights.map((w) => w.name)).toEqual(['conv/kernel', 'dense/bias']);
    for (const [i, w] of weights.entries()) {
      expect(loaded.weights[i].tensor.shape).toEqual(w.tensor.shape);
      expect(Array.from(await loaded.weights[i].tensor.data())).toEqual(Array.from(await w.tensor.data()));
    }
    expect(loaded.optimizer[0].tensor.dtype).toBe('int32');
    expect(await loaded.optimizer[0].tensor.data()).toEqual(await optimizer[0].tensor.data());
    expect(await readdir(dir)).toEqual(['run.ckpt']);
  });

  it('detects a flipped byte and a truncated file, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-ckpt-'));
    const { file } = await sample(dir);
    const bytes = await readFile(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5] ^= 0x10;
    await writeFile(file, flipped);
    const e1 = await loadCheckpoint(file).catch((e) => e);
    expect(e1).toBeInstanceOf(CheckpointError);
    expect(e1.path).toBe(file);
    expect(e1.message).toContain(file);
    expect(e1.message).toMatch(/checksum mismatch/);

    await writeFile(file, bytes.subarray(0, bytes.length - 20));
    await expect(loadCheckpoint(file)).rejects.toThrow(/damaged or truncated/);
    await writeFile(file, bytes.subarray(0, 30));
    await expect(loadCheckpoint(file)).rejects.toThrow(/damaged or truncated/);
    await writeFile(file, 'hello');
    await expect(loadCheckpoint(file)).rejects.toThrow(/bad magic/);
    await expect(loadCheckpoint(path.join(dir, 'missing.ckpt'))).rejects.toThrow(/ENOENT/);
  });

  it('a save that fills the disk fails with DISK_FULL and leaves the previous checkpoint loadable', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-ckpt-'));
    const { file } = await sample(dir);
    const before = await readFile(file);
    process.env.TRAJECTORYNET_FAIL_WRITE = 'run.ckpt=ENOSPC@4096';
    try {
      const error = await saveCheckpoint(file, { state: { step: 13 }, weights: [{ name: 'w', tensor: tf.zeros([1000]) }], optimizer: [] }).catch((e) => e);
      expect(error.code).toBe('DISK_FULL');
      expect(error.path).toBe(dir);
    } finally {
      delete process.env.TRAJECTORYNET_FAIL_WRITE;
    }
    expect((await readFile(file)).equals(before)).toBe(true);
    expect((await loadCheckpoint<{ step: number }>(file)).state.step).toBe(12);
    expect(await readdir(dir)).toEqual(['run.ckpt']);
  });

  it('assignMatchingWeights copies what matches by name and shape and reports the rest', async () => {
    const make = (classes: number) =>
      tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'features' }), tf.layers.dense({ units: classes, name: 'head' })] });
    const source = make(5);
    const target = make(7);
    const saved = source.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
    const { loaded, skipped } = assignMatchingWeights(target.weights, saved);
    expect(loaded).toEqual(['features/kernel', 'features/bias']);
    expect(skipped.map((s) => s.name)).toEqual(['head/kernel', 'head/bias']);
    expect(skipped[0].reason).toBe('shape [4,5] there, [4,7] here');
    expect(Array.from(await target.weights[0].read().data())).toEqual(Array.from(await source.weights[0].read().data()));
    source.dispose();
    target.dispose();
  });
});
