/**
 * The training loop on a tiny dense classifier (fast), checking what the loop
 * itself promises: learning, exact resume, gradient accumulation, a NaN that
 * never reaches a checkpoint, run folders that survive kills and full disks.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LoopSettings, type Objective, type RunState, trainLoop } from '../src/loop/loop.js';
import { OptimizerSchema } from '../src/loop/optimizer.js';
import { BEST, LATEST, parseMetrics } from '../src/loop/run-files.js';
import { ScheduleSchema } from '../src/loop/schedule.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));
afterEach(() => {
  delete process.env.TRAJECTORYNET_FAIL_WRITE;
});

const FEATURES = 12;
const CLASSES = 3;
const CLIPS = 24;

/** Class c: a constant offset in features c, c+3, ... plus noise. */
function dataset(seed: number): { x: Float32Array; y: Int32Array } {
  let s = seed;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float32Array(CLIPS * FEATURES);
  const y = new Int32Array(CLIPS);
  for (let i = 0; i < CLIPS; i++) {
    y[i] = i % CLASSES;
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = next() - 0.5 + (j % 3 === y[i] ? 0.8 : 0);
  }
  return { x, y };
}

interface Batch {
  x: Float32Array;
  y: Int32Array;
}

function network(seed: number, dropout: number): tf.LayersModel {
  return withSeededRandom(seed, () =>
    tf.sequential({
      layers: [
        // explicit names: checkpoints key weights by name, and a resumed run builds the model again
        tf.layers.dense({ units: 8, activation: 'relu', inputShape: [FEATURES], name: 'hidden' }),
        tf.layers.dropout({ rate: dropout, name: 'drop' }),
        tf.layers.dense({ units: CLASSES, name: 'out' }),
      ],
    }),
  );
}

/** Cross-entropy; `poisonFrom`: the loss is NaN from that optimiser step on (counted in calls). */
function objective(model: tf.LayersModel, poisonFrom = Number.POSITIVE_INFINITY, accumulate = 1): Objective<Batch> {
  let calls = 0;
  return {
    compute(batch, training) {
      calls += 1;
      const logits = model.apply(tf.tensor2d(batch.x, [batch.y.length, FEATURES]), { training }) as tf.Tensor2D;
      const labels = tf.tensor1d(batch.y, 'int32');
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, CLASSES), logits) as tf.Scalar;
      const top1 = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
      const poisoned = Math.ceil(calls / accumulate) >= poisonFrom;
      return { loss: poisoned ? (tf.mul(loss, Number.NaN) as tf.Scalar) : loss, sums: { top1 } };
    },
    count: (batch) => batch.y.length,
  };
}

function settings(overrides: Partial<LoopSettings> = {}, batchSize = 4): LoopSettings & { batchSize: number } {
  return {
    epochs: 3,
    batchesPerEpoch: Math.floor(CLIPS / batchSize),
    accumulate: 1,
    seed: 5,
    optimizer: OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3 }),
    schedule: ScheduleSchema.parse({ kind: 'cosine', warmupSteps: 2 }),
    checkpointEvery: 2,
    validateEvery: 1,
    logEvery: 1,
    batchSize,
    ...overrides,
  };
}

/** Epoch order depends only on (epoch), as the real loader's does. */
function batchesFor(batchSize: number) {
  const { x, y } = dataset(1);
  return async function* (epoch: number, skip: number): AsyncIterable<Batch> {
    const order = Array.from({ length: CLIPS }, (_, i) => i).sort((a, b) => ((a * 7 + epoch * 13) % CLIPS) - ((b * 7 + epoch * 13) % CLIPS));
    for (let b = skip; b < Math.floor(CLIPS / batchSize); b++) {
      const idx = order.slice(b * batchSize, (b + 1) * batchSize);
      const bx = new Float32Array(idx.length * FEATURES);
      for (const [k, i] of idx.entries()) bx.set(x.subarray(i * FEATURES, (i + 1) * FEATURES), k * FEATURES);
      yield { x: bx, y: Int32Array.from(idx.map((i) => y[i])) };
    }
  };
}

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.weights.map(async (w) => Array.from(await w.read().data())));
}

interface RunExtra {
  resume?: boolean;
  overwrite?: boolean;
  maxStepsThisRun?: number;
  poisonFrom?: number;
  dropout?: number;
}

async function run(s: ReturnType<typeof settings>, outDir: string, extra: RunExtra = {}) {
  const model = network(s.seed, extra.dropout ?? 0.2);
  try {
    const state = await trainLoop<Batch, { name: string }>({
      settings: s,
      model: { weights: model.weights, trainableVariables: () => model.trainableWeights.map((w) => w.read() as tf.Variable) },
      objective: objective(model, extra.poisonFrom, s.accumulate),
      batches: batchesFor(s.batchSize),
      validate: async () => {
        // minus the mean cross-entropy on the data: depends only on the weights, as a real validation
        const { x, y } = dataset(1);
        const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES), model.predict(tf.tensor2d(x, [CLIPS, FEATURES])) as tf.Tensor2D));
        const score = -(await loss.data())[0];
        loss.dispose();
        return { score, metrics: { loss: -score } };
      },
      meta: { name: 'test' },
      outDir,
      resume: extra.resume,
      overwrite: extra.overwrite,
      maxStepsThisRun: extra.maxStepsThisRun,
    });
    return { state, weights: await weightsOf(model) };
  } finally {
    model.dispose();
  }
}

const tempDir = () => mkdtemp(path.join(tmpdir(), 'tjn-loop-'));
const metricsOf = async (dir: string) => parseMetrics(await readFile(path.join(dir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl');

describe('training loop', () => {
  it('learns: the training loss falls and accuracy rises over epochs', async () => {
    const { state } = await run(settings({ epochs: 4 }), await tempDir());
    const [first, last] = [state.history[0], state.history[state.history.length - 1]];
    expect(last.train.loss).toBeLessThan(first.train.loss * 0.7);
    expect(last.train.top1).toBeGreaterThan(0.8);
  });

  it('resumes exactly: stop after 5 steps, resume from the step-4 checkpoint, same weights as an uninterrupted run', async () => {
    const s = settings();
    const straight = await run(s, await tempDir());
    const dir = await tempDir();
    await run(s, dir, { maxStepsThisRun: 5 }); // "killed" after step 5; the last checkpoint is step 4
    const saved = await loadCheckpoint<RunState<unknown>>(path.join(dir, LATEST));
    expect(saved.state.step).toBe(4);
    const resumed = await run(s, dir, { resume: true });
    expect(resumed.state.step).toBe(straight.state.step);
    expect(resumed.weights).toEqual(straight.weights); // bit for bit
    expect(resumed.state.history.map((h) => h.train.loss)).toEqual(straight.state.history.map((h) => h.train.loss));
    // metrics.jsonl has each step once
    const steps = (await metricsOf(dir)).filter((r) => r.kind === 'step').map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: straight.state.step }, (_, i) => i + 1));
  });

  it('gradient accumulation: 2 micro-batches of 4 take the same step as one batch of 8 (no dropout)', async () => {
    const a = settings({ epochs: 1, accumulate: 1, checkpointEvery: 0 }, 8);
    const b = { ...settings({ epochs: 1, accumulate: 2, checkpointEvery: 0 }, 4) };
    const ra = await run(a, await tempDir(), { dropout: 0 });
    const rb = await run(b, await tempDir(), { dropout: 0 });
    expect(ra.state.step).toBe(rb.state.step);
    const flatA = ra.weights.flat();
    const flatB = rb.weights.flat();
    expect(Math.max(...flatA.map((v, i) => Math.abs(v - flatB[i])))).toBeLessThan(1e-5);
    const initial = network(5, 0);
    const start = (await weightsOf(initial)).flat();
    initial.dispose();
    expect(Math.max(...flatA.map((v, i) => Math.abs(v - start[i])))).toBeGreaterThan(1e-2);
  });

  it('a NaN from step k stops the run, and latest.ckpt still holds step k-1 byte for byte', async () => {
    const dir = await tempDir();
    const s = settings({ epochs: 2, checkpointEvery: 1 });
    await run(s, dir, { maxStepsThisRun: 4 });
    const before = await readFile(path.join(dir, LATEST));
    expect((await loadCheckpoint<RunState<unknown>>(path.join(dir, LATEST))).state.step).toBe(4);
    const error = await run(s, dir, { resume: true, poisonFrom: 1 }).catch((e) => e);
    expect(error.code).toBe('DIVERGED');
    expect(error.message).toMatch(/loss became NaN at epoch 1, step 5/);
    expect((await readFile(path.join(dir, LATEST))).equals(before)).toBe(true);
    expect(tf.memory().numTensors).toBeLessThan(100);
  });

  it('values stay on the device between log points: with logEvery 3 the loss is read every third step', async () => {
    const dir = await tempDir();
    await run(settings({ epochs: 1, logEvery: 3, checkpointEvery: 0 }), dir);
    const steps = (await metricsOf(dir)).filter((r) => r.kind === 'step');
    // 6 steps: log points at 3 and 6 (and the epoch end, which adds nothing new)
    expect(steps.map((r) => r.step)).toEqual([3, 6]);
  });

  it('refuses to start over a run unless resuming or overwriting; resuming a folder without a checkpoint starts afresh', async () => {
    const dir = await tempDir();
    await run(settings({ epochs: 1 }), dir);
    const error = await run(settings({ epochs: 1 }), dir).catch((e) => e);
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/already holds a run/);
    await expect(run(settings({ epochs: 1 }), dir, { overwrite: true })).resolves.toBeTruthy();
    const empty = await tempDir();
    expect((await run(settings({ epochs: 1 }), empty, { resume: true })).state.epoch).toBe(1);
  });

  it('a torn last line of metrics.jsonl (a kill mid-append) is dropped on resume', async () => {
    const dir = await tempDir();
    const s = settings({ epochs: 2 });
    await run(s, dir, { maxStepsThisRun: 3 });
    await appendFile(path.join(dir, 'metrics.jsonl'), '{"kind":"step","epoch":1,"ste');
    const resumed = await run(s, dir, { resume: true });
    expect(resumed.state.epoch).toBe(2);
    const records = await metricsOf(dir);
    expect(records.filter((r) => r.kind === 'epoch').map((r) => r.epoch)).toEqual([1, 2]);
  });

  it('a kill between the epoch line and the checkpoint leaves no duplicate epoch record', async () => {
    const dir = await tempDir();
    // checkpoints at every step: the epoch's last step is checkpointed before its epoch line
    const s = settings({ epochs: 2, checkpointEvery: 1 });
    await run(s, dir, { maxStepsThisRun: 6 }); // killed after the last step of epoch 1, before the epoch end
    await appendFile(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ kind: 'epoch', epoch: 1, step: 6, train: { loss: 1 }, seconds: 1 })}\n`);
    await run(s, dir, { resume: true });
    const epochs = (await metricsOf(dir)).filter((r) => r.kind === 'epoch').map((r) => r.epoch);
    expect(epochs).toEqual([1, 2]);
  });

  it('a best.ckpt write that fails (disk full) stops the run; the resumed run writes best.ckpt and finishes', async () => {
    const dir = await tempDir();
    const s = settings({ epochs: 3, checkpointEvery: 0 });
    await run(s, dir, { maxStepsThisRun: 7 }); // epoch 1 ends (best, then latest), then 1 step of epoch 2
    expect((await loadCheckpoint<RunState<unknown>>(path.join(dir, BEST))).state.best?.epoch).toBe(1);
    process.env.TRAJECTORYNET_FAIL_WRITE = 'best.ckpt=ENOSPC@100';
    const error = await run(s, dir, { resume: true }).catch((e) => e);
    expect(error.code).toBe('DISK_FULL');
    delete process.env.TRAJECTORYNET_FAIL_WRITE;
    // the failed write left the previous best whole, and latest still at epoch 1
    expect((await loadCheckpoint<RunState<unknown>>(path.join(dir, BEST))).state.best?.epoch).toBe(1);
    expect((await loadCheckpoint<RunState<unknown>>(path.join(dir, LATEST))).state.epoch).toBe(1);
    const resumed = await run(s, dir, { resume: true });
    expect(resumed.state.epoch).toBe(3);
    expect((await loadCheckpoint<RunState<unknown>>(path.join(dir, BEST))).state.best?.epoch).toBe(3);
    expect(existsSync(path.join(dir, LATEST))).toBe(true);
  });
});
