/**
 * Procedural videos with ground-truth optical flow, for pretraining and
 * checking flow networks: a textured background and textured foreground layers
 * (crops of real frames or synthetic textures) move with smooth random affine
 * motions and occlude each other, like FlyingChairs but as sequences of any
 * length. For every consecutive pair the generator returns the forward flow
 * (frame t -> t+1) of every pixel of frame t and an occlusion mask (pixels
 * that are hidden or out of view in frame t+1).
 *
 * A layer maps its own coordinates q to the image by p = M q + c (M 2x2,
 * c its centre). Between frames it turns by a small angle, zooms about c and
 * moves c, so the flow of a pixel p of frame t on layer L is
 * M_{t+1} M_t^-1 (p - c_t) + c_{t+1} - p, exactly. A pixel takes the colour
 * of the front-most layer that covers it, sampled bilinearly from the layer's
 * texture; frames are rounded to 8 bits.
 *
 * Pure typed arrays, no tfjs; deterministic in the seed.
 */
import type { Flow } from '../flow/flo.js';
import type { RgbImage } from '../frames/folder.js';
import { mixSeeds, type RandomState, randomFromState, seededRandom } from '@trajectorynet/core';
import { VideoIOError } from '../errors.js';

/**
 * Texture kinds: crops of the given real images, or synthetic ones. `leaves`
 * is a dead-leaves image (overlapping discs of every size, their radii
 * drawn from a power law, with correlated colour channels): the edges,
 * flat regions and scale statistics of natural images without any image.
 * `ramp` (linear colour gradients) is for exactness tests.
 */
export type ProceduralTextureKind = 'real' | 'noise' | 'gratings' | 'checker' | 'leaves' | 'ramp';

/** Per-frame motion limits of a layer. */
export interface LayerMotion {
  /** Largest translation per frame, as a fraction of the shorter image side (magnitudes lean towards small ones). */
  translation: number;
  /** Largest rotation per frame, radians. */
  rotation: number;
  /** Largest zoom per frame: the scale changes by a factor in exp(±zoom). */
  zoom: number;
}

export interface ProceduralOptions {
  width: number;
  height: number;
  /** Frames per sequence (at least 2); flows and occlusion masks for each consecutive pair. Default 2. */
  frames?: number;
  /** Real images to crop textures from (e.g. decoded video frames); without them only synthetic textures are used. */
  textures?: RgbImage[];
  /** Texture kinds to draw from, uniformly; 'real' only when `textures` are given. Default: real, noise, gratings, checker with real drawn half of the time; without textures, leaves in its place. */
  textureKinds?: ProceduralTextureKind[];
  /** Foreground layers per sequence, [min, max]. Default [2, 6]. */
  layers?: [number, number];
  /** Foreground sizes (radius) as fractions of the shorter side, [min, max]. Default [0.08, 0.3]. */
  layerSize?: [number, number];
  /** Motion limits. Default background { 0.03, 0.02, 0.02 }, foreground { 0.12, 0.06, 0.04 }. */
  background?: LayerMotion;
  foreground?: LayerMotion;
}

export interface ProceduralSequence {
  width: number;
  height: number;
  /** rgb24 frames, row-major. */
  frames: Uint8Array[];
  /** flows[t]: forward flow of frame t to frame t+1, pixels. */
  flows: Flow[];
  /** occlusions[t][p] = 1 where the point of frame t at p is hidden by a layer in front, or out of view, in frame t+1. */
  occlusions: Uint8Array[];
  /** segments[t][p]: the layer frame t shows at p (0 the background, then the foreground layers from back to front). */
  segments: Uint8Array[];
}

const DEFAULT_BACKGROUND: LayerMotion = { translation: 0.03, rotation: 0.02, zoom: 0.02 };
const DEFAULT_FOREGROUND: LayerMotion = { translation: 0.12, rotation: 0.06, zoom: 0.04 };

type Random = () => number;

/** A texture raster (RGB floats in 0..255) sampled bilinearly, clamped at its edges. */
interface Texture {
  width: number;
  height: number;
  data: Float32Array | Uint8Array;
}

/** Shapes in layer coordinates (texels, origin at the layer's centre). */
type Primitive =
  | { kind: 'blob'; radius: number; harmonics: [number, number, number][] }
  | { kind: 'star'; xs: Float64Array; ys: Float64Array }
  | { kind: 'bar'; cx: number; cy: number; cos: number; sin: number; halfLength: number; halfWidth: number };

interface Layer {
  texture: Texture;
  /** Union of primitives; null for the background, which covers everything. */
  shape: Primitive[] | null;
  /** Bounding radius of the shape in layer coordinates. */
  reach: number;
  /** Per frame: M (a, b; c, d) row-major and the centre (x, y). */
  states: Float64Array[];
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function sampleTexture(texture: Texture, u: number, v: number, out: Float64Array): void {
  const { width, height, data } = texture;
  const x = Math.min(Math.max(u, 0), width - 1);
  const y = Math.min(Math.max(v, 0), height - 1);
  const x0 = Math.min(Math.floor(x), width - 2);
  const y0 = Math.min(Math.floor(y), height - 2);
  const fx = x - x0;
  const fy = y - y0;
  const a = (y0 * width + x0) * 3;
  const b = a + 3;
  const c = a + width * 3;
  const d = c + 3;
  for (let ch = 0; ch < 3; ch++) {
    out[ch] = (1 - fy) * ((1 - fx) * data[a + ch] + fx * data[b + ch]) + fy * ((1 - fx) * data[c + ch] + fx * data[d + ch]);
  }
}

/** Value noise in -1..1: 3 octaves of random values on grids (spacing 4-20 texels, halved per octave), smoothstep-interpolated. */
function valueNoise(width: number, height: number, r: Random): Float32Array {
  const field = new Float32Array(width * height);
  const base = 4 + 16 * r();
  for (let o = 0; o < 3; o++) {
    const spacing = base / 2 ** o;
    const amplitude = 0.5 ** o / 1.75;
    const gw = Math.ceil(width / spacing) + 2;
    const gh = Math.ceil(height / spacing) + 2;
    const grid = Float32Array.from({ length: gw * gh }, () => r() * 2 - 1);
    for (let y = 0; y < height; y++) {
      const iy = Math.floor(y / spacing);
      const fy = y / spacing - iy;
      const sy = fy * fy * (3 - 2 * fy);
      for (let x = 0; x < width; x++) {
        const ix = Math.floor(x / spacing);
        const fx = x / spacing - ix;
        const sx = fx * fx * (3 - 2 * fx);
        const g = iy * gw + ix;
        field[y * width + x] += amplitude * lerp(lerp(grid[g], grid[g + 1], sx), lerp(grid[g + gw], grid[g + gw + 1], sx), sy);
      }
    }
  }
  return field;
}

/** Gratings (the mean of 2-3 plane waves, wavelengths 4-24 texels) or a checker (two waves multiplied, edges sharpened by tanh), in -1..1. */
function waveField(kind: 'gratings' | 'checker', width: number, height: number, r: Random): Float32Array {
  const field = new Float32Array(width * height);
  const count = kind === 'checker' ? 2 : 2 + Math.floor(2 * r());
  const waves = Array.from({ length: count }, () => {
    const angle = r() * Math.PI;
    const frequency = (2 * Math.PI) / (4 + 20 * r());
    return [Math.cos(angle) * frequency, Math.sin(angle) * frequency, 2 * Math.PI * r()];
  });
  const sharpness = 1 + 3 * r();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let f = kind === 'checker' ? 1 : 0;
      for (const [fx, fy, phase] of waves) f = kind === 'checker' ? f * Math.sin(fx * x + fy * y + phase) : f + Math.sin(fx * x + fy * y + phase) / count;
      field[y * width + x] = kind === 'checker' ? Math.tanh(sharpness * f) / Math.tanh(sharpness) : f;
    }
  }
  return field;
}

/**
 * Dead leaves: discs painted one over another until the raster is covered
 * about three times, radii with density ~ r^-3 between 1.5 texels and a
 * quarter of the side (the scale invariance of natural images), each disc
 * one colour whose channels share most of their value (a grey level and a
 * tint) with edges one texel wide, then a faint value noise so that no
 * region is perfectly flat.
 */
function deadLeaves(width: number, height: number, r: Random): Float32Array {
  const data = new Float32Array(width * height * 3);
  const [rMin, rMax] = [1.5, Math.max(2, Math.min(width, height) / 4)];
  // E[pi r^2] for density r^-3 on [rMin, rMax]: pi ln(rMax/rMin) / ((rMin^-2 - rMax^-2) / 2)
  const meanArea = (Math.PI * Math.log(rMax / rMin)) / ((rMin ** -2 - rMax ** -2) / 2);
  const count = Math.ceil((3 * width * height) / meanArea);
  // a base colour under the discs: about e^-3 of the raster is left uncovered
  data.fill(20 + 215 * r());
  for (let k = 0; k < count; k++) {
    // inverse CDF of the r^-3 density
    const radius = (rMin ** -2 - r() * (rMin ** -2 - rMax ** -2)) ** -0.5;
    const [cx, cy] = [r() * width, r() * height];
    const grey = 20 + 215 * r();
    const colour = [0, 1, 2].map(() => Math.min(255, Math.max(0, grey + 40 * (r() - 0.5))));
    const reach = radius + 0.5;
    for (let y = Math.max(0, Math.ceil(cy - reach)); y <= Math.min(height - 1, Math.floor(cy + reach)); y++) {
      for (let x = Math.max(0, Math.ceil(cx - reach)); x <= Math.min(width - 1, Math.floor(cx + reach)); x++) {
        // edges one texel wide (a camera's blur, not aliased steps): the share of the texel the disc covers
        const cover = Math.min(1, reach - Math.hypot(x - cx, y - cy));
        if (cover <= 0) continue;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) data[o + c] += cover * (colour[c] - data[o + c]);
      }
    }
  }
  const grain = valueNoise(width, height, r);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.min(255, Math.max(0, data[i * 3 + c] + 12 * grain[i]));
  return data;
}

function synthesiseTexture(kind: Exclude<ProceduralTextureKind, 'real'>, width: number, height: number, r: Random): Texture {
  if (kind === 'leaves') return { width, height, data: deadLeaves(width, height, r) };
  const data = new Float32Array(width * height * 3);
  if (kind === 'ramp') {
    // linear in both axes, kept inside 30..225 so that no clamping breaks the linearity
    const gx = [r(), r(), r()].map((g) => ((g - 0.5) * 150) / width);
    const gy = [r(), r(), r()].map((g) => ((g - 0.5) * 150) / height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = 127.5 + gx[c] * (x - width / 2) + gy[c] * (y - height / 2);
    return { width, height, data };
  }
  // each channel its own pattern (colour carries three signals, not one), kept inside 0..255 (no flat clipped areas)
  for (let c = 0; c < 3; c++) {
    const field = kind === 'noise' ? valueNoise(width, height, r) : waveField(kind, width, height, r);
    const centre = 50 + 155 * r();
    const amplitude = (0.4 + 0.5 * r()) * Math.min(centre, 255 - centre);
    for (let i = 0; i < width * height; i++) data[i * 3 + c] = centre + amplitude * field[i];
  }
  return { width, height, data };
}

/** A crop of a real image resampled (bilinear) to width x height texels, at a random place and scale. */
function cropTexture(image: RgbImage, width: number, height: number, r: Random): Texture {
  // source pixels per texel: 0.8..2, smaller when the image is too small for the crop
  const scale = Math.min(0.8 + 1.2 * r(), (image.width - 1) / width, (image.height - 1) / height);
  const x0 = r() * Math.max(0, image.width - 1 - width * scale);
  const y0 = r() * Math.max(0, image.height - 1 - height * scale);
  const source: Texture = image;
  const data = new Float32Array(width * height * 3);
  const rgb = new Float64Array(3);
  const flipX = r() < 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      sampleTexture(source, x0 + (flipX ? width - 1 - x : x) * scale, y0 + y * scale, rgb);
      data.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function randomShape(radius: number, r: Random): Primitive[] {
  const primitives: Primitive[] = [];
  if (r() < 0.5) {
    const harmonics: [number, number, number][] = [2, 3, 4].map((k) => [k, (0.25 * r()) / (k - 1), 2 * Math.PI * r()]);
    primitives.push({ kind: 'blob', radius, harmonics });
  } else {
    const n = 5 + Math.floor(6 * r());
    const angles = Array.from({ length: n }, () => 2 * Math.PI * r()).sort((a, b) => a - b);
    const radii = angles.map(() => radius * (0.35 + 0.65 * r()));
    primitives.push({ kind: 'star', xs: Float64Array.from(angles, (a, i) => radii[i] * Math.cos(a)), ys: Float64Array.from(angles, (a, i) => radii[i] * Math.sin(a)) });
  }
  // thin bars attached to the body (legs, handles): the thin structures of FlyingChairs
  const bars = Math.floor(4 * r());
  for (let i = 0; i < bars; i++) {
    const angle = 2 * Math.PI * r();
    const halfLength = radius * (0.4 + 0.6 * r());
    const along = radius * 0.5;
    primitives.push({ kind: 'bar', cx: along * Math.cos(angle), cy: along * Math.sin(angle), cos: Math.cos(angle), sin: Math.sin(angle), halfLength, halfWidth: 1 + radius * 0.06 * r() });
  }
  return primitives;
}

function insidePrimitive(p: Primitive, x: number, y: number): boolean {
  if (p.kind === 'blob') {
    const d2 = x * x + y * y;
    if (d2 > 2.25 * p.radius * p.radius) return false;
    const angle = Math.atan2(y, x);
    let rho = p.radius;
    for (const h of p.harmonics) rho += p.radius * h[1] * Math.cos(h[0] * angle + h[2]);
    return d2 <= rho * rho;
  }
  if (p.kind === 'bar') {
    const dx = x - p.cx;
    const dy = y - p.cy;
    return Math.abs(dx * p.cos + dy * p.sin) <= p.halfLength && Math.abs(-dx * p.sin + dy * p.cos) <= p.halfWidth;
  }
  // even-odd crossing test
  let inside = false;
  const { xs, ys } = p;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    if (ys[i] > y !== ys[j] > y && x < ((xs[j] - xs[i]) * (y - ys[i])) / (ys[j] - ys[i]) + xs[i]) inside = !inside;
  }
  return inside;
}

/** Layer coordinates of image point (px, py) at a state; returns false when the layer does not cover it. */
function toLayer(layer: Layer, state: Float64Array, px: number, py: number, out: Float64Array): boolean {
  const dx = px - state[4];
  const dy = py - state[5];
  // M is a rotation times a zoom, so |p - c| = sqrt(det) |q|: most misses end here
  const det = state[0] * state[3] - state[1] * state[2];
  if (layer.shape != null && dx * dx + dy * dy > det * layer.reach * layer.reach) return false;
  const qx = (state[3] * dx - state[1] * dy) / det;
  const qy = (-state[2] * dx + state[0] * dy) / det;
  out[0] = qx;
  out[1] = qy;
  if (layer.shape == null) return true;
  if (qx * qx + qy * qy > layer.reach * layer.reach) return false;
  for (const primitive of layer.shape) if (insidePrimitive(primitive, qx, qy)) return true;
  return false;
}

/** A motion drawn within the limits: translation (px), rotation, log zoom. */
function drawMotion(limits: LayerMotion, side: number, r: Random): [number, number, number, number] {
  const magnitude = limits.translation * side * r() ** 1.5;
  const direction = 2 * Math.PI * r();
  return [magnitude * Math.cos(direction), magnitude * Math.sin(direction), limits.rotation * (2 * r() - 1), limits.zoom * (2 * r() - 1)];
}

/** States of a layer over `frames` frames: the motion changes linearly from a start to an end draw (smooth in time). */
function layerStates(initial: Float64Array, limits: LayerMotion, side: number, frames: number, r: Random): Float64Array[] {
  const start = drawMotion(limits, side, r);
  const end = drawMotion(limits, side, r);
  const states = [initial];
  for (let t = 0; t + 1 < frames; t++) {
    const w = frames > 2 ? t / (frames - 2) : 0;
    const [tx, ty, angle, zoom] = start.map((s, i) => lerp(s, end[i], w));
    const [a, b, c, d, cx, cy] = states[t];
    const k = Math.exp(zoom);
    const [cos, sin] = [k * Math.cos(angle), k * Math.sin(angle)];
    // M <- (zoom * rotation) M about the centre, then the centre moves
    states.push(Float64Array.of(cos * a - sin * c, cos * b - sin * d, sin * a + cos * c, sin * b + cos * d, cx + tx, cy + ty));
  }
  return states;
}

function resolveKinds(options: ProceduralOptions): ProceduralTextureKind[] {
  const real = (options.textures?.length ?? 0) > 0;
  // without real images, dead leaves stand in for them (drawn half of the time, as real crops are)
  const kinds = options.textureKinds ?? (real ? ['real', 'real', 'real', 'noise', 'gratings', 'checker'] : ['leaves', 'leaves', 'leaves', 'noise', 'gratings', 'checker']);
  if (kinds.length === 0) throw new VideoIOError('BAD_ARGUMENT', 'procedural: textureKinds is empty', { path: 'textureKinds' });
  if (kinds.includes('real') && !real) throw new VideoIOError('BAD_ARGUMENT', "procedural: textureKinds has 'real' but no textures were given", { path: 'textures' });
  return kinds;
}

function makeTexture(kinds: ProceduralTextureKind[], textures: RgbImage[] | undefined, width: number, height: number, r: Random): Texture {
  const kind = kinds[Math.floor(r() * kinds.length)];
  if (kind === 'real') return cropTexture((textures as RgbImage[])[Math.floor(r() * (textures as RgbImage[]).length)], width, height, r);
  return synthesiseTexture(kind, width, height, r);
}

function checkOptions(options: ProceduralOptions): void {
  const { width, height } = options;
  const frames = options.frames ?? 2;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 8 || height < 8) throw new VideoIOError('BAD_ARGUMENT', `procedural: width and height must be integers >= 8, got ${width}x${height}`, { path: 'width' });
  if (!Number.isInteger(frames) || frames < 2) throw new VideoIOError('BAD_ARGUMENT', `procedural: frames must be an integer >= 2, got ${frames}`, { path: 'frames' });
  const [lo, hi] = options.layers ?? [2, 6];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) throw new VideoIOError('BAD_ARGUMENT', `procedural: layers must be integers 0 <= min <= max, got [${lo}, ${hi}]`, { path: 'layers' });
}

/** Renders the sequence of `seed` (a number or a core random state): frames, forward flows and occlusion masks. */
export function renderProceduralSequence(options: ProceduralOptions, seed: number | RandomState): ProceduralSequence {
  checkOptions(options);
  const { width, height } = options;
  const frameCount = options.frames ?? 2;
  const r = typeof seed === 'number' ? seededRandom('procedural', seed) : randomFromState(seed);
  const side = Math.min(width, height);
  const kinds = resolveKinds(options);
  const bgLimits = options.background ?? DEFAULT_BACKGROUND;
  const fgLimits = options.foreground ?? DEFAULT_FOREGROUND;

  // background: covers the image and whatever its motion brings in
  const bgScale = Math.exp(0.2 * (2 * r() - 1));
  const bgAngle = 0.1 * (2 * r() - 1);
  const travel = (frameCount - 1) * bgLimits.translation * side;
  // the image seen through the background's inverse motion stays within this radius (texels) of the texture's centre
  const bgSide = Math.ceil(((Math.hypot(width, height) + 2 * travel) * Math.exp(bgLimits.zoom * (frameCount - 1))) / bgScale) + 4;
  const bgInitial = Float64Array.of(bgScale * Math.cos(bgAngle), -bgScale * Math.sin(bgAngle), bgScale * Math.sin(bgAngle), bgScale * Math.cos(bgAngle), width / 2, height / 2);
  const layers: Layer[] = [
    { texture: makeTexture(kinds, options.textures, bgSide, bgSide, r), shape: null, reach: Number.POSITIVE_INFINITY, states: layerStates(bgInitial, bgLimits, side, frameCount, r) },
  ];
  const [lo, hi] = options.layers ?? [2, 6];
  const [small, large] = options.layerSize ?? [0.08, 0.3];
  const count = lo + Math.floor(r() * (hi - lo + 1));
  for (let i = 0; i < count; i++) {
    const scale = Math.exp(0.3 * (2 * r() - 1));
    const radius = (side * lerp(small, large, r())) / scale; // in texels
    const angle = 2 * Math.PI * r();
    const shape = randomShape(radius, r);
    const reach = 1.5 * radius; // blobs reach 1.46 radius, bars 1.5
    const texSide = Math.ceil(2 * reach) + 4;
    const initial = Float64Array.of(scale * Math.cos(angle), -scale * Math.sin(angle), scale * Math.sin(angle), scale * Math.cos(angle), width * r(), height * r());
    layers.push({ texture: makeTexture(kinds, options.textures, texSide, texSide, r), shape, reach, states: layerStates(initial, fgLimits, side, frameCount, r) });
  }
  layers.reverse(); // front to back: the last drawn foreground is in front, the background last

  const frames: Uint8Array[] = [];
  const owners: Uint8Array[] = []; // the layer seen at each pixel, 0 = background
  const q = new Float64Array(2);
  const rgb = new Float64Array(3);
  for (let t = 0; t < frameCount; t++) {
    const frame = new Uint8Array(width * height * 3);
    const owner = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let l = 0; l < layers.length; l++) {
          const layer = layers[l];
          if (!toLayer(layer, layer.states[t], x, y, q)) continue;
          const { texture } = layer;
          sampleTexture(texture, q[0] + (texture.width - 1) / 2, q[1] + (texture.height - 1) / 2, rgb);
          const o = (y * width + x) * 3;
          for (let c = 0; c < 3; c++) frame[o + c] = Math.round(Math.min(255, Math.max(0, rgb[c])));
          owner[y * width + x] = layers.length - 1 - l;
          break;
        }
      }
    }
    frames.push(frame);
    owners.push(owner);
  }

  const flows: Flow[] = [];
  const occlusions: Uint8Array[] = [];
  for (let t = 0; t + 1 < frameCount; t++) {
    const u = new Float32Array(width * height);
    const v = new Float32Array(width * height);
    const occluded = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const l = layers.length - 1 - owners[t][i];
        const layer = layers[l];
        toLayer(layer, layer.states[t], x, y, q);
        const next = layer.states[t + 1];
        const nx = next[0] * q[0] + next[1] * q[1] + next[4];
        const ny = next[2] * q[0] + next[3] * q[1] + next[5];
        u[i] = nx - x;
        v[i] = ny - y;
        let hidden = nx < 0 || ny < 0 || nx > width - 1 || ny > height - 1;
        for (let front = 0; front < l && !hidden; front++) hidden = toLayer(layers[front], layers[front].states[t + 1], nx, ny, rgb);
        occluded[i] = hidden ? 1 : 0;
      }
    }
    flows.push({ width, height, u, v });
    occlusions.push(occluded);
  }
  return { width, height, frames, flows, occlusions, segments: owners };
}

/** The seed of sequence `index` of a split: training and validation draw from unrelated streams of the same base seed. */
export function proceduralSeed(split: 'train' | 'val', seed: number, index: number): RandomState {
  return mixSeeds('procedural', split, seed, index);
}

/** Training sequences without end: sequence i is renderProceduralSequence(options, proceduralSeed('train', seed, i)). */
export function* proceduralStream(options: ProceduralOptions, seed = 1): Generator<ProceduralSequence> {
  for (let i = 0; ; i++) yield renderProceduralSequence(options, proceduralSeed('train', seed, i));
}

/** A fixed validation set: `count` sequences from the validation seeds (never drawn by the training stream of the same base seed). */
export function proceduralValidationSet(options: ProceduralOptions, count: number, seed = 1): ProceduralSequence[] {
  if (!Number.isInteger(count) || count < 1) throw new VideoIOError('BAD_ARGUMENT', `procedural: count must be a positive integer, got ${count}`, { path: 'count' });
  return Array.from({ length: count }, (_, i) => renderProceduralSequence(options, proceduralSeed('val', seed, i)));
}
