/**
 * scenePair's layered scenes: the ground truth is checked independently
 * (frame1 sampled bilinearly at x + flow(x) reproduces frame0 on the
 * matched pixels), some pixels are occluded, and the objects move
 * independently of the background; then the default must recover most of
 * the motion on small versions of the hard cases. The bounds are fractions
 * of zero flow's error, which comes from the ground truth alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { endPointError, type GrayImage, type SceneKind, type ScenePairSpec, scenePair, scenePairSpecs, tvl1 } from '../src/index.js';
import { loadTextures } from './data.js';

let textures: GrayImage[];
beforeAll(async () => {
  textures = await loadTextures();
});

function bilinear(data: Uint8Array, w: number, h: number, x: number, y: number): number {
  const [x0, y0] = [Math.min(w - 2, Math.floor(x)), Math.min(h - 2, Math.floor(y))];
  const [fx, fy] = [x - x0, y - y0];
  const at = (xx: number, yy: number) => data[yy * w + xx];
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

describe('scenePair', () => {
  it.each(['objects', 'thin'] as SceneKind[])('%s: frame1 at x + flow(x) reproduces frame0 where matched; some pixels are occluded', (kind) => {
    const pair = scenePair(textures, { kind, width: 256, height: 192, magnitude: 15, seed: 21 });
    const { width: w, height: h, u, v } = pair.truth;
    let [moved, still, n, occluded, sum] = [0, 0, 0, 0, 0];
    for (let i = 0; i < w * h; i++) {
      sum += Math.hypot(u[i], v[i]);
      if (pair.occluded[i]) {
        occluded += 1;
        continue;
      }
      const [x, y] = [i % w, Math.floor(i / w)];
      moved += Math.abs(bilinear(pair.frame1.data, w, h, x + u[i], y + v[i]) - pair.frame0.data[i]);
      still += Math.abs(pair.frame1.data[i] - pair.frame0.data[i]);
      n += 1;
    }
    expect(moved / n).toBeLessThan(4);
    expect(moved / n).toBeLessThan(0.25 * (still / n));
    expect(occluded / (w * h)).toBeGreaterThan(0.005);
    expect(occluded / (w * h)).toBeLessThan(0.5);
    expect(sum / (w * h)).toBeCloseTo(pair.meanMagnitude, 4);
    // the objects move independently: the flow is not one affine field
    const distinct = new Set(Array.from(u, (x) => Math.round(x / 2)));
    expect(distinct.size).toBeGreaterThan(3);
  });

  it('is deterministic for a seed; specs cycle through the kinds within the magnitudes', () => {
    const spec: ScenePairSpec = { kind: 'blur', width: 64, height: 48, magnitude: 5, seed: 3 };
    expect(Buffer.from(scenePair(textures, spec).frame1.data).equals(Buffer.from(scenePair(textures, spec).frame1.data))).toBe(true);
    const specs = scenePairSpecs({ seed: 4, width: 64, height: 48, count: 8, magnitude: [10, 20] });
    expect(specs.map((s) => s.kind)).toEqual(['objects', 'thin', 'blur', 'illumination', 'objects', 'thin', 'blur', 'illumination']);
    for (const s of specs) expect(s.magnitude >= 10 && s.magnitude <= 20).toBe(true);
    expect(() => scenePair([], spec)).toThrow(/at least 1 texture/);
  });
});
describe('tvl1 default on layered scenes (256x192, 12-18 px)', () => {
  const zero = (w: number, h: number) => ({ width: w, height: h, u: new Float32Array(w * h), v: new Float32Array(w * h) });
  // measured with this default: objects 0.14 and blur 0.08 of zero flow's error; thin bars 0.40 and the
  // illumination change 0.36 (0.35 before gainOffset: at 12-18 px the fit does not help here; not explained yet), so these two get 0.5
  const bound: Record<SceneKind, number> = { objects: 0.25, blur: 0.25, thin: 0.5, illumination: 0.5 };
  it.each(scenePairSpecs({ seed: 77, width: 256, height: 192, count: 4, magnitude: [12, 18] }).map((s) => [s.kind, s] as const))("%s: EPE well under zero flow's", (_, spec) => {
    const pair = scenePair(textures, spec);
    const epe = endPointError(tvl1(pair.frame0, pair.frame1), pair.truth);
    const baseline = endPointError(zero(spec.width, spec.height), pair.truth);
    expect(baseline).toBeGreaterThan(5);
    expect(epe).toBeLessThan(bound[spec.kind] * baseline);
  });
});

describe('tvl1 default under an illumination change with small motion (256x192, 2 px)', () => {
  // frame1 with another gain, offset and shading ramp: the L1 data term without gainOffset follows the brightness
  // change and the flow drifts by tens of pixels. Measured: 24.75 / 9.14 px without gainOffset, 0.42 / 1.11 with it.
  it.each([2, 4])('seed %d: EPE under 2 px, where the flow without the gain fit drifts', (seed) => {
    const pair = scenePair(textures, { kind: 'illumination', width: 256, height: 192, magnitude: 4, seed });
    expect(pair.meanMagnitude).toBeLessThan(3);
    expect(endPointError(tvl1(pair.frame0, pair.frame1, { gainOffset: false }), pair.truth)).toBeGreaterThan(5);
    expect(endPointError(tvl1(pair.frame0, pair.frame1), pair.truth)).toBeLessThan(2);
  });
});

describe('restartSize 0 (no restart-and-fuse) on thin bars moving about 30 px (512x384), against OpenCV', () => {
  // The bound is OpenCV 4.6's end-point error on the same pair (DualTVL1OpticalFlow_create(scaleStep=0.5,
  // nscales=1+log2(min(H,W)/16)) on the 8-bit frames, scripts/opencv-pairs.py 'full'), not our own output.
  // The default (restart-and-fuse, restartSize 64) is above it on both: 3.34 and 5.21 px; without the restart
  // 2.60 and 4.25 (measured 2026-12-07). The default keeps the restart: without it FlyingChairs gets worse
  // (3.52 against 3.11, see the README and the FlyingChairs test in tvl1.test.ts).
  it.each([
    [9112, 2.736],
    [9114, 4.407],
  ])('seed %d: EPE below OpenCV full pyramid (%f px), where the default with restart-and-fuse is above it', (seed, opencv) => {
    const pair = scenePair(textures, { kind: 'thin', width: 512, height: 384, magnitude: 34, seed });
    expect(pair.meanMagnitude).toBeGreaterThan(25);
    expect(endPointError(tvl1(pair.frame0, pair.frame1), pair.truth)).toBeGreaterThan(opencv);
    expect(endPointError(tvl1(pair.frame0, pair.frame1, { restartSize: 0 }), pair.truth)).toBeLessThan(opencv);
  });
});
