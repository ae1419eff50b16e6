/**
 * Data-parallel training on this machine, in one run: S3D ResNet-18 training
 * clips/s of 1 process with 2 libtorch threads against 2 ranks (c10d/Gloo over
 * 127.0.0.1) with 1 thread each, at the same global batch, and how much of a
 * rank's step is its allreduce; then the same 2 ranks across two Linux
 * network namespaces joined by a veth pair at tbf rate limits (10 and 1
 * Gbit/s), with and without gradient accumulation. Each configuration runs in
 * its own processes (dist/distributed-worker.js), one after the other.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { distributedAvailability, freeLocalPort, localRankEnv } from '@trajectorynet/distributed';
import type { BackendName } from '@trajectorynet/runtime';
import { barChart } from '@trajectorynet/training';
import { createNamespacePair } from '../netns.js';
import type { CompressionTimes, PhasesResult, PhaseTimes, WorkerResult, WorkerSetting } from '../distributed-worker.js';
import type { Suite, SuiteResult } from '../suite.js';

// beside cli.js in dist/ (tsup bundles this module into cli.js)
const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'distributed-worker.js');

/** How the ranks of one configuration start: under a command (e.g. `ip netns exec <ns>`), with extra environment. */
interface Launch {
  prefix?: (rank: number) => string[];
  env?: (rank: number) => Record<string, string>;
  /** With world 0: this many independent processes (no group) at once. */
  copies?: number;
}

/** Runs the worker as `world` ranks (0: one process, no group); resolves to rank 0's result. */
async function runWorkers<Result = WorkerResult>(setting: WorkerSetting, world: number, launch: Launch = {}): Promise<Result> {
  const port = await freeLocalPort();
  const ranks = Array.from({ length: world === 0 ? (launch.copies ?? 1) : world }, (_, rank) => {
    const [command, ...args] = [...(launch.prefix?.(rank) ?? []), process.execPath, WORKER, JSON.stringify(setting)];
    const env = { ...process.env, ...(world === 0 ? {} : localRankEnv(rank, world, port)), ...launch.env?.(rank) };
    return promisify(execFile)(command, args, { env, maxBuffer: 1 << 20 }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`rank ${rank} of the distributed benchmark failed: ${(error.stderr ?? error.message).trim().split('\n').at(-1)}`);
    });
  });
  const [first] = await Promise.all(ranks);
  return JSON.parse(first.stdout.trim().split('\n').at(-1) as string) as Result;
}

/** Clips trained per step over all processes (ranks, or independent copies). */
const clipsPerStep = (m: Measured) => m.result.batch * m.result.accumulate * m.processes;
const clipsPerSecond = (m: Measured) => clipsPerStep(m) / (m.result.stepMs / 1000);
/** The allreduce's rate as each rank sends it: with 2 ranks Gloo's ring sends every float once each way (reduce-scatter, then allgather halves). */
const allreduceGbits = (r: WorkerResult) => (r.allreduceFloats * 4 * 8 * (2 * (r.worldSize - 1)) / r.worldSize) / (r.allreduceMs / 1000) / 1e9;

/** One measured configuration of the suite. */
interface Measured {
  name: string;
  /** The link between the ranks: '-' (one process), 'loopback', or the namespaces' tbf rate. */
  link: string;
  /** Processes running at once (a group's ranks, or independent copies). */
  processes: number;
  result: WorkerResult;
}

export const distributedSuite: Suite = {
  name: 'distributed',
  description: 'S3D ResNet-18 training: 1 process x 2 threads vs 2 ranks x 1 thread (c10d/Gloo), allreduce share of a step; two network namespaces at tbf rate limits',
  async run({ quick, progress, distributed = {} }): Promise<SuiteResult> {
    const available = distributedAvailability();
    if (!available.ok) {
      progress(`c10d/Gloo unavailable: ${available.reason}`);
      return {
        tables: [{ title: 'Data-parallel training: not measured', columns: ['reason'], rows: [[available.reason]], note: 'Install libtorch-dev and libgloo-dev, then rebuild @trajectorynet/distributed (its README).' }],
        charts: {},
        data: { skipped: available.reason },
      };
    }
    const batch = distributed.batch ?? 1;
    const accumulate = distributed.accumulate ?? 2;
    const rates = (distributed.rates ?? (quick ? ['1gbit'] : ['10gbit', '1gbit'])).filter((r) => r !== 'none');
    const base = quick ? { frames: 4, size: 32, width: 0.125, steps: distributed.steps ?? 2 } : { frames: 8, size: 112, width: 1, steps: distributed.steps ?? 5 };
    const backend = tf.getBackend() as BackendName;
    const shapeText = `${base.frames}x${base.size}x${base.size}, width ${base.width}`;
    const measured: Measured[] = [];
    // the same global batch: 2B clips in one process, B on each of 2 ranks
    progress(`1 process x 2 threads, batch ${2 * batch}, ${shapeText}`);
    const single: Measured = { name: '1 process x 2 threads', link: '-', processes: 1, result: await runWorkers({ backend, threads: 2, batch: 2 * batch, ...base }, 0) };
    measured.push(single);
    progress(`1 process x 1 thread, batch ${batch} (a rank's work, alone on the machine)`);
    measured.push({ name: '1 process x 1 thread (one rank\'s batch)', link: '-', processes: 1, result: await runWorkers({ backend, threads: 1, batch, ...base }, 0) });
    // the ranks' work without the group: what running two 1-thread processes at once costs by itself
    progress(`2 independent 1-thread processes at once, batch ${batch} each (no group)`);
    measured.push({ name: '2 independent processes x 1 thread (no group)', link: '-', processes: 2, result: await runWorkers({ backend, threads: 1, batch, ...base }, 0, { copies: 2 }) });
    progress(`2 ranks x 1 thread on 127.0.0.1, batch ${batch} each`);
    measured.push({ name: '2 ranks x 1 thread', link: 'loopback', processes: 2, result: await runWorkers({ backend, threads: 1, batch, ...base }, 2) });
    // gradient compression: float32 and fp16 steps taking turns in one group, so both see the same load
    progress(`2 ranks x 1 thread on 127.0.0.1, batch ${batch} each, float32 and fp16 gradients step by step`);
    const compressed = await runWorkers({ backend, threads: 1, batch, ...base, compressions: ['none', 'fp16'] }, 2);
    // per link: the two formats' medians, taking turns in one group
    const compression: { link: string; times: CompressionTimes[] }[] = [{ link: '127.0.0.1', times: compressed.compression as CompressionTimes[] }];
    const namespaceNotes: string[] = [];
    for (const rate of rates) {
      const pair = createNamespacePair(rate.replace(/bit$/i, '').slice(0, 5), rate);
      if (typeof pair === 'string') {
        progress(`two network namespaces skipped: ${pair}`);
        namespaceNotes.push(`${rate}: not measured (${pair})`);
        continue;
      }
      try {
        namespaceNotes.push(`${rate}: ${pair.qdisc}`);
        const launch: Launch = {
          prefix: (rank) => ['ip', 'netns', 'exec', pair.names[rank]],
          // rank 0's address as rank 1 reaches it; each rank's Gloo binds to its veth end
          env: (rank) => ({ MASTER_ADDR: pair.addresses[0], GLOO_SOCKET_IFNAME: pair.links[rank] }),
        };
        for (const k of accumulate > 1 ? [1, accumulate] : [1]) {
          progress(`2 ranks x 1 thread across two namespaces at ${rate}, batch ${batch} each, ${k} micro-batch${k === 1 ? '' : 'es'} per step`);
          const result = await runWorkers({ backend, threads: 1, batch, accumulate: k, ...base }, 2, launch);
          measured.push({ name: `2 ranks x 1 thread, ${rate}${k > 1 ? `, accumulating ${k}` : ''}`, link: rate, processes: 2, result });
        }
        progress(`2 ranks x 1 thread across two namespaces at ${rate}, batch ${batch} each, float32 and fp16 gradients step by step`);
        const inTurn = await runWorkers({ backend, threads: 1, batch, ...base, compressions: ['none', 'fp16'] }, 2, launch);
        compression.push({ link: rate, times: inTurn.compression as CompressionTimes[] });
      } finally {
        pair.remove();
      }
    }
    const grouped = (r: WorkerResult, value: number) => (r.worldSize > 1 ? value : '-');
    const rows = measured.map(({ result, ...m }) => [
      m.name,
      m.link,
      result.engine,
      `${m.processes} x ${result.batch}${result.accumulate > 1 ? ` x ${result.accumulate}` : ''}`,
      clipsPerStep({ result, ...m }),
      clipsPerSecond({ result, ...m }),
      clipsPerSecond({ result, ...m }) / clipsPerSecond(single),
      result.stepMs,
      result.forwardBackwardMs,
      result.forwardBackwardMs / (result.batch * result.accumulate),
      result.updateMs,
      grouped(result, result.waitMs),
      grouped(result, result.allreduceMs),
      grouped(result, result.allreduceMs / result.stepMs),
      grouped(result, allreduceGbits(result)),
    ]);
    const ranks = measured.find((m) => m.link === 'loopback')?.result as WorkerResult;
    return {
      tables: [
        {
          title: `Data-parallel S3D ResNet-18 training (Adam), ${shapeText}, ${batch} clip${batch === 1 ? '' : 's'} per rank per micro-batch`,
          columns: ['configuration', 'link', 'engine (per process)', 'processes x batch (x micro-batches)', 'clips per step', 'train clips/s', 'vs 1 process x 2 threads', 'step ms', 'forward+backward ms', 'forward+backward ms per clip', 'update ms', 'wait ms', 'allreduce ms', 'allreduce / step', 'allreduce Gbit/s per direction'],
          rows,
          note: `Medians of ${base.steps} steps after a warm-up step per configuration, every configuration in its own processes, one after the other in this run. Compared: clips/s at the same global batch (2 x ${batch} clips per step, the 1-thread process ${batch}); the independent processes run a rank's work twice at once without a group (what sharing the machine costs, apart from any communication; clips/s counts both); with accumulation a step trains k micro-batches before its one allreduce. A rank's step: forward+backward, a wait for the slower rank (a one-float allreduce), the allreduce of ${ranks.allreduceFloats.toLocaleString('en')} floats (gradients, BatchNorm statistics, a non-finite flag) over Gloo, the update. Gbit/s: the floats each rank sends per allreduce (with 2 ranks, every float once) over the allreduce time. Namespaces: two Linux network namespaces joined by a veth pair, each end's egress limited by tc's tbf (netem is not available in this machine's kernel). ${namespaceNotes.join('; ')}. Ratios compare configurations of one run; a machine under load moves them.`,
        },
        {
          title: `Gradient compression: 2 ranks x 1 thread, ${shapeText}, ${batch} clip${batch === 1 ? '' : 's'} per rank, float32 and fp16 gradients in turn, per link`,
          columns: ['link', 'gradients sent as', 'step ms', 'allreduce ms', 'allreduce / step', 'bytes written per step (rank 0)', 'bytes vs float32', 'allreduce vs float32'],
          rows: compression.flatMap(({ link, times }) =>
            times.map((c) => [
              link,
              c.compression === 'none' ? 'float32' : c.compression,
              c.stepMs,
              c.allreduceMs,
              c.allreduceMs / c.stepMs,
              c.bytesWritten,
              c.bytesWritten / times[0].bytesWritten,
              c.allreduceMs / times[0].allreduceMs,
            ]),
          ),
          note: `Medians of ${base.steps} steps per format after a warm-up step each, the formats taking turns step by step in one group per link (the same load on both; the namespace links as in the table above). fp16: the gradients divided by the ranks, cast to fp16 and allgathered (at 2 ranks half a float32 allreduce's bytes), summed in float32; the BatchNorm statistics and the flag stay float32. Bytes: what rank 0 wrote during its reduceStep (/proc/self/io's wchar). The casts add work on both ends (one pass before the collective on the main thread, one after it in the waiting thread); whether halving the bytes pays depends on the link.`,
        },
        {
          title: "The allreduce's parts and the wasm heap, per configuration",
          columns: ['configuration', 'gather ms', 'Gloo ms', 'scatter ms', 'heap MB after warm-up', 'heap MB at the end'],
          rows: measured.map(({ name, result }) => [
            name,
            result.allreducePhases?.gatherMs ?? '-',
            result.allreducePhases?.glooMs ?? '-',
            result.allreducePhases?.scatterMs ?? '-',
            result.heapMB?.afterWarmup ?? '-',
            result.heapMB?.end ?? '-',
          ]),
          note: "Medians of the same steps (rank 0). Gather: one concat kernel into a flat tensor on the wasm heap and a native non-finite count; Gloo: the allreduce and the gradients' scaling in the addon's waiting thread; scatter: one heap copy per gradient and the BatchNorm statistics' mean. A heap that grows after the warm-up step would be paid for in the timed steps.",
        },
      ],
      charts: {
        'distributed-throughput.svg': barChart(
          measured.map((m) => ({ group: m.name, bars: [{ name: 'train clips/s', value: clipsPerSecond(m) }] })),
          { title: 'S3D ResNet-18 training clips/s (higher is better)', yLabel: 'clips/s' },
        ),
        'distributed-step.svg': barChart(
          measured.map(({ name, result }) => ({
            group: name,
            bars: [
              { name: 'forward+backward', value: result.forwardBackwardMs },
              { name: 'update', value: result.updateMs },
              { name: 'wait', value: result.waitMs },
              { name: 'allreduce', value: result.allreduceMs },
            ],
          })),
          { title: 'Where a training step goes (ms, lower is better)', yLabel: 'ms' },
        ),
        ...(measured.some((m) => m.result.worldSize > 1)
          ? {
              'distributed-allreduce-share.svg': barChart(
                measured.filter((m) => m.result.worldSize > 1).map(({ name, result }) => ({ group: name, bars: [{ name: 'allreduce / step (%)', value: (100 * result.allreduceMs) / result.stepMs }] })),
                { title: "The allreduce's share of a rank's step (%, lower is better)", yLabel: '%' },
              ),
            }
          : {}),
      },
      data: { shape: base, batch, accumulate, rates, namespaces: namespaceNotes, measured: measured.map((m) => ({ ...m, clipsPerSecond: clipsPerSecond(m) })), compression },
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
