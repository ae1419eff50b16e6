/**
 * The embedded synthetic dataset: procedural, deterministic clips in which
 * only motion defines the class, with the true motion of every pixel. A
 * textured square travels across a textured background in one of 4
 * directions while spinning one of 2 ways: 8 classes.
 *
 * - Appearance is random per clip (background gratings and noise, object
 *   colours and stripes, size), so no colour or shape gives the class away.
 * - The scene wraps around (a torus), and the start position and angle are
 *   uniform, so every single frame has the same distribution in every class:
 *   one frame cannot reveal the class.
 * - The spin is only visible by following the object: its marker corner turns
 *   about the object's centre while the centre moves `speed` pixels per frame.
 *   With the default motion (6-10 px and 25-35 degrees per frame at 64x64,
 *   scaled with the size), the object moves about one cell per frame at the
 *   1/8 resolution of res3, so a 3x1x1 temporal conv there sees it misaligned;
 *   a trajectory conv that follows it does not.
 * - Clips may be longer than the sampled clip (`length`), so that dense and
 *   segment sampling differ.
 */
import { seededRandom } from '@trajectorynet/core';
import type { Frames } from '../ffmpeg/decode.js';
import type { Flow } from '../flow/flo.js';
import type { SyntheticSample } from './manifests.js';

export const SYNTHETIC_DIRECTIONS = ['right', 'down', 'left', 'up'] as const;
export const SYNTHETIC_SPINS = ['clockwise', 'anticlockwise'] as const;

/** The 8 class names, in label order: "<direction> <spin>", e.g. "right clockwise". */
export const SYNTHETIC_LABELS: string[] = SYNTHETIC_DIRECTIONS.flatMap((d) => SYNTHETIC_SPINS.map((s) => `${d} ${s}`));

/** Per-frame motion ranges: the object's speed in pixels at 64x64 (scaled with the size) and its turn in degrees. */
export interface SyntheticMotion {
  speed: [number, number];
  turn: [number, number];
}

/** 6-10 px and 25-35 degrees per frame at 64x64. */
export const SYNTHETIC_MOTION: SyntheticMotion = { speed: [6, 10], turn: [25, 35] };

/**
 * How the moving object looks. stripes: parallel bands (flow along the bands
 * is invisible: the aperture problem); textured: coarse crossing gratings,
 * with edges in more than one direction at the scale of the motion, so a
 * flow method can see where each point of the object went.
 */
export type SyntheticAppearance = 'stripes' | 'textured';

export interface SyntheticOptions {
  split: 'train' | 'val' | 'test';
  clipsPerClass: number;
  /** Frames rendered per clip. Default 8. */
  frames?: number;
  width?: number;
  height?: number;
  /** Dataset seed; each clip is rendered from (seed, split, index), so train, val and test never share a clip. */
  seed?: number;
  /** Motion ranges (default SYNTHETIC_MOTION). */
  motion?: SyntheticMotion;
  /** The object's look (default 'stripes'). */
  appearance?: SyntheticAppearance;
}

export interface SyntheticDataset {
  samples: SyntheticSample[];
  labels: string[];
}

const SPLIT_CODE = { train: 0, val: 1, test: 2 };

export function createSyntheticDataset(options: SyntheticOptions): SyntheticDataset {
  const frames = options.frames ?? 8;
  const width = options.width ?? 64;
  const height = options.height ?? 64;
  const seed = options.seed ?? 1;
  const motion = options.motion ?? SYNTHETIC_MOTION;
  const appearance = options.appearance ?? 'stripes';
  const samples: SyntheticSample[] = [];
  for (let i = 0; i < options.clipsPerClass; i++) {
    for (let label = 0; label < SYNTHETIC_LABELS.length; label++) {
      const index = i * SYNTHETIC_LABELS.length + label;
      const id = `${options.split}/${String(index).padStart(5, '0')}`;
      // each clip's stream from (dataset seed, split, index): splits and seeds never share a clip
      samples.push({ path: `synthetic://${id}`, id, label, frameCount: frames, kind: 'synthetic', synthetic: { seed: [seed, SPLIT_CODE[options.split], index], frames, width, height, motion, appearance } });
    }
  }
  return { samples, labels: [...SYNTHETIC_LABELS] };
}

/** The shortest signed difference a - b on a circle of length `period`. */
function wrapDelta(a: number, b: number, period: number): number {
  let d = (a - b) % period;
  if (d > period / 2) d -= period;
  if (d < -period / 2) d += period;
  return d;
}

/** The square's pose over time: centre (x0 + vx f, y0 + vy f), angle angle0 + turn f, on a torus. */
interface ObjectMotion {
  x0: number;
  y0: number;
  angle0: number;
  vx: number;
  vy: number;
  turn: number;
  half: number;
}

/** Calls `visit(px, py, ox, oy)` for each pixel the square covers in frame f, with the point's object coordinates. */
function forEachObjectPixel(m: ObjectMotion, f: number, width: number, height: number, visit: (px: number, py: number, ox: number, oy: number) => void): void {
  const cx = m.x0 + m.vx * f;
  const cy = m.y0 + m.vy * f;
  const angle = m.angle0 + m.turn * f;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const reach = Math.ceil(m.half * Math.SQRT2) + 1;
  for (let dyInt = -reach; dyInt <= reach; dyInt++) {
    for (let dxInt = -reach; dxInt <= reach; dxInt++) {
      const px = (((Math.round(cx) + dxInt) % width) + width) % width;
      const py = (((Math.round(cy) + dyInt) % height) + height) % height;
      const dx = wrapDelta(px, cx, width);
      const dy = wrapDelta(py, cy, height);
      // into object coordinates: (dx, dy) = R(angle) (ox, oy)
      const ox = cos * dx + sin * dy;
      const oy = -sin * dx + cos * dy;
      if (Math.abs(ox) <= m.half && Math.abs(oy) <= m.half) visit(px, py, ox, oy);
    }
  }
}

/** Where an object point (ox, oy) moves between frames `from` and `to`, minus where it is: rigid motion of the square. */
function displacement(m: ObjectMotion, from: number, to: number, ox: number, oy: number): [number, number] {
  const [a0, a1] = [m.angle0 + m.turn * from, m.angle0 + m.turn * to];
  const [c0, s0, c1, s1] = [Math.cos(a0), Math.sin(a0), Math.cos(a1), Math.sin(a1)];
  return [m.vx * (to - from) + (c1 - c0) * ox - (s1 - s0) * oy, m.vy * (to - from) + (s1 - s0) * ox + (c1 - c0) * oy];
}

/** What a clip is made of, drawn from its seed. */
interface Scene {
  width: number;
  height: number;
  frameCount: number;
  /** The static background, rgb floats. */
  background: Float32Array;
  object: ObjectMotion;
  colour(ox: number, oy: number): number[];
}

function scene(sample: SyntheticSample): Scene {
  const { seed, frames: frameCount, width, height } = sample.synthetic;
  const motion = sample.synthetic.motion ?? SYNTHETIC_MOTION;
  const r = seededRandom(...seed);
  const scale = Math.min(width, height) / 64;
  const between = ([low, high]: [number, number]) => low + (high - low) * r();

  // background: a mid-grey-ish base, three colour gratings with random frequency, angle and phase, and fine noise
  const base = [90 + 60 * r(), 90 + 60 * r(), 90 + 60 * r()];
  const background = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) background[i * 3 + c] = base[c];
  for (let g = 0; g < 3; g++) {
    const angle = r() * Math.PI;
    const frequency = (0.08 + 0.25 * r()) / scale;
    const phase = r() * 2 * Math.PI;
    const colour = [r(), r(), r()].map((c) => 24 * (c - 0.5));
    const [fx, fy] = [Math.cos(angle) * frequency, Math.sin(angle) * frequency];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = Math.sin(fx * x + fy * y + phase);
        for (let c = 0; c < 3; c++) background[(y * width + x) * 3 + c] += colour[c] * s;
      }
    }
  }
  const noise = seededRandom(...seed, 'noise');
  for (let i = 0; i < width * height; i++) {
    const n = 16 * (noise() - 0.5);
    for (let c = 0; c < 3; c++) background[i * 3 + c] = Math.max(0, Math.min(255, background[i * 3 + c] + n));
  }

  // the object: a square with two-colour stripes and a marker corner (so rotation is visible)
  const direction = Math.floor(sample.label / 2);
  const spin = sample.label % 2 === 0 ? 1 : -1; // clockwise in image coordinates (y down) = increasing angle
  const side = (18 + 8 * r()) * scale;
  const speed = between(motion.speed) * scale;
  const turn = (between(motion.turn) * Math.PI) / 180;
  const stripes = 2 + Math.floor(3 * r());
  // bright and dark stripes of a random hue, and a saturated marker corner
  const hue = [r(), r(), r()];
  const colourA = hue.map((c) => 200 + 55 * c);
  const colourB = hue.map((c) => 40 * c);
  const marker = [255 * r(), 255 * r(), 255 * r()].map((c, i) => (i === Math.floor(3 * r()) ? 255 : c * 0.3));
  const [vx, vy] = [
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ][direction].map((v) => v * speed);
  const object: ObjectMotion = { x0: r() * width, y0: r() * height, angle0: r() * 2 * Math.PI, vx, vy, turn: spin * turn, half: side / 2 };
  const texture = sample.synthetic.appearance === 'textured' ? objectTexture(sample.synthetic.seed, side) : null;
  const colour = (ox: number, oy: number) => {
    if (ox > object.half * 0.4 && oy > object.half * 0.4) return marker;
    if (texture != null) {
      const w = texture(ox, oy);
      return colourA.map((a, c) => w * a + (1 - w) * colourB[c]);
    }
    return Math.floor(((ox + object.half) / side) * stripes) % 2 === 0 ? colourA : colourB;
  };
  return { width, height, frameCount, background, object, colour };
}

/**
 * The textured object's pattern, a weight in [0, 1] at each object point: the
 * sum of two coarse crossing gratings (1-2.5 periods across the object) and a
 * finer one (4-7 periods) at a random angle. Coarse structure lets a flow
 * method lock on to displacements of several pixels; crossing gratings give
 * it edges in every direction. (The periods were chosen on the val split of
 * seed 11 by TV-L1's error over the moving pixels: 0.25x zero flow's, against
 * 0.40-0.64x for products of gratings or finer periods.) Drawn from its own
 * stream, so that the rest of the scene is the one the stripes look gets from
 * the same seed.
 */
function objectTexture(seed: number[], side: number): (ox: number, oy: number) => number {
  const r = seededRandom(...seed, 'object-texture');
  const angle = r() * Math.PI;
  const gratings = [0, Math.PI / 2 + (r() - 0.5) * 0.6, r() * Math.PI].map((offset, g) => {
    const periods = g < 2 ? 1 + 1.5 * r() : 4 + 3 * r();
    const frequency = (2 * Math.PI * periods) / side;
    return { fx: Math.cos(angle + offset) * frequency, fy: Math.sin(angle + offset) * frequency, phase: r() * 2 * Math.PI };
  });
  return (ox, oy) => {
    let sum = 0;
    for (const { fx, fy, phase } of gratings) sum += Math.sin(fx * ox + fy * oy + phase);
    // the sum lies in [-3, 3]; stretched so the pattern uses most of the range
    return Math.max(0, Math.min(1, 0.5 + sum / 3));
  };
}

/** Renders a sample's clip: `frames` rgb24 buffers. */
export function renderSyntheticClip(sample: SyntheticSample): Frames {
  const { width, height, frameCount, background, object, colour } = scene(sample);
  const still = Uint8Array.from(background, (v) => Math.round(v));
  const frames: Uint8Array[] = [];
  for (let f = 0; f < frameCount; f++) {
    const data = Uint8Array.from(still);
    forEachObjectPixel(object, f, width, height, (px, py, ox, oy) => {
      const c = colour(ox, oy);
      const o = (py * width + px) * 3;
      data[o] = c[0];
      data[o + 1] = c[1];
      data[o + 2] = c[2];
    });
    frames.push(data);
  }
  return { width, height, frames };
}

/**
 * A smooth random error field added to a flow: independent Gaussian values
 * (standard deviation `std` pixels per component) on a grid of cells of
 * `cell` pixels, interpolated bilinearly in between, so that nearby pixels
 * err together as a flow method's do (per-pixel noise would average away in
 * the network's pooled offsets).
 */
function addSmoothNoise(flow: Flow, std: number, cell: number, random: () => number): Flow {
  const { width, height } = flow;
  const [gw, gh] = [Math.ceil(width / cell) + 1, Math.ceil(height / cell) + 1];
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const grid = [Float32Array.from({ length: gw * gh }, () => std * gaussian()), Float32Array.from({ length: gw * gh }, () => std * gaussian())];
  const [u, v] = [Float32Array.from(flow.u), Float32Array.from(flow.v)];
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const [y0, fy] = [Math.floor(gy), gy - Math.floor(gy)];
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const [x0, fx] = [Math.floor(gx), gx - Math.floor(gx)];
      const at = (g: Float32Array) =>
        (1 - fy) * ((1 - fx) * g[y0 * gw + x0] + fx * g[y0 * gw + x0 + 1]) + fy * ((1 - fx) * g[(y0 + 1) * gw + x0] + fx * g[(y0 + 1) * gw + x0 + 1]);
      u[y * width + x] += at(grid[0]);
      v[y * width + x] += at(grid[1]);
    }
  }
  return { width, height, u, v };
}

export interface SyntheticFlowOptions {
  /**
   * Degrade the true motion by a smooth random error of this standard
   * deviation per component, in pixels at 64x64 (scaled with the size): the
   * noisy oracles of the trajectory-quality curve. Default 0.
   */
  noise?: number;
  /**
   * false: every object pixel moves with the object's centre, as if it did not
   * turn (the true translation without the spin). A diagnostic of what
   * trajectories that align the spin away cost. Default true.
   */
  spin?: boolean;
}

/**
 * The true motion of a sample's clip, for each consecutive pair: `forward[t]`
 * is the flow of frame t to t + 1 and `backward[t]` the flow of frame t + 1
 * back to t, of every pixel: the square's rigid motion where it is in the
 * frame the flow starts from, 0 on the (static) background. With `noise`, each
 * flow gets its own smooth error field, drawn from the sample's seed.
 */
export function renderSyntheticFlows(sample: SyntheticSample, options: SyntheticFlowOptions = {}): { forward: Flow[]; backward: Flow[] } {
  const { width, height, frameCount, object } = scene(sample);
  const scale = Math.min(width, height) / 64;
  const noise = options.noise ?? 0;
  const spin = options.spin ?? true;
  const random = noise > 0 ? seededRandom(...sample.synthetic.seed, 'trajectory-noise', noise) : null;
  const flowOf = (from: number, to: number): Flow => {
    const u = new Float32Array(width * height);
    const v = new Float32Array(width * height);
    forEachObjectPixel(object, from, width, height, (px, py, ox, oy) => {
      const [du, dv] = spin ? displacement(object, from, to, ox, oy) : [object.vx * (to - from), object.vy * (to - from)];
      u[py * width + px] = du;
      v[py * width + px] = dv;
    });
    const flow = { width, height, u, v };
    // one res3 cell (1/8 of the frame) per noise cell
    return random != null ? addSmoothNoise(flow, noise * scale, 8 * scale, random) : flow;
  };
  const forward: Flow[] = [];
  const backward: Flow[] = [];
  for (let f = 0; f + 1 < frameCount; f++) {
    forward.push(flowOf(f, f + 1));
    backward.push(flowOf(f + 1, f));
  }
  return { forward, backward };
}
