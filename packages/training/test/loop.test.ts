/**
 * The training loop on a tiny dense classifier (fast), checking what the loop
 * itself promises: learning, exact resume, gradient accumulation, divergence.
 */
import { mkdtemp } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type TrainConfig } from '../src/config/schema.js';
import type { ClassifierAdapter, HostBatch } from '../src/train/batch.js';
import { LATEST, type RunState, train } from '../src/train/loop.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const SHAPE = [2, 4, 4, 3] as const; // T, H, W, C
const CLASSES = 3;
const CLIPS = 24;
const clipSize = SHAPE.reduce((a, b) => a * b, 1);

/** Class c: a constant offset in channel c plus noise. Deterministic in (seed). */
function dataset(seed: number): { x: Float32Array; y: Int32Array } {
  let s = seed;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float32Array(CLIPS * clipSize);
  const y = new Int32Array(CLIPS);
  for (let i = 0; i < CLIPS; i++) {
    y[i] = i % CLASSES;
    for (let j = 0; j < clipSize; j++) x[i * clipSize + j] = next() - 0.5 + (j % 3 === y[i] ? 0.8 : 0);
  }
  return { x, y };
}

function adapter(seed: number, dropout: number, poison = false): ClassifierAdapter {
  const model = withSeededRandom(seed, () =>
    tf.sequential({
      layers: [
        // explicit names: checkpoints key weights by name, and a resumed run builds the model again
        tf.layers.flatten({ inputShape: [...SHAPE], name: 'flat' }),
        tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }),
        tf.layers.dropout({ rate: dropout, name: 'drop' }),
        tf.layers.dense({ units: CLASSES, name: 'out' }),
      ],
    }),
  );
  return {
    weights: model.weights,
    trainableVariables: () => model.trainableWeights.map((w) => w.read() as tf.Variable),
    forward: (batch, training) => {
      const logits = model.apply(batch.clips, { training }) as tf.Tensor2D;
      return { logits: poison ? tf.mul(logits, Number.NaN) : logits };
    },
    dispose: () => model.dispose(),
  };
}

function config(overrides: Record<string, unknown> = {}): TrainConfig {
  return ConfigSchema.parse({
    train: { epochs: 3, batchSize: 4, seed: 5, checkpointEvery: 2, ...overrides },
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3 },
    schedule: { kind: 'cosine', warmupSteps: 2 },
  });
}

/** Epoch order depends only on (seed, epoch), as the real loader's does. */
function batchesFor(cfg: TrainConfig) {
  const { x, y } = dataset(1);
  const perEpoch = Math.floor(CLIPS / cfg.train.batchSize);
  return {
    perEpoch,
    async *batches(epoch: number, skip: number): AsyncIterable<HostBatch> {
      const order = Array.from({ length: CLIPS }, (_, i) => i).sort((a, b) => ((a * 7 + epoch * 13) % CLIPS) - ((b * 7 + epoch * 13) % CLIPS));
      for (let b = skip; b < perEpoch; b++) {
        const idx = order.slice(b * cfg.train.batchSize, (b + 1) * cfg.train.batchSize);
        const clips = new Float32Array(idx.length * clipSize);
        for (const [k, i] of idx.entries()) clips.set(x.subarray(i * clipSize, (i + 1) * clipSize), k * clipSize);
        yield { clips, clipShape: [idx.length, ...SHAPE], labels: Int32Array.from(idx.map((i) => y[i])), sampleIndex: Int32Array.from(idx) };
      }
    },
  };
}

async function weightsOf(model: ClassifierAdapter): Promise<number[][]> {
  return Promise.all(model.weights.map(async (w) => Array.from(await w.read().data())));
}

async function run(cfg: TrainConfig, outDir: string, extra: { resume?: boolean; maxStepsThisRun?: number; poison?: boolean } = {}) {
  const model = adapter(cfg.train.seed, cfg.model.dropout, extra.poison);
  const data = batchesFor(cfg);
  const state = await train({
    config: cfg,
    labels: ['a', 'b', 'c'],
    model,
    batches: data.batches,
    batchesPerEpoch: data.perEpoch,
    outDir,
    ...extra,
  });
  const weights = await weightsOf(model);
  model.dispose();
  return { state, weights };
}

const tempDir = () => mkdtemp(path.join(tmpdir(), 'tjn-loop-'));

describe('training loop', () => {
  it('learns: the training loss falls and accuracy rises over epochs', async () => {
    const { state } = await run(config({ epochs: 4 }), await tempDir());
    const [first, last] = [state.history[0], state.history[state.history.length - 1]];
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.7);
    expect(last.trainTop1).toBeGreaterThan(0.8);
  });

  it('resumes exactly: stop after 5 steps, resume from the step-4 checkpoint, same weights as an uninterrupted run', async () => {
    const cfg = config();
    const straight = await run(cfg, await tempDir());
    const dir = await tempDir();
    await run(cfg, dir, { maxStepsThisRun: 5 }); // "killed" after step 5; the last checkpoint is step 4
    const saved = await loadCheckpoint<RunState>(path.join(dir, LATEST));
    expect(saved.state.step).toBe(4);
    const resumed = await run(cfg, dir, { resume: true });
    expect(resumed.state.step).toBe(straight.state.step);
    expect(resumed.weights).toEqual(straight.weights); // bit for bit
    expect(resumed.state.history.map((h) => h.trainLoss)).toEqual(straight.state.history.map((h) => h.trainLoss));
    // metrics.jsonl has each step once
    const steps = (await readFile(path.join(dir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'step')
      .map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: straight.state.step }, (_, i) => i + 1));
  });

  it('gradient accumulation: 2 micro-batches of 4 take the same step as one batch of 8 (no BatchNorm, no dropout randomness)', async () => {
    const noDropout = (cfg: TrainConfig) => ({ ...cfg, model: { ...cfg.model, dropout: 0 } });
    const a = config({ epochs: 1, batchSize: 8, accumulate: 1, checkpointEvery: 0 });
    const b = config({ epochs: 1, batchSize: 4, accumulate: 2, checkpointEvery: 0 });
    // the batches of b are the halves of a's batches only if their order agrees: use the same sort
    const ra = await run(noDropout(a), await tempDir());
    const rb = await run(noDropout(b), await tempDir());
    expect(ra.state.step).toBe(rb.state.step);
    // same initial weights (same seed), same samples per step: equal up to float32 rounding of the sums
    const flatA = ra.weights.flat();
    const flatB = rb.weights.flat();
    const maxDiff = Math.max(...flatA.map((v, i) => Math.abs(v - flatB[i])));
    expect(maxDiff).toBeLessThan(1e-5);
    // and it moved: the runs did train
    const initial = adapter(5, 0);
    const start = (await weightsOf(initial)).flat();
    initial.dispose();
    expect(Math.max(...flatA.map((v, i) => Math.abs(v - start[i])))).toBeGreaterThan(1e-2);
  });

  it('stops on a NaN loss with a clear error, keeping the last good checkpoint', async () => {
    const dir = await tempDir();
    await run(config({ epochs: 1 }), dir);
    const error = await run(config({ epochs: 1 }), path.join(dir, 'nan'), { poison: true }).catch((e) => e);
    expect(error.code).toBe('DIVERGED');
    expect(error.message).toMatch(/loss became NaN at epoch 1, step 1/);
    await expect(loadCheckpoint(path.join(dir, LATEST))).resolves.toBeTruthy();
    expect(tf.memory().numTensors).toBeLessThan(100);
  });
});
