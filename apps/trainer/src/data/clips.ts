/**
 * One training/test view of a sample: T frames (segment sampling, as TSN and
 * the paper), cropped and resized to size x size, normalised; plus, when the
 * model follows trajectories, the TV-L1 flows between consecutive sampled
 * frames in both directions (cached on disk, keyed by sample, frames and size).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type FlowPool, resolveOptions } from '@trajectorynet/tvl1-flow';
import {
  cropBox,
  type CropKind,
  framesToFloat,
  IMAGENET_MEAN,
  IMAGENET_STD,
  readFrameFolder,
  readFrames,
  renderSyntheticClip,
  type Random,
  segmentIndices,
  type SyntheticSample,
  writeFileAtomic,
  countFrames,
  detectFrameTemplate,
} from '@trajectorynet/video-io';
import type { AnySample } from './datasets.js';

const TVL1_SETTINGS = JSON.stringify(resolveOptions({}));

export interface ViewOptions {
  frames: number;
  size: number;
  mode: 'train' | 'test';
  random: Random;
  /** Test time: which crop of a three-crop. */
  crop?: CropKind;
  /** Test time: where in each segment to take the frame (0..1, default the centre). */
  testPosition?: number;
  /** Compute flows with this pool (trajectory models). */
  flowPool?: FlowPool;
  cacheDir?: string;
}

export interface View {
  clip: Float32Array;
  flows?: Float32Array;
}

/** rgb24 frames of the sampled indices, at their stored size. */
async function sampleFrames(sample: AnySample, options: ViewOptions): Promise<{ width: number; height: number; frames: Uint8Array[]; key: string }> {
  if (sample.kind === 'synthetic') {
    const rendered = renderSyntheticClip(sample as SyntheticSample);
    return { ...rendered, key: `${sample.path}:${(sample as SyntheticSample).synthetic.seed}` };
  }
  const template = sample.kind === 'frames' ? (detectFrameTemplate(sample.path) ?? undefined) : undefined;
  const count = sample.frameCount > 0 ? sample.frameCount : await countFrames(sample.path, { template });
  const indices = segmentIndices(count, options.frames, options.mode, options.random, options.testPosition);
  const decoded = sample.kind === 'frames' ? await readFrameFolder(sample.path, { indices, template }) : await readFrames(sample.path, { indices });
  return { ...decoded, key: `${sample.path}:${indices.join(',')}` };
}

/** [2, T-1, H, W, 2]: forward flows then backward flows of consecutive frames (rgb24, size x size). */
async function computeFlows(frames: Uint8Array[], size: number, pool: FlowPool): Promise<Float32Array> {
  const t = frames.length;
  const plane = size * size * 2;
  const out = new Float32Array(2 * (t - 1) * plane);
  const frame = (i: number) => ({ data: frames[i], width: size, height: size, channels: 3 as const });
  await Promise.all(
    Array.from({ length: t - 1 }, (_, i) => i).flatMap((i) => [
      pool.compute(frame(i), frame(i + 1), {}).then((f) => interleave(f.u, f.v, out, i * plane)),
      pool.compute(frame(i + 1), frame(i), {}).then((f) => interleave(f.u, f.v, out, (t - 1 + i) * plane)),
    ]),
  );
  return out;
}

function interleave(u: Float32Array, v: Float32Array, out: Float32Array, offset: number): void {
  for (let p = 0; p < u.length; p++) {
    out[offset + 2 * p] = u[p];
    out[offset + 2 * p + 1] = v[p];
  }
}

export async function loadView(sample: AnySample, options: ViewOptions): Promise<View> {
  const { width, height, frames, key } = await sampleFrames(sample, options);
  const kind: CropKind = options.crop ?? (options.mode === 'train' && sample.kind !== 'synthetic' ? 'multiscale' : 'centre');
  const box = sample.kind === 'synthetic' ? cropBox('full', width, height) : cropBox(kind, width, height, options.random);
  const transform = { box, outWidth: options.size, outHeight: options.size, flip: false, mean: IMAGENET_MEAN, std: IMAGENET_STD };
  const clip = new Float32Array(frames.length * options.size * options.size * 3);
  framesToFloat(frames, width, height, transform, clip);
  if (options.flowPool == null) return { clip };

  // flows are computed on the same crop, resized to the network's input size, as 8-bit RGB
  const resized = frames.map((f) => {
    const floats = new Float32Array(options.size * options.size * 3);
    framesToFloat([f], width, height, { ...transform, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }, floats);
    return Uint8Array.from(floats, (v) => Math.max(0, Math.min(255, Math.round(v))));
  });
  // the TV-L1 settings are part of the key: flows of another default are not reused
  const cacheKey = createHash('sha1').update(`${key}|${box.x},${box.y},${box.width},${box.height}|${options.size}|${TVL1_SETTINGS}`).digest('hex');
  const cacheFile = options.cacheDir != null ? path.join(options.cacheDir, cacheKey.slice(0, 2), `${cacheKey}.f32`) : null;
  if (cacheFile != null && existsSync(cacheFile)) {
    const bytes = await readFile(cacheFile);
    if (bytes.byteLength === 2 * (frames.length - 1) * options.size * options.size * 2 * 4) {
      return { clip, flows: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
    }
  }
  const flows = await computeFlows(resized, options.size, options.flowPool);
  if (cacheFile != null) await writeFileAtomic(cacheFile, new Uint8Array(flows.buffer, flows.byteOffset, flows.byteLength));
  return { clip, flows };
}
