/**
 * A clip pipeline as plain JSON (so a worker thread can receive it): which
 * frames to sample, how to decode, crop, flip and normalise them. `loadClip`
 * applies it to one sample in Node (decoding here, the rest in views.ts,
 * which browsers share); the loader runs it in this thread or in workers,
 * with the same results for the same random stream.
 */
import path from 'node:path';
import type { Sample } from '../datasets/manifests.js';
import { renderSyntheticClip } from '../datasets/synthetic.js';
import { VideoIOError } from '../errors.js';
import { readFrames, type Size } from '../ffmpeg/decode.js';
import { probeVideo } from '../ffmpeg/probe.js';
import { countFolderFrames, DEFAULT_TEMPLATE, detectFrameTemplate, frameFileName, readFrameFolder, readImage } from '../frames/folder.js';
import type { LoadedClip } from '../loader.js';
import { pairFlows } from './clip-flows.js';
import type { Random } from './sampling.js';
import { type ClipPipeline, clipFromFrames, clipIndices, type DecodedClips, shorterSide } from './views.js';

/** Frame count and (when resizing) stored frame size, read as cheaply as the sample allows. */
async function measure(sample: Exclude<Sample, { kind: 'synthetic' }>, template: string, needSize: boolean): Promise<{ frameCount: number; size?: Size }> {
  if (sample.kind === 'video') {
    if (sample.frameCount > 0 && !needSize) return { frameCount: sample.frameCount };
    const info = await probeVideo(sample.path);
    return { frameCount: sample.frameCount > 0 ? sample.frameCount : info.frameCount, size: info };
  }
  const frameCount = sample.frameCount > 0 ? sample.frameCount : await countFolderFrames(sample.path, template);
  return { frameCount, size: needSize ? await readImage(path.join(sample.path, frameFileName(template, 0))) : undefined };
}

/** The decoded frames and, per clip, its video frame numbers and their positions in `frames`. */
async function decode(sample: Sample, p: ClipPipeline, random: Random): Promise<DecodedClips> {
  if (sample.kind === 'synthetic') {
    if (p.resizeShorter != null) throw new VideoIOError('BAD_ARGUMENT', 'resizeShorter is not supported for synthetic samples (render them at the size you want)', { path: sample.path });
    const rendered = renderSyntheticClip(sample);
    return { frames: rendered, clips: clipIndices(p, rendered.frames.length, random).map((indices) => ({ indices, positions: indices })) };
  }
  const template = p.template ?? (sample.kind === 'frames' ? detectFrameTemplate(sample.path) : null) ?? DEFAULT_TEMPLATE;
  const { frameCount, size } = await measure(sample, template, p.resizeShorter != null);
  const resize = size != null && p.resizeShorter != null ? shorterSide(size, p.resizeShorter) : undefined;
  const clips = clipIndices(p, frameCount, random);
  const unique = [...new Set(clips.flat())].sort((a, b) => a - b);
  const frames = sample.kind === 'frames' ? await readFrameFolder(sample.path, { indices: unique, template, resize }) : await readFrames(sample.path, { indices: unique, resize });
  return { frames, clips: clips.map((indices) => ({ indices, positions: indices.map((i) => unique.indexOf(i)) })) };
}

/**
 * One sample through the pipeline: a float clip of `pipelineShape(pipeline)`.
 * Random choices (frames, crops, flips) come from `random` in a fixed order,
 * so the same stream gives the same clip in any thread. Errors name the sample's path.
 */
export async function loadClip(sample: Sample, pipeline: ClipPipeline, random: Random): Promise<LoadedClip> {
  try {
    const decoded = await decode(sample, pipeline, random);
    const pairs = pipeline.flows != null ? pairFlows(sample, pipeline.flows) : null;
    const { data, shape, flows } = await clipFromFrames(decoded, pipeline, random, pairs);
    return { data, shape, label: sample.label, flows };
  } catch (error) {
    if (error instanceof VideoIOError) throw error;
    throw new VideoIOError('CORRUPT', `cannot load the sample: ${(error as Error).message}`, { path: sample.path, cause: error });
  }
}
