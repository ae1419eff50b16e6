/**
 * Flows in the clip pipeline: chaining and inversion against affine motions
 * (whose composition and inverse are known in closed form, and which bilinear
 * reads reproduce exactly), the crop/resize/flip against the frames'
 * transform, and the whole pipeline against the generator's true motion.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seededRandom } from '@trajectorynet/core';
import { describe, expect, it } from 'vitest';
import {
  chainFlows,
  type ClipPipeline,
  createLoader,
  createSyntheticDataset,
  type Flow,
  flowFolderOf,
  flowsToFloat,
  invertFlow,
  loadClip,
  renderSyntheticFlows,
  type SyntheticSample,
  writeFlo,
  writeFlowJpegs,
} from '../src/index.js';

/** The flow of p -> A p + b (displacement (A - I) p + b) on a width x height grid. */
function affine(width: number, height: number, a: [number, number, number, number], b: [number, number]): Flow {
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      u[y * width + x] = (a[0] - 1) * x + a[1] * y + b[0];
      v[y * width + x] = a[2] * x + (a[3] - 1) * y + b[1];
    }
  }
  return { width, height, u, v };
}

const apply = (a: number[], b: number[], x: number, y: number) => [a[0] * x + a[1] * y + b[0], a[2] * x + a[3] * y + b[1]];

describe('chainFlows and invertFlow', () => {
  it('chaining affine flows gives the composed motion (pixels that stay inside the frame)', () => {
    const random = seededRandom(3);
    const [w, h] = [61, 47];
    for (let trial = 0; trial < 5; trial++) {
      const motions = Array.from({ length: 2 + (trial % 3) }, () => ({
        a: [1 + 0.04 * (random() - 0.5), 0.04 * (random() - 0.5), 0.04 * (random() - 0.5), 1 + 0.04 * (random() - 0.5)] as [number, number, number, number],
        b: [6 * (random() - 0.5), 6 * (random() - 0.5)] as [number, number],
      }));
      const chained = chainFlows(motions.map((m) => affine(w, h, m.a, m.b)));
      let worst = 0;
      let checked = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          // the naive tracker: apply the motions one after another
          let [px, py] = [x, y];
          let inside = true;
          for (const m of motions) {
            [px, py] = apply(m.a, m.b, px, py);
            inside &&= px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1;
          }
          if (!inside) continue;
          const i = y * w + x;
          worst = Math.max(worst, Math.abs(chained.u[i] - (px - x)), Math.abs(chained.v[i] - (py - y)));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan((w * h) / 2);
      expect(worst).toBeLessThan(1e-3); // float32 rounding of sums of a few pixels
    }
  });

  it('inverting an affine flow gives the inverse motion (interior pixels)', () => {
    const [w, h] = [50, 40];
    const a: [number, number, number, number] = [1.03, 0.02, -0.015, 0.98];
    const b: [number, number] = [3.5, -2.25];
    const inverse = invertFlow(affine(w, h, a, b), 20);
    const det = a[0] * a[3] - a[1] * a[2];
    let worst = 0;
    for (let y = 8; y < h - 8; y++) {
      for (let x = 8; x < w - 8; x++) {
        // p = A^-1 (q - b)
        const [qx, qy] = [x - b[0], y - b[1]];
        const px = (a[3] * qx - a[1] * qy) / det;
        const py = (-a[2] * qx + a[0] * qy) / det;
        const i = y * w + x;
        worst = Math.max(worst, Math.abs(inverse.u[i] - (px - x)), Math.abs(inverse.v[i] - (py - y)));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('flowsToFloat', () => {
  it('scales vectors to output pixels, negates u when flipping, and reads flows stored at another resolution', () => {
    // frames 80x60; the flow stored at half resolution: 1.5 flow pixels = 3 frame pixels
    const stored: Flow = { width: 40, height: 30, u: new Float32Array(1200).fill(1.5), v: new Float32Array(1200).fill(-1) };
    const box = { x: 10, y: 5, width: 40, height: 40 };
    for (const flip of [false, true]) {
      const out = new Float32Array(20 * 20 * 2);
      flowsToFloat([stored], 80, 60, { box, outWidth: 20, outHeight: 20, flip }, out);
      // 3 frame px right, 2 up; the 40-px box shrinks to 20 px: x 0.5
      for (let i = 0; i < 400; i++) {
        expect(out[2 * i]).toBeCloseTo(flip ? -1.5 : 1.5, 5);
        expect(out[2 * i + 1]).toBeCloseTo(-1, 5);
      }
    }
  });
});

/**
 * Mean absolute difference between frame `from` at p and frame `to` at
 * p + flow(p) (flow plane `plane` of the clip's flows), over the moving
 * pixels whose target is inside; without the flow, the same pixel of both frames.
 */
function warpError(clip: Float32Array, flows: Float32Array, plane: number, from: number, to: number, size: number, useFlow: boolean): number {
  const frame = (f: number, x: number, y: number, c: number) => clip[((f * size + y) * size + x) * 3 + c];
  let sum = 0;
  let n = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (plane * size * size + y * size + x) * 2;
      // pixels that move (the object): on the still background both measures agree
      if (Math.hypot(flows[i], flows[i + 1]) < 0.5) continue;
      const [u, v] = useFlow ? [flows[i], flows[i + 1]] : [0, 0];
      const [tx, ty] = [Math.round(x + u), Math.round(y + v)];
      if (tx < 0 || ty < 0 || tx >= size || ty >= size) continue;
      for (let c = 0; c < 3; c++) sum += Math.abs(frame(to, tx, ty, c) - frame(from, x, y, c));
      n += 3;
    }
  }
  return sum / n;
}

describe('a pipeline with flows', () => {
  const { samples } = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 8, width: 96, height: 72, seed: 9 });
  const size = 48;
  const pipeline = (flows: ClipPipeline['flows'], crop: ClipPipeline['crop'] = 'random'): ClipPipeline => ({
    sampling: { kind: 'dense', clipLength: 4, interval: 2 },
    mode: 'train',
    crop,
    size: [size, size],
    flip: true,
    flows,
  });

  it('the true motion, chained over the interval, resized and flipped, moves frame t onto t+1 (forward) and t+1 onto t (backward)', async () => {
    // the whole frame, halved: objects that wrap around the torus edge leave a crop with the other copy, which no flow follows
    const whole: ClipPipeline = { ...pipeline({ source: 'synthetic' }, 'full'), size: [size, size] };
    for (const [k, sample] of samples.entries()) {
      const clip = await loadClip(sample, whole, seededRandom(k));
      expect(clip.flows?.length).toBe(2 * 3 * size * size * 2);
      const flows = clip.flows as Float32Array;
      for (let t = 0; t < 3; t++) {
        // the square moves 2 x 6-10 px and turns 50-70 degrees between sampled frames: following it matches better (chaining
        // blurs the edges: 0.3-0.7 of the error without flow measured; a sign or flip error gives more than without)
        expect(warpError(clip.data, flows, t, t, t + 1, size, true), `sample ${k}, pair ${t}, forward`).toBeLessThan(0.8 * warpError(clip.data, flows, t, t, t + 1, size, false));
        // backward planes follow the forward ones: plane 3 + t is frame t+1 -> t (a sign or flip error would make it worse than no flow)
        expect(warpError(clip.data, flows, 3 + t, t + 1, t, size, true), `sample ${k}, pair ${t}, backward`).toBeLessThan(0.8 * warpError(clip.data, flows, 3 + t, t + 1, t, size, false));
      }
    }
  });

  it('inverting the forward flow gives about the true backward flow (where no occlusion intervenes)', async () => {
    const flows = renderSyntheticFlows(samples[2] as SyntheticSample);
    const inverted = invertFlow(flows.forward[0], 20);
    const truth = flows.backward[0];
    const { width: w, height: h } = truth;
    // inside a moving region by 3 pixels, in both frames: the object's edges meet the static background, where the inverse is not defined
    const inside = (f: typeof truth, x: number, y: number) => {
      for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) {
        const [px, py] = [x + dx, y + dy];
        if (px < 0 || py < 0 || px >= w || py >= h || (f.u[py * w + px] === 0 && f.v[py * w + px] === 0)) return false;
      }
      return true;
    };
    let close = 0;
    let interior = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!inside(truth, x, y) || !inside(flows.forward[0], Math.round(x + truth.u[i]), Math.round(y + truth.v[i]))) continue;
        interior++;
        if (Math.hypot(inverted.u[i] - truth.u[i], inverted.v[i] - truth.v[i]) < 0.1) close++;
      }
    }
    expect(interior).toBeGreaterThan(50);
    expect(close / interior).toBeGreaterThan(0.95);
  });

  it('flows read from .flo files equal the true motion they store; JPEGs within their quantisation; workers change nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-flows-'));
    const [flo, jpg] = [path.join(dir, 'flo'), path.join(dir, 'jpg')];
    for (const sample of samples.slice(0, 3) as SyntheticSample[]) {
      for (const [j, flow] of renderSyntheticFlows(sample).forward.entries()) {
        const name = String(j + 1).padStart(5, '0');
        await writeFlo(path.join(flowFolderOf(flo, sample), `flow_${name}.flo`), flow);
        await writeFlowJpegs(path.join(flowFolderOf(jpg, sample), `x_${name}.jpg`), path.join(flowFolderOf(jpg, sample), `y_${name}.jpg`), flow, { bound: 20 });
      }
    }
    const truth = await loadClip(samples[1], pipeline({ source: 'synthetic' }), seededRandom(4));
    const fromFlo = await loadClip(samples[1], pipeline({ source: 'files', dir: flo }), seededRandom(4));
    // forward flows are the stored ones exactly (files hold no backward flows: those are inverted)
    const half = (truth.flows as Float32Array).length / 2;
    expect(Buffer.from((fromFlo.flows as Float32Array).subarray(0, half).slice().buffer).equals(Buffer.from((truth.flows as Float32Array).subarray(0, half).slice().buffer))).toBe(true);
    const fromJpg = await loadClip(samples[1], pipeline({ source: 'files', dir: jpg, bound: 20 }), seededRandom(4));
    const a = (truth.flows as Float32Array).subarray(0, half);
    const b = (fromJpg.flows as Float32Array).subarray(0, half);
    // 8-bit steps of 40/255 px per frame pair, two pairs chained, then scaled by 48/72: mean error well under a pixel
    const meanError = a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;
    expect(meanError).toBeLessThan(0.15);
    expect(Buffer.from(fromJpg.data.buffer).equals(Buffer.from(truth.data.buffer))).toBe(true);

    const dataset = { samples: samples.slice(0, 3) };
    const collect = async (workers: number) => {
      const out: Float32Array[] = [];
      for await (const batch of createLoader(dataset, pipeline({ source: 'files', dir: flo }, 'multiscale'), { batchSize: 2, seed: 3, shuffle: true, workers })) out.push(batch.flows as Float32Array);
      return out;
    };
    const [inline, threads] = [await collect(0), await collect(2)];
    expect(threads.map((f) => Buffer.from(f.buffer).toString('base64'))).toEqual(inline.map((f) => Buffer.from(f.buffer).toString('base64')));
  });

  it('a missing flow file is an ENOENT error naming the folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-noflows-'));
    const error = await loadClip(samples[0], pipeline({ source: 'files', dir }), seededRandom(1)).catch((e) => e);
    expect(error.code).toBe('ENOENT');
    expect(error.path).toBe(flowFolderOf(dir, samples[0]));
    expect(error.message).toMatch(/extract the flows of this video first/);
  });
});
