/**
 * Synthetic pairs with known flow, made from a real image: a rotation about
 * the centre and a smooth sinusoidal warp. frame1 is sampled from the full
 * FlyingChairs image (bicubic, written here independently of the package), so
 * content entering the 128x128 crop is real; the ground truth follows the
 * package's convention frame1(x + f(x)) = frame0(x).
 */
import path from 'node:path';
import { readImage } from '@trajectorynet/video-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { tvl1 } from '../src/index.js';
import { DATA } from './data.js';

interface Image {
  width: number;
  height: number;
  data: Float32Array;
}

const SIZE = 128;
const MARGIN = Math.round(0.1 * SIZE);
let full: Image;
// top-left corner of the crop in the full image
const [OX, OY] = [200, 140];

function cubicWeights(t: number): number[] {
  // Keys' kernel, a = -0.5
  const k = (x: number) => {
    const a = Math.abs(x);
    return a <= 1 ? 1.5 * a ** 3 - 2.5 * a ** 2 + 1 : a < 2 ? -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2 : 0;
  };
  return [k(1 + t), k(t), k(1 - t), k(2 - t)];
}

function bicubic(img: Image, x: number, y: number): number {
  const [x0, y0] = [Math.floor(x), Math.floor(y)];
  const [wx, wy] = [cubicWeights(x - x0), cubicWeights(y - y0)];
  let sum = 0;
  for (let j = 0; j < 4; j++)
    for (let i = 0; i < 4; i++) {
      const xx = Math.min(img.width - 1, Math.max(0, x0 - 1 + i));
      const yy = Math.min(img.height - 1, Math.max(0, y0 - 1 + j));
      sum += wx[i] * wy[j] * img.data[yy * img.width + xx];
    }
  return sum;
}

/** frame0 = the crop; frame1(p) = full image at the crop point that moves to p. */
function makePair(source: (px: number, py: number) => [number, number]) {
  const frame0 = new Float32Array(SIZE * SIZE);
  const frame1 = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      frame0[y * SIZE + x] = full.data[(OY + y) * full.width + OX + x];
      const [sx, sy] = source(x, y);
      frame1[y * SIZE + x] = bicubic(full, OX + sx, OY + sy);
    }
  const frame = (data: Float32Array) => ({ data, width: SIZE, height: SIZE, channels: 1 as const });
  return tvl1(frame(frame0), frame(frame1));
}

/** Mean end-point error inside the 10% margin. */
function interiorEpe(flow: { u: Float32Array; v: Float32Array }, truth: (x: number, y: number) => [number, number]): number {
  let sum = 0;
  let n = 0;
  for (let y = MARGIN; y < SIZE - MARGIN; y++)
    for (let x = MARGIN; x < SIZE - MARGIN; x++) {
      const [u, v] = truth(x, y);
      sum += Math.hypot(flow.u[y * SIZE + x] - u, flow.v[y * SIZE + x] - v);
      n += 1;
    }
  return sum / n;
}

beforeAll(async () => {
  const rgb = await readImage(path.join(DATA, 'flow/flyingchairs/0000001-img0.ppm'));
  const data = new Float32Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = 0.299 * rgb.data[3 * i] + 0.587 * rgb.data[3 * i + 1] + 0.114 * rgb.data[3 * i + 2];
  full = { width: rgb.width, height: rgb.height, data };
});

describe('tvl1 on synthetic pairs with known flow (default configuration)', () => {
  it.each([3, -5])('a rotation by %i degrees about the centre: mean EPE < 0.3 px away from the borders', (degrees) => {
    const a = (degrees * Math.PI) / 180;
    const [c, s] = [Math.cos(a), Math.sin(a)];
    const centre = (SIZE - 1) / 2;
    // x moves to centre + R (x - centre); frame1 at p shows frame0 at centre + R^-1 (p - centre)
    const truth = (x: number, y: number): [number, number] => [centre + c * (x - centre) - s * (y - centre) - x, centre + s * (x - centre) + c * (y - centre) - y];
    const source = (px: number, py: number): [number, number] => [centre + c * (px - centre) + s * (py - centre), centre - s * (px - centre) + c * (py - centre)];
    const flow = makePair(source);
    const epe = interiorEpe(flow, truth);
    // the largest displacement inside the margin is several pixels, so a zero flow is far off
    expect(interiorEpe({ u: new Float32Array(SIZE * SIZE), v: new Float32Array(SIZE * SIZE) }, truth)).toBeGreaterThan(2);
    expect(epe).toBeLessThan(0.3);
  });

  it('a smooth sinusoidal warp: mean EPE < 0.3 px away from the borders', () => {
    // frame1 at p shows frame0 at p - d(p), so the flow f at x solves f(x) = d(x + f(x)) (fixed point: |grad d| < 1)
    const d = (px: number, py: number): [number, number] => [2.5 * Math.sin((2 * Math.PI * py) / 150 + 0.4), 2 * Math.cos((2 * Math.PI * px) / 195) + 1.5 * Math.sin((2 * Math.PI * py) / 110)];
    const truth = (x: number, y: number): [number, number] => {
      let [u, v] = [0, 0];
      for (let k = 0; k < 50; k++) [u, v] = d(x + u, y + v);
      return [u, v];
    };
    const flow = makePair((px, py) => {
      const [dx, dy] = d(px, py);
      return [px - dx, py - dy];
    });
    // the fixed point is reached: x + f(x) - d(x + f(x)) = x
    const [u, v] = truth(40, 50);
    const [dx, dy] = d(40 + u, 50 + v);
    expect(Math.hypot(40 + u - dx - 40, 50 + v - dy - 50)).toBeLessThan(1e-9);
    expect(interiorEpe({ u: new Float32Array(SIZE * SIZE), v: new Float32Array(SIZE * SIZE) }, truth)).toBeGreaterThan(1.5);
    const epe = interiorEpe(flow, truth);
    expect(epe).toBeLessThan(0.3);
  });
});
