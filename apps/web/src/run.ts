/**
 * One video through a loaded model, stage by stage, as `trajectorynet
 * predict` does in Node: the test pipeline's frames (decoded by the browser),
 * TV-L1 of the pairs its clips chain through (Web Workers), the clip views,
 * the recognizer, the mean softmax. Each stage is timed.
 */
import type { Flow } from '@trajectorynet/core';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type Classification, type ClipViews, classifyViews, clipViews, type FramePlan, framePlan, type WebModelManifest } from '@trajectorynet/training/web';
import { pipelineViews } from '@trajectorynet/video-io';
import { type DecodedFrames, decodeFrames, openVideo } from './decode.js';
import { createFlowPool, type FlowPool } from './flows.js';

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
  const classification = await timed(timings, 'model (tfjs)', () => classifyViews(recognizer, views));
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

/**
 * Runs the model once on blank views of the clip's shape and returns how long
 * it took. WebGL compiles a shader program for every new op and shape on first
 * use (seconds on a software rasteriser); doing it when the model loads keeps
 * it out of the first video's model time. Every backend gets the same warm-up.
 */
export async function warmUp(recognizer: Recognizer, manifest: WebModelManifest): Promise<number> {
  const started = performance.now();
  const t = framePlan(manifest, 1000).clips[0].length;
  const [w, h] = manifest.pipeline.size;
  const v = pipelineViews(manifest.pipeline);
  const views: ClipViews = { data: new Float32Array(v * t * h * w * 3), shape: [v, t, h, w, 3] };
  if (manifest.trajectories.source === 'tvl1') views.flows = new Float32Array(v * 2 * (t - 1) * h * w * 2);
  await classifyViews(recognizer, views);
  return performance.now() - started;
}
