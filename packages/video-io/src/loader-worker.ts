/** Worker-thread entry of the loader (core's pool): `loadClip` for one sample, the clip moved back. */
import { randomFromState, type RandomState } from '@trajectorynet/core';
import { defineWorker } from '@trajectorynet/core/node';
import type { Sample } from './datasets/manifests.js';
import type { LoadedClip } from './loader.js';
import { type ClipPipeline, loadClip } from './pipeline/clip-pipeline.js';

export interface ClipTask {
  sample: Sample;
  pipeline: ClipPipeline;
  /** The sample's random stream (from the run seed, epoch and index), so results do not depend on the thread. */
  random: RandomState;
}

export const loadClipTask = (task: ClipTask): Promise<LoadedClip> => loadClip(task.sample, task.pipeline, randomFromState(task.random));

export default defineWorker(loadClipTask, (clip: LoadedClip) => [clip.data.buffer as ArrayBuffer, ...(clip.flows != null ? [clip.flows.buffer as ArrayBuffer] : [])]);
