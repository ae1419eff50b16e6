import { VideoIOError } from './errors.js';
import type { Size } from './ffmpeg/decode.js';

/** 'WIDTHxHEIGHT' (e.g. '340x256', as CLI flags take it) -> { width, height }. */
export function parseSize(text: string, what = '--resize'): Size {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (m == null || Number(m[1]) < 1 || Number(m[2]) < 1) throw new VideoIOError('BAD_ARGUMENT', `expected WIDTHxHEIGHT such as 340x256, got '${text}'`, { path: what });
  return { width: Number(m[1]), height: Number(m[2]) };
}
