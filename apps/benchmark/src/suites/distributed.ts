/**
 * Data-parallel training on this machine, in one run: S3D ResNet-18 training
 * clips/s of 1 process with 2 libtorch threads against 2 ranks (c10d/Gloo over
 * 127.0.0.1) with 1 thread each, at the same global batch, and how much of a
 * rank's step is its allreduce. Each configuration runs in its own processes
 * (dist/distributed-worker.js), one after the other.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { distributedAvailability, freeLocalPort, localRankEnv } from '@trajectorynet/distributed';
import type { BackendName } from '@trajectorynet/runtime';
import { barChart } from '@trajectorynet/training';
import type { PhasesResult, PhaseTimes, WorkerResult, WorkerSetting } from '../distributed-worker.js';
import type { Suite, SuiteResult } from '../suite.js';

// beside cli.js in dist/ (tsup bundles this module into cli.js)
const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'distributed-worker.js');

/** Runs the worker as `world` ranks (0: one process, no group); resolves to rank 0's result. */
async function runWorkers<Result = WorkerResult>(setting: WorkerSetting, world: number): Promise<Result> {
  const port = await freeLocalPort();
  const ranks = Array.from({ length: Math.max(1, world) }, (_, rank) =>
    promisify(execFile)(process.execPath, [WORKER, JSON.stringify(setting)], { env: { ...process.env, ...(world === 0 ? {} : localRankEnv(rank, world, port)) }, maxBuffer: 1 << 20 }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`rank ${rank} of the distributed benchmark failed: ${(error.stderr ?? error.message).trim().split('\n').at(-1)}`);
    }),
  );
  const [first] = await Promise.all(ranks);
  return JSON.parse(first.stdout.trim().split('\n').at(-1) as string) as Result;
}

export const distributedSuite: Suite = {
  name: 'distributed',
  description: 'S3D ResNet-18 training: 1 process x 2 threads vs 2 ranks x 1 thread (c10d/Gloo), allreduce share of a step',
  async run({ quick, progress }): Promise<SuiteResult> {
    const available = distributedAvailability();
    if (!available.ok) {
      progress(`c10d/Gloo unavailable: ${available.reason}`);
      return {
        tables: [{ title: 'Data-parallel training: not measured', columns: ['reason'], rows: [[available.reason]], note: 'Install libtorch-dev and libgloo-dev, then rebuild @trajectorynet/distributed (its README).' }],
        charts: {},
        data: { skipped: available.reason },
      };
    }
    // the global batch is the same: 2 clips in one process, 1 clip on each of 2 ranks
    const shape = quick ? { frames: 4, size: 32, width: 0.125, steps: 2 } : { frames: 8, size: 112, width: 1, steps: 5 };
    const backend = tf.getBackend() as BackendName;
    progress(`1 process x 2 threads, batch 2, ${shape.frames}x${shape.size}x${shape.size} width ${shape.width}`);
    const single = await runWorkers({ backend, threads: 2, batch: 2, ...shape }, 0);
    progress('2 ranks x 1 thread, batch 1 each');
    const ranks = await runWorkers({ backend, threads: 1, batch: 1, ...shape }, 2);
    const clipsPerSecond = (r: WorkerResult) => (r.batch * r.worldSize) / (r.stepMs / 1000);
    const configurations = [
      { name: '1 process x 2 threads', result: single },
      { name: '2 ranks x 1 thread', result: ranks },
    ];
    // one process has no group: nothing to wait for or reduce
    const grouped = (r: WorkerResult, value: number) => (r.worldSize > 1 ? value : '-');
    const rows = configurations.map(({ name, result }) => [
      name,
      result.engine,
      result.batch * result.worldSize,
      clipsPerSecond(result),
      clipsPerSecond(result) / clipsPerSecond(single),
      result.stepMs,
      result.computeMs,
      grouped(result, result.waitMs),
      grouped(result, result.allreduceMs),
      grouped(result, result.allreduceMs / result.stepMs),
    ]);
    return {
      tables: [
        {
          title: `Data-parallel S3D ResNet-18 training, ${shape.frames}x${shape.size}x${shape.size}, width ${shape.width}, global batch 2 (Adam)`,
          columns: ['configuration', 'engine (per process)', 'global batch', 'train clips/s', 'vs 1 process', 'step ms', 'compute ms', 'wait ms', 'allreduce ms', 'allreduce / step'],
          rows,
          note: `Medians of ${shape.steps} steps after a warm-up step, both configurations measured in this run one after the other. A rank's step: gradients, a wait for the slower rank (a one-float allreduce), the allreduce of ${ranks.allreduceFloats.toLocaleString('en')} floats (gradients, BatchNorm statistics, a non-finite flag) over Gloo on 127.0.0.1, the update. Ratios compare configurations of one run; a machine under load moves them.`,
        },
      ],
      charts: {
        'distributed-throughput.svg': barChart(
          configurations.map(({ name, result }) => ({ group: name, bars: [{ name: 'train clips/s', value: clipsPerSecond(result) }] })),
          { title: 'S3D ResNet-18 training clips/s (higher is better)', yLabel: 'clips/s' },
        ),
        'distributed-step.svg': barChart(
          configurations.map(({ name, result }) => ({
            group: name,
            bars: [
              { name: 'compute', value: result.computeMs },
              { name: 'wait', value: result.waitMs },
              { name: 'allreduce', value: result.allreduceMs },
            ],
          })),
          { title: 'Where a training step goes (ms, lower is better)', yLabel: 'ms' },
        ),
      },
      data: { shape, single, ranks, clipsPerSecond: { single: clipsPerSecond(single), ranks: clipsPerSecond(ranks) } },
    };
  },
};

/**
 * The data-parallel step's allreduce in parts, 2 ranks on 127.0.0.1, on
 * gradients of S3D ResNet-18's shapes (no model runs): gathering into one flat
 * buffer, the allreduce, scattering back; the copying path (data() out of the
 * wasm heap, tf.tensor back: the only path before) against the in-place one,
 * alternately on the same group, with Gloo's 2 worker threads (the old
 * setting) and 1 (the new default), one group each.
 */
export const distributedAllreduceSuite: Suite = {
  name: 'distributed-allreduce',
  description: "the data-parallel step's allreduce in parts (gather, allreduce, scatter): copying vs in place on the wasm heap, Gloo threads 2 vs 1",
  async run({ quick, progress }): Promise<SuiteResult> {
    const available = distributedAvailability();
    if (!available.ok) {
      progress(`c10d/Gloo unavailable: ${available.reason}`);
      return { tables: [{ title: 'Allreduce phases: not measured', columns: ['reason'], rows: [[available.reason]] }], charts: {}, data: { skipped: available.reason } };
    }
    const shape = quick ? { frames: 4, size: 32, width: 0.125, steps: 3 } : { frames: 8, size: 112, width: 1, steps: 7 };
    const backend = tf.getBackend() as BackendName;
    const runs: PhasesResult[] = [];
    for (const glooThreads of [2, 1]) {
      progress(`2 ranks, Gloo threads ${glooThreads}: copying and in-place steps alternately`);
      runs.push(await runWorkers<PhasesResult>({ backend, threads: 1, batch: 1, ...shape, phases: true, glooThreads }, 2));
    }
    const row = (name: string, r: PhasesResult, t: PhaseTimes) => [name, r.glooThreads, t.gatherMs, t.allreduceMs, t.scatterMs, t.totalMs, t.totalMs / r.copy.totalMs];
    const rows = runs.flatMap((r) => [row('copying (before)', r, r.copy), row('in place on the wasm heap', r, r.inPlace)]);
    return {
      tables: [
        {
          title: `The data-parallel allreduce in parts: ${runs[0].allreduceFloats.toLocaleString('en')} floats in ${runs[0].tensors} tensors (S3D ResNet-18, width ${shape.width}), 2 ranks on 127.0.0.1`,
          columns: ['path', 'Gloo threads', 'gather ms', 'allreduce ms', 'scatter ms', 'total ms', 'vs copying (same group)'],
          rows,
          note: `Medians of ${shape.steps} steps after a warm-up, the two paths alternately on one group (the ratio compares them within one run); one group per Gloo thread count, one after the other. Gather: concat, non-finite flag, and (copying) data() out of the heap; allreduce: Gloo (in place: and the gradients' scaling); scatter: the gradient tensors and the averaged statistics.`,
        },
      ],
      charts: {
        'distributed-allreduce-phases.svg': barChart(
          runs.flatMap((r) =>
            (['copy', 'inPlace'] as const).map((path) => ({
              group: `${path === 'copy' ? 'copying' : 'in place'}, Gloo threads ${r.glooThreads}`,
              bars: [
                { name: 'gather', value: r[path].gatherMs },
                { name: 'allreduce', value: r[path].allreduceMs },
                { name: 'scatter', value: r[path].scatterMs },
              ],
            })),
          ),
          { title: "The data-parallel step's allreduce in parts (ms, lower is better)", yLabel: 'ms' },
        ),
      },
      data: { shape, runs },
    };
  },
};
