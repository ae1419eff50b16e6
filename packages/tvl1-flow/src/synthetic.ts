/**
 * Frame pairs with known flow made from real images, for measuring flow on
 * motions that the few real ground-truth pairs lack (tens of pixels): a
 * textured background under a translation, a rotation about an off-centre
 * point or a zoom, or two layers (a textured blob from another image moving
 * differently from the background). Motion is affine per layer, so the
 * ground truth is exact: frame1(x + flow(x)) = frame0(x). Pixels whose
 * correspondence does not exist are marked unknown (above 1e9, as in .flo
 * files, so `endPointError` skips them): those leaving the frame and
 * background pixels covered by the moved blob in frame1 (occluded).
 */
import { Tvl1Error } from './errors.js';
import { seededRandom } from '@trajectorynet/core';
import type { Flow } from '@trajectorynet/core';
import { sampleBicubic } from './image.js';

export type SyntheticMotion = 'translation' | 'rotation' | 'zoom' | 'layers';

/** A gray image (any range; 0-255 for the frames to be 8-bit). */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface SyntheticPairSpec {
  motion: SyntheticMotion;
  width: number;
  height: number;
  /** Target mean displacement in pixels (layers: of the moving blob). */
  magnitude: number;
  seed: number;
}

export interface SyntheticPair {
  spec: SyntheticPairSpec;
  /** 8-bit gray frames. */
  frame0: { data: Uint8Array; width: number; height: number; channels: 1 };
  frame1: { data: Uint8Array; width: number; height: number; channels: 1 };
  /** Ground truth; UNKNOWN_FLOW where there is no correspondence. */
  truth: Flow;
  /** Mean |flow| over the known pixels, and their fraction. */
  meanMagnitude: number;
  knownFraction: number;
}

/** The .flo convention for "no ground truth here". */
export const UNKNOWN_FLOW = 1e10;

/** x' = a x + b y + tx, y' = c x + d y + ty. */
interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

function apply(m: Affine, x: number, y: number): [number, number] {
  return [m.a * x + m.b * y + m.tx, m.c * x + m.d * y + m.ty];
}

function invert(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  const [a, b, c, d] = [m.d / det, -m.b / det, -m.c / det, m.a / det];
  return { a, b, c, d, tx: -(a * m.tx + b * m.ty), ty: -(c * m.tx + d * m.ty) };
}

/** Rotation by angle and scaling by s about (cx, cy), then a translation. */
function similarity(angle: number, s: number, cx: number, cy: number, tx = 0, ty = 0): Affine {
  const [cos, sin] = [s * Math.cos(angle), s * Math.sin(angle)];
  return { a: cos, b: -sin, c: sin, d: cos, tx: cx - cos * cx + sin * cy + tx, ty: cy - sin * cx - cos * cy + ty };
}

/** Mean distance of the frame's pixels to (cx, cy), on a coarse grid. */
function meanDistance(width: number, height: number, cx: number, cy: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y += 4)
    for (let x = 0; x < width; x += 4) {
      sum += Math.hypot(x - cx, y - cy);
      n += 1;
    }
  return sum / n;
}

/** A texture seen through a view: canvas coordinates o + k x, mirrored at the canvas edges (no smeared borders). */
function viewSampler(canvas: GrayImage, k: number, ox: number, oy: number) {
  const mirror = (v: number, size: number) => {
    const period = 2 * (size - 1);
    let m = v % period;
    if (m < 0) m += period;
    return m > size - 1 ? period - m : m;
  };
  return (x: number, y: number) => sampleBicubic(canvas.data, canvas.width, canvas.height, mirror(ox + k * x, canvas.width), mirror(oy + k * y, canvas.height));
}

/** Images side by side (same height: the shortest), so that wide frames keep their detail. */
function sideBySide(images: GrayImage[]): GrayImage {
  const height = Math.min(...images.map((i) => i.height));
  const width = images.reduce((s, i) => s + i.width, 0);
  const data = new Float32Array(width * height);
  let x0 = 0;
  for (const img of images) {
    for (let y = 0; y < height; y++) data.set(img.data.subarray(y * img.width, (y + 1) * img.width), y * width + x0);
    x0 += img.width;
  }
  return { width, height, data };
}

/**
 * One pair: the spec's motion with random parameters drawn from its seed
 * (texture, view, direction, centre, blob shape), scaled so that the mean
 * displacement is about `magnitude`. Needs at least 2 textures (layers use
 * one for the background, another for the blob).
 */
export function syntheticPair(textures: GrayImage[], spec: SyntheticPairSpec): SyntheticPair {
  if (textures.length < 2) throw new Tvl1Error('BAD_ARGUMENT', 'needs at least 2 textures', { path: 'syntheticPair' });
  const { width: W, height: H, magnitude } = spec;
  const rand = seededRandom(spec.seed);
  const pick = () => textures[Math.floor(rand() * textures.length)];
  // wide frames: two images side by side, so that magnification stays moderate
  const background = W / H > 1.8 ? sideBySide([pick(), pick()]) : pick();
  // a view with a margin of 1.5 magnitudes around the frame, so that entering content is real
  const margin = 1.5 * magnitude;
  const k = Math.min(background.width / (W + 2 * margin), background.height / (H + 2 * margin));
  const bg = viewSampler(background, k, (background.width - k * W) / 2 + (rand() - 0.5) * k * margin, (background.height - k * H) / 2 + (rand() - 0.5) * k * margin);

  const direction = 2 * Math.PI * rand();
  const sign = rand() < 0.5 ? -1 : 1;
  // an off-centre point inside the frame's middle 60%
  const [cx, cy] = [W * (0.2 + 0.6 * rand()), H * (0.2 + 0.6 * rand())];
  let motion: Affine;
  let blob: ((x: number, y: number) => boolean) | null = null;
  let blobMotion: Affine = similarity(0, 1, 0, 0);
  let fg: ((x: number, y: number) => number) | null = null;
  if (spec.motion === 'translation') motion = similarity(0, 1, 0, 0, magnitude * Math.cos(direction), magnitude * Math.sin(direction));
  else if (spec.motion === 'rotation') motion = similarity((sign * magnitude) / meanDistance(W, H, cx, cy), 1, cx, cy);
  else if (spec.motion === 'zoom') motion = similarity(0, 1 + (sign * magnitude) / meanDistance(W, H, cx, cy), cx, cy);
  else {
    // background: a slower translation; blob: a star-shaped region from another texture, translated and slightly rotated
    const slow = magnitude * (0.15 + 0.25 * rand());
    const bgDirection = 2 * Math.PI * rand();
    motion = similarity(0, 1, 0, 0, slow * Math.cos(bgDirection), slow * Math.sin(bgDirection));
    const radius = H * (0.14 + 0.1 * rand());
    const harmonics = Array.from({ length: 3 }, (_, i) => [0.2 * rand() / (i + 1), 2 * Math.PI * rand()]);
    blob = (x, y) => {
      const phi = Math.atan2(y - cy, x - cx);
      const r = radius * (1 + harmonics.reduce((s, [amp, phase], i) => s + amp * Math.sin((i + 2) * phi + phase), 0));
      return Math.hypot(x - cx, y - cy) < r;
    };
    blobMotion = similarity(((rand() - 0.5) * 10 * Math.PI) / 180, 1, cx, cy, magnitude * Math.cos(direction), magnitude * Math.sin(direction));
    const others = textures.filter((t) => t !== background);
    const source = others[Math.floor(rand() * others.length)];
    const kb = Math.min(source.width / W, source.height / H) * 0.9;
    fg = viewSampler(source, kb, rand() * (source.width - kb * W), rand() * (source.height - kb * H));
  }

  const n = W * H;
  const [frame0, frame1] = [new Uint8Array(n), new Uint8Array(n)];
  const [u, v] = [new Float32Array(n), new Float32Array(n)];
  const toByte = (value: number) => Math.max(0, Math.min(255, Math.round(value)));
  const inverse = invert(motion);
  const blobInverse = invert(blobMotion);
  let [sum, known] = [0, 0];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const onBlob = blob?.(x, y) ?? false;
      frame0[i] = toByte(onBlob && fg ? fg(x, y) : bg(x, y));
      // frame1: the blob where it has moved to, else the moved background
      const [bx, by] = apply(blobInverse, x, y);
      if (blob && fg && blob(bx, by)) frame1[i] = toByte(fg(bx, by));
      else {
        const [sx, sy] = apply(inverse, x, y);
        frame1[i] = toByte(bg(sx, sy));
      }
      const [tx, ty] = apply(onBlob ? blobMotion : motion, x, y);
      const inside = tx >= 0 && tx <= W - 1 && ty >= 0 && ty <= H - 1;
      const covered = !onBlob && blob != null && blob(...apply(blobInverse, tx, ty));
      if (inside && !covered) {
        u[i] = tx - x;
        v[i] = ty - y;
        sum += Math.hypot(u[i], v[i]);
        known += 1;
      } else {
        u[i] = UNKNOWN_FLOW;
        v[i] = UNKNOWN_FLOW;
      }
    }
  const frame = (data: Uint8Array) => ({ data, width: W, height: H, channels: 1 as const });
  return { spec, frame0: frame(frame0), frame1: frame(frame1), truth: { width: W, height: H, u, v }, meanMagnitude: known > 0 ? sum / known : 0, knownFraction: known / n };
}

/**
 * A fixed set of pairs: every motion at each size, with magnitudes drawn in
 * [min, max] from the seed (the benchmark and the README use seed 2026).
 */
export function syntheticPairSpecs(options: { seed: number; sizes: [number, number][]; perSize: number; magnitude: [number, number] }): SyntheticPairSpec[] {
  const rand = seededRandom(options.seed);
  const specs: SyntheticPairSpec[] = [];
  for (const [width, height] of options.sizes)
    for (let r = 0; r < options.perSize; r++)
      for (const motion of ['translation', 'rotation', 'zoom', 'layers'] as const) {
        const magnitude = options.magnitude[0] + (options.magnitude[1] - options.magnitude[0]) * rand();
        specs.push({ motion, width, height, magnitude, seed: Math.floor(rand() * 2 ** 31) });
      }
  return specs;
}
