/**
 * One process of the distributed suite: S3D ResNet-18 training steps (Adam)
 * on random clips, alone or as a rank of a group (torchrun's environment:
 * RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). A rank's step is its
 * gradients, a wait for the slowest rank (a one-float allreduce), the
 * data-parallel step's allreduce (gradients + BatchNorm statistics) and the
 * update; with `"accumulate": k` a step sums the gradients of k micro-batches
 * before its one allreduce. Prints the median timings as one JSON line (rank 0, or alone).
 *
 * `node distributed-worker.js '{"backend":"wasm","threads":1,"frames":8,"size":64,"width":0.125,"batch":1,"steps":3}'`
 *
 * With `"compressions": ["none", "fp16"]` (ranks) the steps take turns with
 * the gradients sent in each format (DataParallel's compression), `steps`
 * timed steps each after one warm-up step each; the main figures are those
 * of the first format's steps, and `compression` holds each format's medians
 * and the bytes each step wrote to the sockets (/proc/self/io's wchar).
 *
 * With `"phases": true` (ranks only) it runs no model: each step reduces
 * gradients of the model's shapes (random) once through the copying path
 * (data() out of the backend, tf.tensor back) and once in place on the wasm
 * heap, alternately, on the same group, and prints the medians of each
 * path's gather, allreduce and scatter phases.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DataParallel, type GradCompression, ProcessGroup, readLaunchEnv } from '@trajectorynet/distributed';
import { createTrajectoryNet, PRESET_STAGES } from '@trajectorynet/resnet-s3d';
import { type BackendName, initBackend, ScheduledAdam } from '@trajectorynet/runtime';

export interface WorkerSetting {
  backend: BackendName;
  /** libtorch kernel threads of this process (wasm + libtorch). */
  threads: number;
  frames: number;
  size: number;
  width: number;
  /** Clips per micro-batch on this process. */
  batch: number;
  /** Micro-batches whose gradients are summed before the one allreduce and update of a step (gradient accumulation; default 1). */
  accumulate?: number;
  /** Timed steps (after one warm-up step). */
  steps: number;
  /** Time the allreduce's phases, copying vs in place, instead of training steps. */
  phases?: boolean;
  /** Gloo's worker threads (default: the package's, 1). */
  glooThreads?: number;
  /** Ranks: the gradients' formats, taking turns step by step (default ['none']). */
  compressions?: GradCompression[];
}

/** One gradient format's medians when formats take turns (ms; bytes this rank wrote during its reduceStep). */
export interface CompressionTimes {
  compression: GradCompression;
  stepMs: number;
  allreduceMs: number;
  bytesWritten: number;
}

/** Medians of one reduction path's phases (ms). */
export interface PhaseTimes {
  gatherMs: number;
  allreduceMs: number;
  scatterMs: number;
  totalMs: number;
}

export interface PhasesResult {
  worldSize: number;
  glooThreads: number;
  allreduceFloats: number;
  tensors: number;
  copy: PhaseTimes;
  inPlace: PhaseTimes;
}

export interface WorkerResult {
  worldSize: number;
  threads: number;
  batch: number;
  /** Micro-batches per step. */
  accumulate: number;
  engine: string;
  /** Medians over the timed steps, in ms. */
  stepMs: number;
  /** Forward, backward (and the accumulation's sums) plus the update: the step without wait and allreduce. */
  computeMs: number;
  /** Forward and backward of all the step's micro-batches. */
  forwardBackwardMs: number;
  /** The optimiser's update (Adam over every weight). */
  updateMs: number;
  waitMs: number;
  allreduceMs: number;
  /** Floats in each step's allreduce. */
  allreduceFloats: number;
  /** The allreduce's parts (medians, ms): gathering into the flat buffer, Gloo, scattering back (ranks only). */
  allreducePhases: { gatherMs: number; glooMs: number; scatterMs: number } | null;
  /** The wasm backend's memory (MB) after the warm-up step and after the last step (null on other backends): growth past the warm-up would be paid in timed steps. */
  heapMB: { afterWarmup: number; end: number } | null;
  /** Per gradient format, when formats took turns (`compressions`); else null. */
  compression: CompressionTimes[] | null;
}

/** Bytes this process has written so far (files, pipes, sockets: Gloo sends with write/writev). */
const bytesWritten = () => Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);

/** The wasm backend's memory in MB, or null on other backends. */
function heapMB(): number | null {
  const bytes = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  return bytes == null ? null : bytes / 2 ** 20;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const setting = JSON.parse(process.argv[2]) as WorkerSetting;
  const info = await initBackend({ prefer: setting.backend, log: null, native: setting.backend === 'wasm' ? { threads: setting.threads } : undefined });
  const env = readLaunchEnv();
  const group = env == null ? null : await ProcessGroup.create({ ...env, timeoutMs: 600_000, threads: setting.glooThreads });
  if (setting.phases === true) {
    if (group == null) throw new Error('the phases mode runs as ranks of a group');
    await timePhases(setting, group);
    return;
  }
  const formats = group == null ? ['none' as const] : (setting.compressions ?? ['none']);
  const parallels = group == null ? null : formats.map((compression) => new DataParallel(group, { compression }));
  const parallel = parallels?.[0] ?? null;
  const perFormat = formats.map(() => ({ step: [] as number[], allreduce: [] as number[], bytes: [] as number[] }));
  const world = parallel?.worldSize ?? 1;
  const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames: setting.frames, size: setting.size, width: setting.width, stages: PRESET_STAGES.s3d, withMotion: false });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainable = new Set(variables.map((v) => v.id));
  const buffers = model.weights.filter((w) => !trainable.has(w.read().id));
  if (parallel != null) await parallel.broadcastWeights(model.weights);
  const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
  const clip = tf.randomNormal([setting.batch, setting.frames, setting.size, setting.size, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: setting.batch }, (_, i) => (i * 7) % 174), 'int32'), 174);
  const accumulate = setting.accumulate ?? 1;
  const times = { step: [] as number[], compute: [] as number[], forwardBackward: [] as number[], update: [] as number[], wait: [] as number[], allreduce: [] as number[], gather: [] as number[], gloo: [] as number[], scatter: [] as number[] };
  let heapAfterWarmup: number | null = null;
  let allreduceFloats = 0;
  // one warm-up step per format, then `steps` timed steps per format, the formats taking turns
  const warmup = formats.length;
  for (let step = 0; step < warmup + setting.steps * formats.length; step++) {
    const format = step % formats.length;
    const started = performance.now();
    let grads: tf.Tensor[] = [];
    for (let micro = 0; micro < accumulate; micro++) {
      const next = tf.tidy(() => {
        const { value, grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(clip, { training: true }) as tf.Tensor) as tf.Scalar, variables);
        value.dataSync();
        return variables.map((v, i) => (micro === 0 ? g[v.name] : tf.add(grads[i], g[v.name])));
      });
      if (micro > 0) tf.dispose(grads);
      grads = next;
    }
    const computed = performance.now();
    let waited = computed;
    let reduced = grads;
    if (parallel != null) {
      await parallel.sum([0]); // every rank has its gradients: what follows is the allreduce alone
      waited = performance.now();
      allreduceFloats = grads.reduce((a, g) => a + g.size, 0) + buffers.reduce((a, b) => a + b.read().size, 0) + 1;
      const written = bytesWritten();
      const result = await (parallels as DataParallel[])[format].reduceStep(grads, buffers, 1 / (world * accumulate));
      if (step >= warmup) perFormat[format].bytes.push(bytesWritten() - written);
      if (result.grads == null) throw new Error(`non-finite gradients in the benchmark (${formats[format]})`);
      reduced = result.grads;
      tf.dispose(grads);
      if (step >= warmup && format === 0) {
        times.gather.push(result.phases.gatherMs);
        times.gloo.push(result.phases.allreduceMs);
        times.scatter.push(result.phases.scatterMs);
      }
    } else if (accumulate > 1) {
      reduced = grads.map((g) => tf.mul(g, 1 / accumulate));
      tf.dispose(grads);
    }
    const reducedAt = performance.now();
    optimizer.applyAdjusted(Object.fromEntries(variables.map((v, i) => [v.name, reduced[i]])), { scale: null, decayOf: () => 0 });
    tf.dispose(reduced);
    // one read: the update is done before the clock stops
    variables[0].dataSync();
    const ended = performance.now();
    if (step < warmup) {
      heapAfterWarmup = heapMB();
      continue; // warm-up
    }
    perFormat[format].step.push(ended - started);
    perFormat[format].allreduce.push(reducedAt - waited);
    if (format > 0) continue; // the main figures: the first format's steps
    times.step.push(ended - started);
    times.compute.push(computed - started + (ended - reducedAt));
    times.forwardBackward.push(computed - started);
    times.update.push(ended - reducedAt);
    times.wait.push(waited - computed);
    times.allreduce.push(reducedAt - waited);
  }
  tf.dispose([clip, labels]);
  optimizer.dispose();
  model.dispose();
  group?.destroy();
  if (env == null || env.rank === 0) {
    const engine = info.native != null ? `${info.backend} + ${info.native.library} (${info.native.threads} thread${info.native.threads === 1 ? '' : 's'})` : info.backend;
    const result: WorkerResult = {
      worldSize: world,
      threads: setting.threads,
      batch: setting.batch,
      accumulate,
      engine,
      stepMs: median(times.step),
      computeMs: median(times.compute),
      forwardBackwardMs: median(times.forwardBackward),
      updateMs: median(times.update),
      waitMs: median(times.wait),
      allreduceMs: median(times.allreduce),
      allreduceFloats,
      allreducePhases: times.gloo.length === 0 ? null : { gatherMs: median(times.gather), glooMs: median(times.gloo), scatterMs: median(times.scatter) },
      heapMB: heapAfterWarmup == null ? null : { afterWarmup: heapAfterWarmup, end: heapMB() as number },
      compression:
        formats.length > 1
          ? formats.map((compression, f) => ({ compression, stepMs: median(perFormat[f].step), allreduceMs: median(perFormat[f].allreduce), bytesWritten: median(perFormat[f].bytes) }))
          : null,
    };
    console.log(JSON.stringify(result));
  }
}

/** The allreduce's phases, copying vs in place, on gradients of the model's shapes. */
async function timePhases(setting: WorkerSetting, group: ProcessGroup): Promise<void> {
  const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames: setting.frames, size: setting.size, width: setting.width, stages: PRESET_STAGES.s3d, withMotion: false });
  const trainable = new Set(model.trainableWeights.map((w) => w.read().id));
  const buffers = model.weights.filter((w) => !trainable.has(w.read().id));
  const grads = model.trainableWeights.map((w) => tf.randomNormal(w.read().shape));
  const paths = { copy: new DataParallel(group, { inPlace: false }), inPlace: new DataParallel(group, { inPlace: true }) };
  const times = { copy: [] as number[][], inPlace: [] as number[][] };
  for (let step = 0; step <= setting.steps; step++) {
    // alternate which path goes first: load that drifts during a step falls on both
    for (const name of step % 2 === 0 ? (['copy', 'inPlace'] as const) : (['inPlace', 'copy'] as const)) {
      await group.allreduce(new Float32Array(1)); // both ranks start together
      const result = await paths[name].reduceStep(grads, buffers, 1 / group.worldSize);
      if (result.grads == null) throw new Error('non-finite gradients in the benchmark');
      tf.dispose(result.grads);
      const p = result.phases;
      if (step > 0) times[name].push([p.gatherMs, p.allreduceMs, p.scatterMs, p.gatherMs + p.allreduceMs + p.scatterMs]);
    }
  }
  const medians = (rows: number[][]): PhaseTimes => {
    const [gatherMs, allreduceMs, scatterMs, totalMs] = [0, 1, 2, 3].map((k) => median(rows.map((r) => r[k])));
    return { gatherMs, allreduceMs, scatterMs, totalMs };
  };
  const result: PhasesResult = {
    worldSize: group.worldSize,
    glooThreads: setting.glooThreads ?? 1,
    allreduceFloats: grads.reduce((a, g) => a + g.size, 0) + buffers.reduce((a, b) => a + b.read().size, 0) + 1,
    tensors: grads.length + buffers.length,
    copy: medians(times.copy),
    inPlace: medians(times.inPlace),
  };
  tf.dispose(grads);
  model.dispose();
  group.destroy();
  if (group.rank === 0) console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(`distributed-worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
