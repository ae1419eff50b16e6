/**
 * Median filter of a float image (odd square window, replicated borders)
 * without sorting every window: along a row, the window is kept sorted and
 * each step right merges in the entering column and drops the leaving one
 * (both pre-sorted), so a 5x5 window costs about 30 comparisons instead of a
 * sort of 25 values. Values must be finite (flow components are): the
 * leaving values are found by equality.
 */
import { Tvl1Error } from './errors.js';

/** Scratch buffers, reused between calls of the same size. */
let scratch = { size: 0, columns: new Float64Array(0), window: new Float64Array(0), next: new Float64Array(0) };

function buffers(width: number, size: number) {
  const columns = (width + size - 1) * size;
  if (scratch.size !== size || scratch.columns.length < columns) {
    scratch = { size, columns: new Float64Array(columns), window: new Float64Array(size * size), next: new Float64Array(size * size) };
  }
  return scratch;
}

/** out[i] = median of the size x size window around pixel i (size odd; out must not alias src). */
export function medianFilter(src: Float32Array, width: number, height: number, size: number, out: Float32Array): void {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new Tvl1Error('BAD_ARGUMENT', `size must be a positive odd integer, got ${size}`, { path: 'medianFilter' });
  const r = (size - 1) >> 1;
  const area = size * size;
  const mid = area >> 1;
  const b = buffers(width, size);
  const cols = b.columns;
  let win = b.window;
  let next = b.next;
  for (let y = 0; y < height; y++) {
    // every (border-padded) column of this row's windows, sorted by insertion
    for (let c = 0; c < width + 2 * r; c++) {
      const x = c - r < 0 ? 0 : c - r >= width ? width - 1 : c - r;
      const base = c * size;
      for (let j = 0; j < size; j++) {
        const yy = y + j - r < 0 ? 0 : y + j - r >= height ? height - 1 : y + j - r;
        const v = src[yy * width + x];
        let t = base + j;
        while (t > base && cols[t - 1] > v) {
          cols[t] = cols[t - 1];
          t--;
        }
        cols[t] = v;
      }
    }
    win.set(cols.subarray(0, area));
    win.sort();
    out[y * width] = win[mid];
    for (let x = 1; x < width; x++) {
      let leave = (x - 1) * size;
      const leaveEnd = leave + size;
      let enter = (x - 1 + size) * size;
      const enterEnd = enter + size;
      let t = 0;
      for (let i = 0; i < area; i++) {
        const v = win[i];
        if (leave < leaveEnd && v === cols[leave]) {
          leave++;
          continue;
        }
        while (enter < enterEnd && cols[enter] < v) next[t++] = cols[enter++];
        next[t++] = v;
      }
      while (enter < enterEnd) next[t++] = cols[enter++];
      const swap = win;
      win = next;
      next = swap;
      out[y * width + x] = win[mid];
    }
  }
}
