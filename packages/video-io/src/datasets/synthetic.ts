/**
 * The embedded synthetic dataset: procedural, deterministic clips in which
 * only motion defines the class. A textured square travels across a textured
 * background in one of 4 directions while spinning one of 2 ways: 8 classes.
 *
 * - Appearance is random per clip (background gratings, object colours and
 *   stripes, size), so no colour or shape gives the class away.
 * - The scene wraps around (a torus), and the start position and angle are
 *   uniform, so every single frame has the same distribution in every class:
 *   one frame cannot reveal the class; the spin sense needs the object to be
 *   followed over frames.
 * - Objects (18-26 px at 64x64) move 2.5-4 px and turn 25-35 degrees per frame
 *   (scaled with the size), so a feature at a fixed position is misaligned
 *   across frames.
 */
import type { Frames } from '../ffmpeg/decode.js';
import type { Flow } from '../flow/flo.js';
import type { SyntheticSample } from './manifests.js';
import { seededRandom } from '@trajectorynet/core';

export const SYNTHETIC_DIRECTIONS = ['right', 'down', 'left', 'up'] as const;
export const SYNTHETIC_SPINS = ['clockwise', 'anticlockwise'] as const;

/** The 8 class names, in label order: "<direction> <spin>", e.g. "right clockwise". */
export const SYNTHETIC_LABELS: string[] = SYNTHETIC_DIRECTIONS.flatMap((d) => SYNTHETIC_SPINS.map((s) => `${d} ${s}`));

export interface SyntheticOptions {
  split: 'train' | 'val' | 'test';
  clipsPerClass: number;
  frames?: number;
  width?: number;
  height?: number;
  /** Dataset seed; each clip is rendered from (seed, split, index), so train, val and test never share a clip. */
  seed?: number;
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
  const samples: SyntheticSample[] = [];
  for (let i = 0; i < options.clipsPerClass; i++) {
    for (let label = 0; label < SYNTHETIC_LABELS.length; label++) {
      const index = i * SYNTHETIC_LABELS.length + label;
      const id = `${options.split}/${String(index).padStart(5, '0')}`;
      // each clip's stream from (dataset seed, split, index): splits and seeds never share a clip
      samples.push({ path: `synthetic://${id}`, id, label, frameCount: frames, kind: 'synthetic', synthetic: { seed: [seed, SPLIT_CODE[options.split], index], frames, width, height } });
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

/** Renders a sample's clip: `frames` rgb24 buffers. */
export function renderSyntheticClip(sample: SyntheticSample): Frames {
  return render(sample, false).clip;
}

/**
 * The true motion of a sample's clip: for each consecutive pair, the forward
 * flow (frame f -> f + 1) of every pixel: the square's rigid motion where it
 * is in frame f, 0 on the (static) background.
 */
export function renderSyntheticFlows(sample: SyntheticSample): Flow[] {
  return render(sample, true).flows;
}

function render(sample: SyntheticSample, withFlows: boolean): { clip: Frames; flows: Flow[] } {
  const { seed, frames: frameCount, width, height } = sample.synthetic;
  const r = seededRandom(...seed);
  const scale = Math.min(width, height) / 64;

  // background: three colour gratings with random frequency, angle and phase
  const background = new Float32Array(width * height * 3);
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
  // a mid-grey-ish background, so that the object's bright and dark stripes stand out
  const base = [90 + 60 * r(), 90 + 60 * r(), 90 + 60 * r()];

  // the object: a square with two-colour stripes and a marker corner (so rotation is visible)
  const direction = Math.floor(sample.label / 2);
  const spin = sample.label % 2 === 0 ? 1 : -1; // clockwise in image coordinates (y down) = increasing angle
  const side = (18 + 8 * r()) * scale;
  const speed = (2.5 + 1.5 * r()) * scale;
  const turn = ((25 + 10 * r()) * Math.PI) / 180;
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

  const frames: Uint8Array[] = [];
  for (let f = 0; f < frameCount; f++) {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.max(0, Math.min(255, base[c] + background[i * 3 + c]));
    forEachObjectPixel(object, f, width, height, (px, py, ox, oy) => {
      let colour = Math.floor(((ox + object.half) / (2 * object.half)) * stripes) % 2 === 0 ? colourA : colourB;
      if (ox > object.half * 0.4 && oy > object.half * 0.4) colour = marker;
      const o = (py * width + px) * 3;
      data[o] = colour[0];
      data[o + 1] = colour[1];
      data[o + 2] = colour[2];
    });
    frames.push(data);
  }
  const flows: Flow[] = [];
  for (let f = 0; withFlows && f + 1 < frameCount; f++) {
    const u = new Float32Array(width * height);
    const v = new Float32Array(width * height);
    const [a0, a1] = [object.angle0 + object.turn * f, object.angle0 + object.turn * (f + 1)];
    forEachObjectPixel(object, f, width, height, (px, py, ox, oy) => {
      // where the same object point is one frame later, minus where it is now
      const i = py * width + px;
      u[i] = object.vx + (Math.cos(a1) - Math.cos(a0)) * ox - (Math.sin(a1) - Math.sin(a0)) * oy;
      v[i] = object.vy + (Math.sin(a1) - Math.sin(a0)) * ox + (Math.cos(a1) - Math.cos(a0)) * oy;
    });
    flows.push({ width, height, u, v });
  }
  return { clip: { width, height, frames }, flows };
}
