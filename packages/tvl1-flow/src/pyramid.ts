/**
 * The coarse-to-fine pyramid: each level is the previous one blurred
 * (IPOL: sigma 0.6 sqrt(1/zoom^2 - 1); OpenCV's preset resizes directly) and
 * resampled by the zoom factor, until the shorter side would fall under
 * `minSize` (but at least `minLevels` levels); and the flow carried from one
 * level to the next finer one.
 */
import { gaussianBlur, resize } from './image.js';
import type { Tvl1Settings } from './options.js';

export interface Level {
  width: number;
  height: number;
  I0: Float32Array;
  I1: Float32Array;
}

/** Finest first. */
export function buildPyramid(I0: Float32Array, I1: Float32Array, width: number, height: number, s: Tvl1Settings): Level[] {
  const levels: Level[] = [{ width, height, I0, I1 }];
  const sigma = s.preset === 'opencv' ? 0 : 0.6 * Math.sqrt(1 / (s.zoom * s.zoom) - 1);
  while (levels.length < s.scales) {
    const prev = levels[levels.length - 1];
    const w = Math.round(width * s.zoom ** levels.length);
    const h = Math.round(height * s.zoom ** levels.length);
    if (Math.min(w, h) < 1 || (Math.min(w, h) < s.minSize && levels.length >= s.minLevels)) break;
    const shrink = (img: Float32Array) => resize(sigma > 0 ? gaussianBlur(img, prev.width, prev.height, sigma) : img, prev.width, prev.height, w, h);
    levels.push({ width: w, height: h, I0: shrink(prev.I0), I1: shrink(prev.I1) });
  }
  return levels;
}

/** A flow component resampled to the finer level's size and scaled to its pixels. */
export function upsampleFlow(f: Float32Array, from: { width: number; height: number }, to: { width: number; height: number }, horizontal: boolean): Float32Array {
  const out = resize(f, from.width, from.height, to.width, to.height);
  const scale = horizontal ? to.width / from.width : to.height / from.height;
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}
