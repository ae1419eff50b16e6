/**
 * The procedural generator: its ground-truth flow must carry frame t+1 back
 * onto frame t wherever the point stays visible, its occlusion masks must mark
 * the points that do not, and its streams must be repeatable and disjoint.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ProceduralSequence,
  type ProceduralTextureKind,
  proceduralSeed,
  proceduralStream,
  proceduralValidationSet,
  type RgbImage,
  readFrames,
  renderProceduralSequence,
} from '../src/index.js';
import { DATA } from './data.js';

let textures: RgbImage[] = [];

beforeAll(async () => {
  const { width, height, frames } = await readFrames(path.join(DATA, 'videos/test.mp4'), { indices: [0, 60, 120] });
  textures = frames.map((data) => ({ width, height, data }));
});

interface WarpErrors {
  /** Largest channel error of each visible pixel whose four bilinear neighbours in frame t+1 show the same layer. */
  visible: number[];
  /** The same for pixels marked occluded (and still inside the image). */
  occluded: number[];
}

/** Frame t+1 sampled bilinearly at p + flow(p) (+ a displacement), against frame t: written here, independently of the generator. */
function warpErrors(seq: ProceduralSequence, t: number, shiftX = 0): WarpErrors {
  const { width: W, height: H } = seq;
  const [a, b] = [seq.frames[t], seq.frames[t + 1]];
  const errors: WarpErrors = { visible: [], occluded: [] };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const [px, py] = [x + seq.flows[t].u[i] + shiftX, y + seq.flows[t].v[i]];
      const [x0, y0] = [Math.floor(px), Math.floor(py)];
      if (x0 < 0 || y0 < 0 || x0 + 1 >= W || y0 + 1 >= H) continue;
      const [fx, fy] = [px - x0, py - y0];
      let error = 0;
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => b[(yy * W + xx) * 3 + c];
        const warped = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        error = Math.max(error, Math.abs(warped - a[i * 3 + c]));
      }
      const layer = seq.segments[t][i];
      const sameLayer = [y0 * W + x0, y0 * W + x0 + 1, (y0 + 1) * W + x0, (y0 + 1) * W + x0 + 1].every((j) => seq.segments[t + 1][j] === layer);
      if (seq.occlusions[t][i] === 1) errors.occluded.push(error);
      else if (sameLayer) errors.visible.push(error);
    }
  }
  return errors;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('procedural sequences', () => {
  it('shapes, and the same seed renders the same sequence', () => {
    const options = { width: 40, height: 24, frames: 4, textures };
    const seq = renderProceduralSequence(options, 7);
    expect(seq.frames).toHaveLength(4);
    expect(seq.flows).toHaveLength(3);
    expect(seq.occlusions).toHaveLength(3);
    expect(seq.segments).toHaveLength(4);
    expect(seq.frames[0]).toHaveLength(40 * 24 * 3);
    expect(seq.flows[2].u).toHaveLength(40 * 24);
    const again = renderProceduralSequence(options, 7);
    expect(again.frames[3]).toEqual(seq.frames[3]);
    expect(again.flows[1].v).toEqual(seq.flows[1].v);
    expect(renderProceduralSequence(options, 8).frames[0]).not.toEqual(seq.frames[0]);
  });

  it('linear textures: warping frame t+1 by the flow gives frame t within 1 grey level on every visible pixel', () => {
    // With linear colour ramps and affine layer motions, a layer's colour is an affine function of the pixel position,
    // which bilinear interpolation reproduces exactly; what is left is the rounding of both frames to 8 bits
    // (0.5 each), so 1 level bounds the error. Pixels next to another layer in frame t+1 are left out (their
    // neighbours mix layers).
    for (let seed = 0; seed < 6; seed++) {
      const seq = renderProceduralSequence({ width: 72, height: 56, frames: 3, textureKinds: ['ramp'] }, seed);
      for (const t of [0, 1]) {
        const { visible } = warpErrors(seq, t);
        expect(visible.length).toBeGreaterThan(0.5 * 72 * 56);
        expect(Math.max(...visible)).toBeLessThanOrEqual(1 + 1e-3);
      }
    }
  });

  it('real and synthetic textures: the flow brings frame t+1 back onto frame t far better than the flow displaced by half a pixel', () => {
    // With real textures the residual is bilinear interpolation of detail finer than a pixel (the linear-ramp test above
    // shows the flow itself is exact). A flow wrong by e px adds about |grad I| e; for these textures half a pixel at
    // least doubles the residual (measured ratios 0.16-0.45), and occluded points show another layer (far larger errors).
    const kinds: ProceduralTextureKind[] = ['real', 'noise', 'gratings', 'checker', 'leaves'];
    for (const kind of kinds) {
      for (let seed = 0; seed < 3; seed++) {
        const seq = renderProceduralSequence({ width: 96, height: 64, frames: 2, textures, textureKinds: [kind] }, seed);
        const right = mean(warpErrors(seq, 0).visible);
        expect(right, `${kind} ${seed}`).toBeLessThan(0.5 * mean(warpErrors(seq, 0, 0.5).visible));
        expect(right, `${kind} ${seed}`).toBeLessThan(0.35 * mean(warpErrors(seq, 0, 1).visible));
        const { occluded } = warpErrors(seq, 0);
        if (occluded.length > 20) expect(mean(occluded), `${kind} ${seed}`).toBeGreaterThan(5 * right);
      }
    }
  });

  it('dead leaves: nearly flat regions between edges, and colour channels that move together, unlike the per-channel noise', () => {
    const stats = (kind: ProceduralTextureKind) => {
      // the background alone, not moving: frame 0 is the texture
      const seq = renderProceduralSequence({ width: 96, height: 96, frames: 2, layers: [0, 0], textureKinds: [kind] }, 3);
      const f = seq.frames[0];
      const steps: number[] = [];
      let [sr, sg, srr, sgg, srg] = [0, 0, 0, 0, 0];
      const n = 96 * 96;
      for (let i = 0; i < n; i++) {
        const [red, green] = [f[3 * i], f[3 * i + 1]];
        [sr, sg, srr, sgg, srg] = [sr + red, sg + green, srr + red * red, sgg + green * green, srg + red * green];
        if (i % 96 < 95) steps.push(Math.abs(f[3 * i + 1 * 3] - f[3 * i]));
      }
      const correlation = (srg / n - (sr / n) * (sg / n)) / Math.sqrt((srr / n - (sr / n) ** 2) * (sgg / n - (sg / n) ** 2));
      steps.sort((a, b) => a - b);
      return { correlation, median: steps[steps.length >> 1], p99: steps[Math.floor(0.99 * steps.length)] };
    };
    const leaves = stats('leaves');
    expect(leaves.correlation).toBeGreaterThan(0.8);
    // heavy-tailed steps between neighbours: most small (inside a disc: the grain), a few far larger (the discs' edges)
    expect(leaves.p99).toBeGreaterThan(5 * leaves.median);
    expect(Math.abs(stats('noise').correlation)).toBeLessThan(0.5);
  });

  it('a translating background alone: the same flow everywhere, within the limit, nothing occluded inside', () => {
    const limit = 0.05;
    for (let seed = 0; seed < 4; seed++) {
      const seq = renderProceduralSequence({ width: 50, height: 40, layers: [0, 0], background: { translation: limit, rotation: 0, zoom: 0 } }, seed);
      const { u, v } = seq.flows[0];
      for (let i = 1; i < u.length; i++) {
        expect(u[i]).toBeCloseTo(u[0], 4);
        expect(v[i]).toBeCloseTo(v[0], 4);
      }
      expect(Math.hypot(u[0], v[0])).toBeLessThanOrEqual(limit * 40 + 1e-6);
      // only points that leave the image are marked
      for (let y = 0; y < 40; y++)
        for (let x = 0; x < 50; x++) {
          const [nx, ny] = [x + u[0], y + v[0]];
          expect(seq.occlusions[0][y * 50 + x]).toBe(nx < 0 || ny < 0 || nx > 49 || ny > 39 ? 1 : 0);
        }
    }
  });

  it('a rotating and zooming background: the flow is that of one similarity transform', () => {
    const seq = renderProceduralSequence({ width: 40, height: 30, layers: [0, 0], background: { translation: 0.05, rotation: 0.1, zoom: 0.05 } }, 3);
    const { u, v } = seq.flows[0];
    // p' = A p + t with A = [[a, -b], [b, a]]: recover a, b from the x and y steps, then check every pixel
    const [a, b] = [1 + u[1] - u[0], v[1] - v[0]];
    expect(Math.abs(b)).toBeGreaterThan(1e-4);
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 40; x++) {
        const i = y * 40 + x;
        expect(x + u[i]).toBeCloseTo(a * x - b * y + u[0], 3);
        expect(y + v[i]).toBeCloseTo(b * x + a * y + v[0], 3);
      }
  });

  it('longer sequences: every consecutive pair has its own flow, and the motion changes linearly in time', () => {
    // a translating background: the translation goes linearly from a start draw to an end draw, so its steps change by a
    // constant amount (smooth motion, not a new random motion per frame)
    const seq = renderProceduralSequence({ width: 48, height: 48, frames: 6, layers: [0, 0], background: { translation: 0.05, rotation: 0, zoom: 0 } }, 11);
    const steps = seq.flows.map((f) => [f.u[0], f.v[0]]);
    const changes = steps.slice(1).map((s, i) => [s[0] - steps[i][0], s[1] - steps[i][1]]);
    expect(Math.hypot(...changes[0])).toBeGreaterThan(1e-3);
    for (const c of changes) {
      expect(c[0]).toBeCloseTo(changes[0][0], 4);
      expect(c[1]).toBeCloseTo(changes[0][1], 4);
    }
  });

  it('bad options are refused with a clear error', () => {
    expect(() => renderProceduralSequence({ width: 4, height: 32 }, 1)).toThrow(/width and height/);
    expect(() => renderProceduralSequence({ width: 32, height: 32, frames: 1 }, 1)).toThrow(/frames/);
    expect(() => renderProceduralSequence({ width: 32, height: 32, textureKinds: ['real'] }, 1)).toThrow(/no textures/);
    expect(() => renderProceduralSequence({ width: 32, height: 32, layers: [3, 1] }, 1)).toThrow(/layers/);
    const error = (() => {
      try {
        renderProceduralSequence({ width: 32, height: 32, frames: 0 }, 1);
      } catch (e) {
        return e as { code?: string; path?: string };
      }
    })();
    expect([error?.code, error?.path]).toEqual(['BAD_ARGUMENT', 'frames']);
  });
});

describe('training stream and validation set', () => {
  it('the validation set is fixed, and the training stream never draws its seeds', () => {
    const options = { width: 32, height: 32, textures };
    const val = proceduralValidationSet(options, 3, 5);
    expect(proceduralValidationSet(options, 3, 5)[2].frames[1]).toEqual(val[2].frames[1]);
    const stream = proceduralStream(options, 5);
    const train = [stream.next().value, stream.next().value] as ProceduralSequence[];
    expect(train[0].frames[0]).toEqual(renderProceduralSequence(options, proceduralSeed('train', 5, 0)).frames[0]);
    for (const v of val) for (const t of train) expect(t.frames[0]).not.toEqual(v.frames[0]);
    const valSeeds = new Set(Array.from({ length: 10_000 }, (_, i) => proceduralSeed('val', 5, i).join(',')));
    for (let i = 0; i < 10_000; i++) expect(valSeeds.has(proceduralSeed('train', 5, i).join(','))).toBe(false);
  });
});
