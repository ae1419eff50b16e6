/**
 * The WebAssembly SIMD iteration (float32) against the JavaScript one (the
 * same fused pass in float64 arithmetic) on random data of random sizes,
 * widths that are not multiples of 4 included, over several iterations.
 */
import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { sampleBicubic } from '../src/image.js';
import { iterateJs, sampleThreeBicubic } from '../src/solver.js';
import { simdArrays, simdKernels } from '../src/wasm/kernels.js';

describe('SIMD TV-L1 iteration', () => {
  it('is available in Node 20', () => {
    expect(simdKernels()).not.toBeNull();
  });

  it('equals the JavaScript iteration on random levels', () => {
    const k = simdKernels();
    if (k == null) throw new Error('no WebAssembly SIMD');
    const rand = seededRandom(5);
    for (const [w, h] of [[1, 1], [3, 2], [7, 5], [16, 9], [23, 17], [64, 3]]) {
      const n = w * h;
      const lengths = [n, n, n + 1, n + w, n + 1, n + w, n, n, n, n];
      const js = lengths.map((len) => new Float32Array(len));
      const [u1, u2, , , , , gx, gy, ig, rc] = js;
      for (let i = 0; i < n; i++) {
        u1[i] = 4 * rand() - 2;
        u2[i] = 4 * rand() - 2;
        gx[i] = 20 * rand() - 10;
        gy[i] = 20 * rand() - 10;
        ig[i] = rand() < 0.1 ? 0 : 1 / (gx[i] * gx[i] + gy[i] * gy[i]);
        rc[i] = 30 * rand() - 15;
      }
      const { views, offsets: o } = simdArrays(k, lengths);
      for (const [i, v] of views.entries()) v.set(js[i]);
      for (let it = 0; it < 10; it++) {
        const a = iterateJs(js[0], js[1], js[2], js[3], js[4], js[5], gx, gy, ig, rc, w, h, 0.045, 0.3, 0.25 / 0.3);
        const b = k.iterate(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], w, h, 0.045, 0.3, 0.25 / 0.3);
        expect(b).toBeCloseTo(a, 3);
      }
      // float32 against float64 arithmetic over 10 iterations on values of order 1
      for (let j = 0; j < 6; j++) for (let i = 0; i < lengths[j]; i++) expect(Math.abs(views[j][i] - js[j][i])).toBeLessThan(1e-4);
      // the zero padding of the dual variables stays zero
      expect(views[2][0]).toBe(0);
      expect(Array.from(views[3].subarray(0, w))).toEqual(new Array(w).fill(0));
    }
  });
});

describe('sampleThreeBicubic', () => {
  it('equals sampleBicubic on each of the three images, inside, near and beyond the borders', () => {
    const rand = seededRandom(9);
    for (const [w, h] of [[1, 1], [2, 3], [9, 7], [31, 12]]) {
      const images = [0, 1, 2].map(() => new Float32Array(w * h).map(() => 255 * rand()));
      const out = new Float64Array(3);
      for (let t = 0; t < 200; t++) {
        const [x, y] = [(w + 4) * rand() - 2, (h + 4) * rand() - 2];
        sampleThreeBicubic(images[0], images[1], images[2], w, h, x, y, out);
        for (let k = 0; k < 3; k++) expect(out[k]).toBeCloseTo(sampleBicubic(images[k], w, h, x, y), 9);
      }
    }
  });
});
