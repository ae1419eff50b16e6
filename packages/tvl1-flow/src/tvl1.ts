/**
 * TV-L1 optical flow (Zach, Pock, Bischof 2007), following the IPOL article
 * "TV-L1 Optical Flow Estimation" (Sanchez Perez, Meinhardt-Llopis, Facciolo,
 * 2013): coarse-to-fine pyramid, several warps per level, and at each warp
 * the alternation of a pointwise thresholding step and Chambolle's dual
 * projection for the total variation. Presets: 'accurate' (the default:
 * structure-texture decomposition and a shallower pyramid), 'ipol' (the
 * article's parameters) and 'opencv' (DualTVL1OpticalFlow's defaults).
 */
import { backward, dualStep } from './dual.js';
import { centredGradient, gaussianBlur, normaliseJointly, resize, sampleBicubic, sampleBilinear, toGray } from './image.js';
import { medianFilter } from './median.js';
import { resolveOptions, type Tvl1Options, type Tvl1Settings } from './options.js';
import { structureTexture } from './texture.js';

export interface FrameInput {
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface FlowField {
  width: number;
  height: number;
  /** Horizontal and vertical displacement (pixels) from frame0 to frame1, row-major. */
  u: Float32Array;
  v: Float32Array;
}

export class Tvl1InputError extends Error {
  constructor(message: string) {
    super(`tvl1: ${message}`);
    this.name = 'Tvl1InputError';
  }
}

const GRAD_IS_ZERO = 1e-10;

/** Per-level scratch buffers, reused across warps, levels (largest size) and pairs. */
class Workspace {
  size = 0;
  buffers: Record<string, Float32Array> = {};
  get(name: string, n: number): Float32Array {
    let b = this.buffers[name];
    if (b == null || b.length < n) {
      b = new Float32Array(n);
      this.buffers[name] = b;
    }
    return b.length === n ? b : b.subarray(0, n);
  }
}

const shared = new Workspace();

/** Solves one pyramid level: refines (u1, u2) in place. */
function solveLevel(I0: Float32Array, I1: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array, s: Tvl1Settings, ws: Workspace): void {
  const n = w * h;
  const I1x = ws.get('I1x', n);
  const I1y = ws.get('I1y', n);
  const I1w = ws.get('I1w', n);
  const I1wx = ws.get('I1wx', n);
  const I1wy = ws.get('I1wy', n);
  const grad = ws.get('grad', n);
  const rhoC = ws.get('rhoC', n);
  const p11 = ws.get('p11', n).fill(0);
  const p12 = ws.get('p12', n).fill(0);
  const p21 = ws.get('p21', n).fill(0);
  const p22 = ws.get('p22', n).fill(0);
  const median = ws.get('median', n);
  centredGradient(I1, w, h, I1x, I1y);
  const theta = s.theta;
  const lt = s.lambda * theta;
  const taut = s.tau / theta;
  const sample = s.interpolation === 'bicubic' ? sampleBicubic : sampleBilinear;
  const eps2 = s.epsilon * s.epsilon;

  for (let warp = 0; warp < s.warps; warp++) {
    // I1, its gradient and the linearised residual at x + u
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const px = x + u1[i];
        const py = y + u2[i];
        I1w[i] = sample(I1, w, h, px, py);
        I1wx[i] = sample(I1x, w, h, px, py);
        I1wy[i] = sample(I1y, w, h, px, py);
        grad[i] = I1wx[i] * I1wx[i] + I1wy[i] * I1wy[i];
        rhoC[i] = I1w[i] - I1wx[i] * u1[i] - I1wy[i] * u2[i] - I0[i];
      }
    }
    let error = Number.POSITIVE_INFINITY;
    for (let outer = 0; outer < s.outerIterations && error > eps2; outer++) {
      if (s.medianFilter > 1) {
        medianFilter(u1, w, h, s.medianFilter, median);
        u1.set(median);
        medianFilter(u2, w, h, s.medianFilter, median);
        u2.set(median);
      }
      for (let inner = 0; inner < s.innerIterations && error > eps2; inner++) {
        // one pass: the pointwise minimiser v of the data term (thresholding), then u = v + theta div p
        let sum = 0;
        for (let y = 0; y < h; y++) {
          const top = y === 0;
          const bottom = y === h - 1;
          for (let x = 0; x < w; x++) {
            const i = y * w + x;
            const gx = I1wx[i];
            const gy = I1wy[i];
            const g = grad[i];
            const rho = rhoC[i] + gx * u1[i] + gy * u2[i];
            let d1 = 0;
            let d2 = 0;
            if (rho < -lt * g) {
              d1 = lt * gx;
              d2 = lt * gy;
            } else if (rho > lt * g) {
              d1 = -lt * gx;
              d2 = -lt * gy;
            } else if (g > GRAD_IS_ZERO) {
              const f = -rho / g;
              d1 = f * gx;
              d2 = f * gy;
            }
            const left = x === 0;
            const right = x === w - 1;
            const div1 = backward(p11, i, 1, left, right) + backward(p12, i, w, top, bottom);
            const div2 = backward(p21, i, 1, left, right) + backward(p22, i, w, top, bottom);
            const a = u1[i] + d1 + theta * div1;
            const b = u2[i] + d2 + theta * div2;
            sum += (a - u1[i]) * (a - u1[i]) + (b - u2[i]) * (b - u2[i]);
            u1[i] = a;
            u2[i] = b;
          }
        }
        error = sum / n;
        dualStep(u1, u2, p11, p12, p21, p22, w, h, taut);
      }
    }
  }
}

interface Level {
  width: number;
  height: number;
  I0: Float32Array;
  I1: Float32Array;
}

function buildPyramid(I0: Float32Array, I1: Float32Array, width: number, height: number, s: Tvl1Settings): Level[] {
  const levels: Level[] = [{ width, height, I0, I1 }];
  // IPOL blurs before each reduction (sigma for the zoom factor); OpenCV resizes directly
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

function checkFrame(name: string, f: FrameInput): void {
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 2 || f.height < 2) throw new Tvl1InputError(`${name} must be at least 2x2, got ${f.width}x${f.height}`);
  if (f.channels !== 1 && f.channels !== 3) throw new Tvl1InputError(`${name}.channels must be 1 or 3, got ${f.channels}`);
  if (f.data.length !== f.width * f.height * f.channels) {
    throw new Tvl1InputError(`${name}.data has ${f.data.length} values, ${f.width}x${f.height}x${f.channels} needs ${f.width * f.height * f.channels}`);
  }
}

/** TV-L1 flow from frame0 to frame1 (u: horizontal, v: vertical, pixels). */
export function tvl1(frame0: FrameInput, frame1: FrameInput, options: Tvl1Options = {}): FlowField {
  checkFrame('frame0', frame0);
  checkFrame('frame1', frame1);
  if (frame0.width !== frame1.width || frame0.height !== frame1.height) {
    throw new Tvl1InputError(`frame sizes differ: ${frame0.width}x${frame0.height} and ${frame1.width}x${frame1.height}`);
  }
  const s = resolveOptions(options);
  const { width, height } = frame0;
  let I0 = toGray(frame0.data, width, height, frame0.channels);
  let I1 = toGray(frame1.data, width, height, frame1.channels);
  if (s.normalise) normaliseJointly(I0, I1);
  if (s.structureTexture > 0) {
    // match the texture parts: shading and blur differences live in the structure
    [I0, I1] = structureTexture(I0, I1, width, height, s.structureTexture);
    normaliseJointly(I0, I1);
  }
  if (s.presmoothSigma > 0) {
    I0 = gaussianBlur(I0, width, height, s.presmoothSigma);
    I1 = gaussianBlur(I1, width, height, s.presmoothSigma);
  }
  const levels = buildPyramid(I0, I1, width, height, s);
  let u1: Float32Array = new Float32Array(levels[levels.length - 1].width * levels[levels.length - 1].height);
  let u2: Float32Array = new Float32Array(u1.length);
  for (let l = levels.length - 1; l >= 0; l--) {
    const level = levels[l];
    solveLevel(level.I0, level.I1, level.width, level.height, u1, u2, s, shared);
    if (l > 0) {
      const finer = levels[l - 1];
      const sx = finer.width / level.width;
      const sy = finer.height / level.height;
      const next1 = resize(u1, level.width, level.height, finer.width, finer.height);
      const next2 = resize(u2, level.width, level.height, finer.width, finer.height);
      for (let i = 0; i < next1.length; i++) {
        next1[i] *= sx;
        next2[i] *= sy;
      }
      u1 = next1;
      u2 = next2;
    }
  }
  return { width, height, u: u1, v: u2 };
}
