/**
 * One video through a loaded model, stage by stage, as `trajectorynet
 * predict` does in Node: the test pipeline's frames (decoded by the browser),
 * TV-L1 of the pairs its clips chain through (Web Workers), the clip views,
 * the recognizer, the mean softmax. Each stage is timed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Flow } from '@trajectorynet/core';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type Classification, type ClipViews, classifyViews, clipViews, type FramePlan, framePlan, type WebModelManifest } from '@trajectorynet/training/web';
import { pipelineViews } from '@trajectorynet/video-io';
import { type DecodedFrames, decodeFrames, openVideo } from './decode.js';
import { createFlowPool, type FlowPool } from './flows.js';
import { splitWebGL, type WebGLSplit } from './webgl-split.js';

export interface Timing {
  stage: string;
  milliseconds: number;
  detail?: string;
}

export interface VideoRun {
  plan: FramePlan;
  decoded: DecodedFrames;
  /** TV-L1 of each pair j (frames j -> j+1) at the decoding size. */
  flows: Map<number, Flow>;
  views: ClipViews;
  classification: Classification;
  timings: Timing[];
  fps: number;
  codec: string;
}

/**
 * The page's model stage: `classifyViews`, reading back synchronously on WebGL (`syncRead`: tfjs's
 * asynchronous read polls a fence from nested zero-delay timers, which the browser spaces 4 ms apart;
 * the synchronous read measured 2-8 ms less per run on SwiftShader, see README, Timings).
 */
export function classifyModel(recognizer: Recognizer, views: ClipViews): Promise<Classification> {
  return classifyViews(recognizer, views, { syncRead: tf.getBackend() === 'webgl' });
}

async function timed<T>(timings: Timing[], stage: string, work: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
  const started = performance.now();
  const result = await work();
  timings.push({ stage, milliseconds: performance.now() - started, detail: detail?.(result) });
  return result;
}

/** Frames at the pipeline's decoding size, by frame number (of a video, or of a live window). */
export interface FrameSource {
  width: number;
  height: number;
  get(index: number): Uint8Array;
}

/**
 * The stages after decoding, shared by videos and the live camera: TV-L1 of
 * the plan's pairs not in `flows` yet (on the pool's workers; `flows` is
 * filled in), the clip views, the recognizer. Each stage is timed into
 * `timings`.
 */
export async function classifyClip(
  recognizer: Recognizer,
  manifest: WebModelManifest,
  plan: FramePlan,
  frames: FrameSource,
  pool: FlowPool | null,
  flows: Map<number, Flow>,
  timings: Timing[],
  onStatus: (message: string) => void,
): Promise<{ flows: Map<number, Flow>; views: ClipViews; classification: Classification }> {
  if (manifest.trajectories.source === 'tvl1') {
    if (pool == null) throw new Error('a TV-L1 model needs a flow pool');
    const { tvl1 } = manifest.trajectories;
    const missing = plan.pairs.filter((j) => !flows.has(j));
    const kept = plan.pairs.length - missing.length;
    let done = 0;
    let solverMs = 0;
    await timed(
      timings,
      'TV-L1 (Web Workers)',
      () =>
        Promise.all(
          missing.map(async (j) => {
            const { flow, milliseconds } = await pool.compute(frames.get(j), frames.get(j + 1), frames.width, frames.height, tvl1);
            flows.set(j, flow);
            solverMs += milliseconds;
            onStatus(`TV-L1: ${++done} of ${missing.length} pairs`);
          }),
        ),
      () =>
        `${missing.length} pairs at ${frames.width}x${frames.height} on ${pool.size} worker${pool.size === 1 ? '' : 's'}, ${(solverMs / Math.max(1, missing.length)).toFixed(0)} ms per pair${kept > 0 ? ` (${kept} kept from the last clip)` : ''}`,
    );
  }
  onStatus('sampling the clip views');
  const pairs = { pair: async (j: number) => flows.get(j) as Flow };
  const views = await timed(
    timings,
    'clip views (video-io clipFromFrames)',
    () => clipViews(manifest, plan, frames, pairs),
    (v) => `${v.shape[0]} view${v.shape[0] === 1 ? '' : 's'} of ${v.shape.slice(1, 4).join('x')}`,
  );
  onStatus('running the model');
  const classification = await timed(timings, 'model (tfjs)', () => classifyModel(recognizer, views));
  return { flows, views, classification };
}

export async function runVideo(recognizer: Recognizer, manifest: WebModelManifest, video: Blob, onStatus: (message: string) => void): Promise<VideoRun> {
  const timings: Timing[] = [];
  onStatus('reading the video');
  const track = await timed(timings, 'demux', () => openVideo(video), (t) => `${t.container}, ${t.frames.length} frames, ${t.codec}, ${t.width}x${t.height}`);
  const plan = framePlan(manifest, track.frames.length);
  onStatus(`decoding ${plan.frames.length} frames`);
  const decoded = await timed(
    timings,
    'decode + RGB (WebCodecs, yuvToRgb)',
    () => decodeFrames(track, plan.frames, manifest.pipeline.resizeShorter, (n) => onStatus(`decoded ${n} of ${plan.frames.length} frames`)),
    (d) => `${d.frames.size} frames ${d.format} -> ${d.width}x${d.height}${d.exact ? '' : ' (browser colour conversion: not the CLI pixels)'}`,
  );
  const pool = manifest.trajectories.source === 'tvl1' ? createFlowPool() : null;
  try {
    const frames = { width: decoded.width, height: decoded.height, get: (i: number) => decoded.frames.get(i) as Uint8Array };
    const { flows, views, classification } = await classifyClip(recognizer, manifest, plan, frames, pool, new Map(), timings, onStatus);
    return { plan, decoded, flows, views, classification, timings, fps: track.fps, codec: track.codec };
  } finally {
    pool?.close();
  }
}

/** Runs of the model on a blank clip when a model loads. */
export const WARM_UP_RUNS = 3;

/**
 * Runs the model WARM_UP_RUNS times on blank views of the clip's shape and
 * returns how long each run took. WebGL compiles a shader program for every new
 * op and shape on first use (seconds on a software rasteriser), and the next
 * runs were still slower (2-4x of later ones on SwiftShader: tfjs's JavaScript and the
 * rasteriser warming up); doing it when the model loads keeps it out of the
 * first video's model time. Every backend gets the same warm-up.
 */
export async function warmUp(recognizer: Recognizer, manifest: WebModelManifest): Promise<number[]> {
  const views = blankViews(manifest);
  const runs: number[] = [];
  for (let i = 0; i < WARM_UP_RUNS; i++) {
    const started = performance.now();
    await classifyModel(recognizer, views);
    runs.push(performance.now() - started);
  }
  return runs;
}

/** The model stage timed several times (warm), and one run profiled kernel by kernel. */
export interface ModelBenchmark {
  backend: string;
  /** Milliseconds of each run of `classifyModel` (the page's model stage). */
  runs: number[];
  median: number;
  /** Per run, the part spent in the recognizer's forward call (JavaScript issuing the kernels; on WebGL and WebGPU the GPU runs them asynchronously and the rest is mostly waiting for the results). */
  forwardCalls: number[];
  /** tf.profile of one more run: per kernel name, how often it ran and its summed time (ms; on WebGL without timer queries tfjs reads every output back to time it). */
  kernels: { name: string; count: number; milliseconds: number }[];
  /** Kernels in one run, and the profiled run's wall time. */
  kernelCount: number;
  profiledMs: number;
  /** The profiled run kernel by kernel, in order: name, milliseconds, input and output shapes. */
  trace: { name: string; milliseconds: number; inputs: number[][]; outputs: number[][] }[];
  /** The cost of one tiny kernel on this backend: the mean of `DISPATCH_CHAIN` chained adds on 1024 numbers (more than tfjs hands to the CPU on WebGL), read once at the end (median of 5 chains; ms per kernel). */
  dispatchMs: number;
  /** WebGL only: the GPU programs one run draws (every `runWebGLProgram`: the kernels' own and tfjs's hidden pack, unpack and reshape conversions; `byProgram` counts them by their inputs' names and output rank) and the tensors whose values it uploads from the CPU to textures (inputs, and weights the first time). */
  webgl?: { programs: number; uploads: number; byProgram: Record<string, number> };
  /** WebGL only: the run split into uploading, issuing, executing and reading back (`splitWebGL`, `runs` runs of each experiment). */
  split?: WebGLSplit;
  /** tf.memory().numTensors before the runs and after the profiled run and the kernel chains. */
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** The tfjs flags evaluated so far (WEBGL_PACK, WEBGL_DISJOINT_QUERY_TIMER_EXTENSION_RELIABLE, ...). */
  flags: Record<string, unknown>;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Blank views of the model's clip shape (what `warmUp` runs). */
export function blankViews(manifest: WebModelManifest): ClipViews {
  const t = framePlan(manifest, 1000).clips[0].length;
  const [w, h] = manifest.pipeline.size;
  const v = pipelineViews(manifest.pipeline);
  const views: ClipViews = { data: new Float32Array(v * t * h * w * 3), shape: [v, t, h, w, 3] };
  if (manifest.trajectories.source === 'tvl1') views.flows = new Float32Array(v * 2 * (t - 1) * h * w * 2);
  return views;
}

/** Runs the model stage `runs` times on `views` (after the warm-up), then profiles one run. */
export async function benchmarkModel(recognizer: Recognizer, views: ClipViews, runs: number): Promise<ModelBenchmark> {
  const numTensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  const forwardCalls: number[] = [];
  let inForward = 0;
  const timedRecognizer: Recognizer = {
    ...recognizer,
    forward(input, training) {
      const started = performance.now();
      const output = recognizer.forward(input, training);
      inForward += performance.now() - started;
      return output;
    },
  };
  for (let i = 0; i < runs; i++) {
    inForward = 0;
    const started = performance.now();
    await classifyModel(timedRecognizer, views);
    times.push(performance.now() - started);
    forwardCalls.push(inForward);
  }
  const chains: number[] = [];
  for (let i = 0; i < 6; i++) chains.push(await kernelChainMs());
  const dispatchMs = median(chains.slice(1)) / DISPATCH_CHAIN;
  const webgl = tf.getBackend() === 'webgl' ? await countWebGLPrograms(() => classifyModel(recognizer, views)) : undefined;
  const split = tf.getBackend() === 'webgl' ? await splitWebGL(recognizer, views, runs, classifyModel) : undefined;
  const started = performance.now();
  const profile = await tf.profile(async () => {
    await classifyModel(recognizer, views);
  });
  const profiledMs = performance.now() - started;
  const byName = new Map<string, { name: string; count: number; milliseconds: number }>();
  const trace: ModelBenchmark['trace'] = [];
  for (const kernel of profile.kernels) {
    const entry = byName.get(kernel.name) ?? { name: kernel.name, count: 0, milliseconds: 0 };
    entry.count++;
    const time = await kernel.kernelTimeMs;
    const milliseconds = typeof time === 'number' ? time : Number.NaN;
    entry.milliseconds += milliseconds;
    byName.set(kernel.name, entry);
    trace.push({ name: kernel.name, milliseconds, inputs: kernel.inputShapes, outputs: kernel.outputShapes });
  }
  const kernels = [...byName.values()].sort((a, b) => b.milliseconds - a.milliseconds);
  return { backend: tf.getBackend(), runs: times, median: median(times), forwardCalls, kernels, kernelCount: profile.kernels.length, profiledMs, trace, dispatchMs, webgl, split, flags: { ...tf.env().getFlags() }, numTensorsBefore, numTensorsAfter: tf.memory().numTensors };
}

const DISPATCH_CHAIN = 100;

/** Milliseconds of DISPATCH_CHAIN chained adds on a 1024-vector, read back once (tensors disposed). */
async function kernelChainMs(): Promise<number> {
  const started = performance.now();
  const one = tf.ones([1024]);
  let y = tf.zeros([1024]);
  for (let i = 0; i < DISPATCH_CHAIN; i++) {
    const next = tf.add(y, one);
    y.dispose();
    y = next;
  }
  const values = await y.data();
  tf.dispose([y, one]);
  if (values[0] !== DISPATCH_CHAIN) throw new Error(`the kernel chain gave ${values[0]}, not ${DISPATCH_CHAIN}`);
  return performance.now() - started;
}

/** The methods of tfjs-backend-webgl's MathBackendWebGL counted here. */
interface CountedWebGLBackend {
  runWebGLProgram(...args: unknown[]): unknown;
  uploadToGPU(dataId: unknown): void;
  texData: { get(dataId: unknown): { texture?: unknown; values?: unknown } | undefined };
}

/** Counts the WebGL programs `work` draws and the tensors it uploads (by wrapping the backend's methods for its duration). */
async function countWebGLPrograms(work: () => Promise<unknown>): Promise<NonNullable<ModelBenchmark['webgl']>> {
  const backend = tf.backend() as unknown as CountedWebGLBackend;
  const [run, upload] = [backend.runWebGLProgram, backend.uploadToGPU];
  const counted = { programs: 0, uploads: 0, byProgram: {} as Record<string, number> };
  backend.runWebGLProgram = function (...args) {
    counted.programs++;
    // tfjs's programs are classes (MatMulProgram, ...); ours are plain objects, named by their first input
    // (tfjs's program classes are minified in the page: named by their inputs and output rank)
    const program = args[0] as { variableNames?: string[]; outputShape?: number[] };
    const name = `(${program.variableNames?.join(', ')}) -> rank ${program.outputShape?.length}`;
    counted.byProgram[name] = (counted.byProgram[name] ?? 0) + 1;
    return run.apply(this, args);
  };
  backend.uploadToGPU = function (dataId) {
    const data = this.texData.get(dataId);
    if (data?.texture == null && data?.values != null) counted.uploads++;
    upload.call(this, dataId);
  };
  try {
    await work();
  } finally {
    // the wrappers are own properties over the prototype's methods
    delete (backend as Partial<CountedWebGLBackend>).runWebGLProgram;
    delete (backend as Partial<CountedWebGLBackend>).uploadToGPU;
    if (backend.runWebGLProgram !== run || backend.uploadToGPU !== upload) Object.assign(backend, { runWebGLProgram: run, uploadToGPU: upload });
  }
  return counted;
}
