/**
 * Live mode: the camera's frames into a sliding clip (src/sliding-clip.ts),
 * classified over and over by the stages a video goes through after decoding
 * (`classifyClip`: TV-L1 on the flow workers, clip views, the model). Each
 * update takes the newest full window; pair flows solved for the previous
 * window are reused while both their frames are still in it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Flow } from '@trajectorynet/core';
import type { Recognizer } from '@trajectorynet/recognizer';
import { framePlan, type WebModelManifest } from '@trajectorynet/training/web';
import { type Camera, type CameraFrame, startCamera } from './camera.js';
import { createFlowPool, type FlowPool } from './flows.js';
import type { ClipResult } from './render.js';
import { classifyClip, type Timing } from './run.js';
import { livePipeline, liveWindow, SlidingClip } from './sliding-clip.js';

export interface LiveUpdate extends ClipResult {
  /** 1 for the first classification. */
  index: number;
  /** Capture number of the window's frame 0 (the plan's frame numbers are window positions). */
  start: number;
  /** Classifications per second over the last few updates (undefined after the first). */
  fps?: number;
  /** tf.memory().numTensors once the update is done. */
  numTensors: number;
  /** Every frame of the clip went through yuvToRgb (the CLI's pixels). */
  exact: boolean;
  format: string;
}

export interface LiveSession {
  readonly camera: Camera;
  /** Frames per clip window (consecutive captures). */
  readonly window: number;
  /** The flow workers (null for models without TV-L1). */
  readonly pool: FlowPool | null;
  /** Stops: the running update finishes, then the camera's tracks stop and the workers are closed. */
  stop(): Promise<void>;
}

/** Tensors alive in tfjs now (flat across updates when nothing leaks). */
export const numTensors = (): number => tf.memory().numTensors;

/** Updates averaged for the frames per second shown. */
const FPS_UPDATES = 5;

export async function startLive(
  recognizer: Recognizer,
  manifest: WebModelManifest,
  video: HTMLVideoElement,
  handlers: { onUpdate(update: LiveUpdate): void; onStatus(message: string): void; onError(error: unknown): void },
): Promise<LiveSession> {
  const live = { ...manifest, pipeline: livePipeline(manifest.pipeline) };
  const window = liveWindow(live.pipeline.sampling);
  const plan = framePlan(live, window);
  const clip = new SlidingClip<CameraFrame, Flow>(window);
  let wake: (() => void) | null = null;
  let running = true;
  const onFrame = (frame: CameraFrame) => {
    // a camera that changes its size mid-stream (some do when they start): start the window again
    const last = clip.newest;
    if (last != null && (last.width !== frame.width || last.height !== frame.height)) clip.clear();
    clip.push(frame);
    wake?.();
  };
  const camera = await startCamera(video, manifest.pipeline.resizeShorter, onFrame, (error) => fail(error));
  const pool = manifest.trajectories.source === 'tvl1' ? createFlowPool() : null;

  const updateTimes: number[] = [];
  const loop = async () => {
    let lastStart = -1;
    while (running) {
      const current = clip.snapshot();
      if (current == null || current.start === lastStart) {
        handlers.onStatus(`camera: ${clip.captured} frames captured, waiting for ${current == null ? `a full window of ${window}` : 'a new frame'}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      lastStart = current.start;
      const { start, frames: windowFrames } = current;
      const frames = { width: windowFrames[0].width, height: windowFrames[0].height, get: (i: number) => windowFrames[i].rgb };
      const flows = new Map<number, Flow>();
      for (const j of plan.pairs) {
        const kept = clip.flow(start + j);
        if (kept != null) flows.set(j, kept);
      }
      const timings: Timing[] = [];
      const result = await classifyClip(recognizer, live, plan, frames, pool, flows, timings, (m) => handlers.onStatus(`captures ${start}-${start + window - 1}: ${m}`));
      for (const [j, flow] of result.flows) clip.setFlow(start + j, flow);
      updateTimes.push(performance.now());
      if (updateTimes.length > FPS_UPDATES + 1) updateTimes.shift();
      const span = updateTimes[updateTimes.length - 1] - updateTimes[0];
      if (!running) break;
      handlers.onUpdate({
        plan,
        frames,
        flows: result.flows,
        classification: result.classification,
        timings,
        index: ++updates,
        start,
        fps: updateTimes.length > 1 && span > 0 ? ((updateTimes.length - 1) * 1000) / span : undefined,
        numTensors: numTensors(),
        exact: plan.clips[0].every((i) => windowFrames[i].exact),
        format: windowFrames[0].format,
      });
    }
  };
  let updates = 0;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      running = false;
      wake?.();
      await looping.catch(() => {});
      camera.stop();
      pool?.close();
    })();
    return stopping;
  };
  const fail = (error: unknown) => {
    if (!running) return;
    handlers.onError(error);
    void stop();
  };
  const looping = loop();
  looping.catch(fail);
  return { camera, window, pool, stop };
}
