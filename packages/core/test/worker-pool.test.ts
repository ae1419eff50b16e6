import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTrajectoryNetError } from '../src/index.js';
import { createWorkerPool, type WorkerPool } from '../src/node.js';

const file = new URL('./fixtures/echo-worker.mjs', import.meta.url);
type Task = { kind: string; values?: number[]; file?: string; ms?: number };
type Result = { values: Float64Array; threadId?: number };

let pool: WorkerPool<Task, Result> | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

beforeAll(() => {
  // the fixture imports the built package
  if (!existsSync(new URL('../dist/node.js', import.meta.url))) throw new Error('build @trajectorynet/core first (pnpm build)');
});

describe('createWorkerPool', () => {
  it('runs tasks on threads and moves results back', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 2, label: 'test task' });
    const results = await Promise.all([1, 2, 3, 4].map((v) => pool!.run({ kind: 'double', values: [v, v + 1] })));
    expect(results.map((r) => Array.from(r.values))).toEqual([[2, 4], [4, 6], [6, 8], [8, 10]]);
    expect(results[0].values).toBeInstanceOf(Float64Array);
  });

  it('keeps the code and path of a TrajectoryNetError thrown in the worker', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'test task' });
    const error = await pool.run({ kind: 'fail', file: 'videos/bad.mp4' }).catch((e) => e);
    expect(isTrajectoryNetError(error)).toBe(true);
    expect(error.code).toBe('CORRUPT');
    expect(error.path).toBe('videos/bad.mp4');
    expect(error.message).toBe('videos/bad.mp4: cannot decode');
  });

  it('reports other errors as WORKER errors naming the task', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'test task' });
    const error = await pool.run({ kind: 'bug' }, { name: 'pair 3 of v.mp4' }).catch((e) => e);
    expect(error.code).toBe('WORKER');
    expect(error.message).toContain('pair 3 of v.mp4');
    expect(error.message).toContain('x is undefined');
  });

  it('fails the task of a worker that exits and replaces the worker', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'test task' });
    const error = await pool.run({ kind: 'exit' }, { name: 'frame 9' }).catch((e) => e);
    expect(error.code).toBe('WORKER');
    expect(error.path).toBe('frame 9');
    const after = await pool.run({ kind: 'double', values: [5] });
    expect(Array.from(after.values)).toEqual([10]);
  });

  it('fails the task of a worker that runs out of memory, and the others finish', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 2, label: 'test task', resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const [oom, ok] = await Promise.allSettled([pool.run({ kind: 'oom' }, { name: 'huge frame' }), pool.run({ kind: 'slow', ms: 50 })]);
    expect(oom.status).toBe('rejected');
    expect((oom as PromiseRejectedResult).reason.code).toBe('WORKER');
    expect((oom as PromiseRejectedResult).reason.message).toContain('huge frame');
    expect(ok.status).toBe('fulfilled');
    expect(Array.from((await pool.run({ kind: 'double', values: [1] })).values)).toEqual([2]);
  });

  it('aborts a task with its signal', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'test task' });
    const controller = new AbortController();
    const running = pool.run({ kind: 'slow', ms: 5000 }, { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toThrow(/abort/i);
  });

  it('fails queued tasks when closed instead of leaving them pending', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'test task' });
    const tasks = [pool.run({ kind: 'slow', ms: 300 }), pool.run({ kind: 'slow', ms: 300 })];
    const settling = Promise.allSettled(tasks);
    await pool.close();
    const settled = await settling;
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason.code).toBe('WORKER');
    }
    await expect(pool.run({ kind: 'double', values: [1] })).rejects.toThrow(/closed/);
    pool = null;
  });

  it('runs the inline function in this thread with threads: 0', async () => {
    pool = createWorkerPool<Task, Result>({ file, threads: 0, label: 'test task', inline: (task) => ({ values: Float64Array.from(task.values ?? [], (v) => v + 1) }) });
    expect(pool.threads).toBe(0);
    expect(Array.from((await pool.run({ kind: 'x', values: [1, 2] })).values)).toEqual([2, 3]);
  });
});

describe('TRAJECTORYNET_FAIL_WORKER', () => {
  it('makes each worker of the labelled pool exit at its n-th task (the tasks then fail by name)', async () => {
    process.env.TRAJECTORYNET_FAIL_WORKER = 'doomed@2';
    try {
      pool = createWorkerPool<Task, Result>({ file, threads: 1, label: 'doomed' });
      const first = await pool.run({ kind: 'double', values: [1] }, { name: 'task 1' });
      expect(Array.from(first.values)).toEqual([2]);
      const second = await pool.run({ kind: 'double', values: [2] }, { name: 'task 2' }).catch((e) => e);
      expect(second.code).toBe('WORKER');
      expect(second.path).toBe('task 2');
      // other pools are unaffected
      const other = createWorkerPool<Task, Result>({ file, threads: 1, label: 'fine' });
      for (let i = 0; i < 3; i++) expect(Array.from((await other.run({ kind: 'double', values: [i] })).values)).toEqual([2 * i]);
      await other.close();
    } finally {
      delete process.env.TRAJECTORYNET_FAIL_WORKER;
    }
  });
});
