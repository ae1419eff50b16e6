import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import { structureTexture } from '../src/texture.js';

/**
 * Chambolle's ROF projection written independently (2D arrays of doubles,
 * gradient and divergence as separate functions): u = f - theta div p after
 * `iterations` steps of p = (p + tau grad(div p - f/theta)) / (1 + tau |.|).
 */
function naiveRof(f: number[][], theta: number, tau: number, iterations: number): number[][] {
  const h = f.length;
  const w = f[0].length;
  const zeros = () => f.map((row) => row.map(() => 0));
  let px = zeros();
  let py = zeros();
  const div = (qx: number[][], qy: number[][]) =>
    f.map((row, y) =>
      row.map((_, x) => {
        const dx = x === 0 ? qx[y][x] : x === w - 1 ? -qx[y][x - 1] : qx[y][x] - qx[y][x - 1];
        const dy = y === 0 ? qy[y][x] : y === h - 1 ? -qy[y - 1][x] : qy[y][x] - qy[y - 1][x];
        return dx + dy;
      }),
    );
  for (let k = 0; k < iterations; k++) {
    const d = div(px, py);
    const t = f.map((row, y) => row.map((v, x) => d[y][x] - v / theta));
    const gx = t.map((row, y) => row.map((v, x) => (x < w - 1 ? t[y][x + 1] - v : 0)));
    const gy = t.map((row, y) => row.map((v, x) => (y < h - 1 ? t[y + 1][x] - v : 0)));
    const norm = gx.map((row, y) => row.map((v, x) => 1 + tau * Math.hypot(v, gy[y][x])));
    px = px.map((row, y) => row.map((v, x) => (v + tau * gx[y][x]) / norm[y][x]));
    py = py.map((row, y) => row.map((v, x) => (v + tau * gy[y][x]) / norm[y][x]));
  }
  const d = div(px, py);
  return f.map((row, y) => row.map((v, x) => v - theta * d[y][x]));
}

describe('structureTexture', () => {
  it.each([
    [true, 0.125],
    [false, 0.125],
    [true, 16],
    [false, 16],
  ])('equals f - alpha * ROF(f) from an independent ROF solver, on random images of random sizes (SIMD %s, theta %d)', (simd, theta) => {
    const rand = seededRandom(42);
    for (let trial = 0; trial < 6; trial++) {
      const width = 3 + Math.floor(rand() * 20);
      const height = 3 + Math.floor(rand() * 15);
      const a = new Float32Array(width * height).map(() => 255 * rand());
      const b = new Float32Array(width * height).map((_, i) => (i % width) * 4 + 30 * rand());
      const alpha = 0.95;
      const [ta, tb] = structureTexture(a, b, width, height, alpha, { simd, theta });
      for (const [f, t] of [[a, ta], [b, tb]]) {
        const rows = Array.from({ length: height }, (_, y) => Array.from(f.subarray(y * width, (y + 1) * width)));
        const structure = naiveRof(rows, theta, 0.25, 50).flat();
        // float32 storage against doubles over 50 iterations on values up to 255
        const worst = Math.max(...structure.map((s, i) => Math.abs(f[i] - alpha * s - t[i])));
        expect(worst).toBeLessThan(1e-3);
      }
    }
  });

  it('theta sets how much it removes: at 0.125 at most alpha * 4 theta = 0.475 grey levels of a [0, 255] image, at 16 the shading', () => {
    // a smooth ramp (shading) plus a fine checkerboard (texture)
    const [w, h] = [40, 30];
    const f = new Float32Array(w * h).map((_, i) => 2 * (i % w) + 3 * Math.floor(i / w) + ((i % w) + Math.floor(i / w)) % 2 * 20);
    const removed = (theta: number) => {
      const [t] = structureTexture(f, f, w, h, 0.95, { theta });
      return Math.max(...t.map((v, i) => Math.abs(v - 0.05 * f[i])));
    };
    // texture - (1 - alpha) f = alpha (f - structure): what the split keeps beyond the scaled frame
    expect(removed(0.125)).toBeLessThanOrEqual(0.95 * 4 * 0.125 + 1e-3);
    // ramp left in the texture part (spread along a row, same checker parity) against the checkerboard's amplitude in it
    const rampToTexture = (theta: number) => {
      const [t] = structureTexture(f, f, w, h, 0.95, { theta });
      const row = (parity: number) => Array.from({ length: (w - 10) / 2 }, (_, k) => t[15 * w + 5 + 2 * k + parity]);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      return (Math.max(...row(0)) - Math.min(...row(0))) / Math.abs(mean(row(1)) - mean(row(0)));
    };
    expect(rampToTexture(0.125)).toBeGreaterThan(1);
    expect(rampToTexture(16)).toBeLessThan(0.5);
  });

  it('keeps (1 - alpha) of a constant image, whose structure is itself', () => {
    const f = new Float32Array(12 * 9).fill(100);
    const [t] = structureTexture(f, f, 12, 9, 0.95);
    for (const v of t) expect(v).toBeCloseTo(5, 4);
  });
});
