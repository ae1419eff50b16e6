/**
 * From decoded rgb24 frames to one normalised float32 clip in NTHWC order:
 * crop box (random, centre, three-crop, TSN multi-scale), bilinear resize of
 * the box to the output size, optional horizontal flip, mean/std normalise.
 * One pass per frame over typed arrays; no per-pixel allocation.
 */
import type { Random } from './sampling.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type CropKind = 'centre' | 'random' | 'multiscale' | 'three-left' | 'three-centre' | 'three-right' | 'full';

/** TSN multi-scale crop scales (of the shorter side). */
export const MULTISCALE = [1, 0.875, 0.75, 0.66];

/** The crop box of a `width` x `height` frame: square of the shorter side (or a TSN scale of it). */
export function cropBox(kind: CropKind, width: number, height: number, random: Random = Math.random): Box {
  const short = Math.min(width, height);
  if (kind === 'full') return { x: 0, y: 0, width, height };
  if (kind === 'multiscale') {
    const w = Math.round(short * MULTISCALE[Math.floor(random() * MULTISCALE.length)]);
    const h = Math.round(short * MULTISCALE[Math.floor(random() * MULTISCALE.length)]);
    return { x: Math.floor(random() * (width - w + 1)), y: Math.floor(random() * (height - h + 1)), width: w, height: h };
  }
  const free = { x: width - short, y: height - short };
  switch (kind) {
    case 'random':
      return { x: Math.floor(random() * (free.x + 1)), y: Math.floor(random() * (free.y + 1)), width: short, height: short };
    case 'three-left':
      return { x: 0, y: 0, width: short, height: short };
    case 'three-right':
      return { x: free.x, y: free.y, width: short, height: short };
    default:
      return { x: Math.floor(free.x / 2), y: Math.floor(free.y / 2), width: short, height: short };
  }
}

export interface ClipTransform {
  box: Box;
  outWidth: number;
  outHeight: number;
  flip: boolean;
  /** Per-channel mean and std of the 0..1 scaled pixels. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** ImageNet statistics (what the inflated ResNet weights expect). */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/**
 * Writes frames (rgb24, `width` x `height`) into `out` at `offset` as
 * [T, outHeight, outWidth, 3] floats; returns the number of floats written.
 */
export function framesToFloat(frames: Uint8Array[], width: number, height: number, t: ClipTransform, out: Float32Array, offset = 0): number {
  const { box, outWidth: ow, outHeight: oh } = t;
  const sx = box.width / ow;
  const sy = box.height / oh;
  const scale = [1 / (255 * t.std[0]), 1 / (255 * t.std[1]), 1 / (255 * t.std[2])];
  const shift = [t.mean[0] / t.std[0], t.mean[1] / t.std[1], t.mean[2] / t.std[2]];
  // source coordinates of each output column/row (pixel centres), precomputed
  const x0s = new Int32Array(ow);
  const fxs = new Float32Array(ow);
  for (let x = 0; x < ow; x++) {
    const sxPos = Math.min(Math.max(box.x + (x + 0.5) * sx - 0.5, 0), width - 1);
    x0s[x] = Math.min(Math.floor(sxPos), Math.max(0, width - 2));
    fxs[x] = sxPos - x0s[x];
  }
  let o = offset;
  for (const frame of frames) {
    for (let y = 0; y < oh; y++) {
      const syPos = Math.min(Math.max(box.y + (y + 0.5) * sy - 0.5, 0), height - 1);
      const y0 = Math.min(Math.floor(syPos), Math.max(0, height - 2));
      const fy = syPos - y0;
      const y1 = Math.min(y0 + 1, height - 1);
      for (let xo = 0; xo < ow; xo++) {
        const x = t.flip ? ow - 1 - xo : xo;
        const xa = x0s[x];
        const xb = Math.min(xa + 1, width - 1);
        const fx = fxs[x];
        const a = (y0 * width + xa) * 3;
        const b = (y0 * width + xb) * 3;
        const c = (y1 * width + xa) * 3;
        const d = (y1 * width + xb) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const top = frame[a + ch] + fx * (frame[b + ch] - frame[a + ch]);
          const bottom = frame[c + ch] + fx * (frame[d + ch] - frame[c + ch]);
          out[o++] = (top + fy * (bottom - top)) * scale[ch] - shift[ch];
        }
      }
    }
  }
  return o - offset;
}
