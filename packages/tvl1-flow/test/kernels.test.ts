/**
 * The WebAssembly SIMD iteration (float32) against the JavaScript one (the
 * same fused pass in float64 arithmetic) on random data of random sizes,
 * widths that are not multiples of 4 included, over several iterations.
 */
import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { sampleBicubic } from '../src/image.js';
import { centredGradient } from '../src/image.js';
import { iterateJs, sampleThreeBicubic, warpJs } from '../src/solver.js';
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

describe('SIMD bicubic warp', () => {
  it('equals the JavaScript warp (float64) on random images and flows, inside, near and beyond the borders, with and without ignoreOutside', () => {
    const k = simdKernels();
    if (k == null) throw new Error('no WebAssembly SIMD');
    const rand = seededRandom(13);
    for (const [w, h] of [[1, 1], [2, 3], [4, 4], [5, 9], [17, 6], [40, 23]]) {
      const n = w * h;
      const I0 = new Float32Array(n).map(() => 255 * rand());
      const I1 = new Float32Array(n).map(() => 255 * rand());
      const [I1x, I1y] = [new Float32Array(n), new Float32Array(n)];
      centredGradient(I1, w, h, I1x, I1y);
      // flows from small to beyond the frame: a quarter of the points land outside
      const u1 = new Float32Array(n).map(() => (rand() < 0.25 ? 3 : 0.6) * w * (rand() - 0.5));
      const u2 = new Float32Array(n).map(() => (rand() < 0.25 ? 3 : 0.6) * h * (rand() - 0.5));
      for (const ignoreOutside of [false, true]) {
        const js = [0, 1, 2, 3, 4].map(() => new Float32Array(n));
        warpJs(I0, I1, I1x, I1y, w, h, u1, u2, true, ignoreOutside, js[0], js[1], js[2], js[3], js[4]);
        const { views, offsets: o } = simdArrays(k, [n, n, n, n, n, n, n, n, n, n, n]);
        for (const [i, v] of [I0, I1, I1x, I1y, u1, u2].entries()) views[i].set(v);
        views[10].fill(-1);
        k.warp(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], 1, w, h, ignoreOutside ? 1 : 0);
        const [gx, gy, ig, rc, warped] = views.slice(6);
        let outside = 0;
        for (let i = 0; i < n; i++) {
          // float32 against float64 arithmetic on values up to 255 (the residual also carries u times the gradient)
          expect(Math.abs(gx[i] - js[0][i])).toBeLessThan(2e-3);
          expect(Math.abs(gy[i] - js[1][i])).toBeLessThan(2e-3);
          expect(Math.abs(rc[i] - js[3][i])).toBeLessThan(2e-3 * (1 + Math.abs(u1[i]) + Math.abs(u2[i])));
          const g = js[0][i] ** 2 + js[1][i] ** 2;
          if (g > 1e-2) expect(Math.abs(ig[i] - js[2][i])).toBeLessThan(1e-3 * js[2][i]);
          else if (g === 0) expect(ig[i]).toBe(0);
          if (Number.isNaN(js[4][i])) {
            outside += 1;
            expect(warped[i]).toBeNaN();
          } else expect(Math.abs(warped[i] - js[4][i])).toBeLessThan(2e-3);
        }
        if (n > 4) expect(outside).toBeGreaterThan(0);
        // without hasWarped the warped image is not written
        views[10].fill(-1);
        k.warp(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], 0, w, h, ignoreOutside ? 1 : 0);
        expect(views[10].every((v) => v === -1)).toBe(true);
      }
    }
  });
});
