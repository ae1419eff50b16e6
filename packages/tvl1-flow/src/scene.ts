/**
 * Harder frame pairs with known flow than syntheticPair's single motions: a
 * scene of layers made from real images (a background and several objects,
 * each with its own rigid motion: translation, rotation, scaling), drawn
 * at time 0 and time 1. Everything the real benchmarks have and a single
 * affine motion lacks follows from the layers: independently moving
 * objects over a moving background, occlusion and disocclusion at their
 * boundaries, thin structures (bars a few pixels wide), and optionally
 * motion blur (each frame averaged over its exposure along every layer's
 * motion) and an illumination change (gain, offset and a smooth shading
 * ramp on frame1).
 *
 * Ground truth is the motion of the layer seen at each pixel of frame0,
 * defined everywhere as in FlyingChairs and Sintel; `occluded` marks the
 * pixels without a correspondence in frame1 (covered by a layer in front,
 * or moved out of the frame), so that the error can be reported on all
 * pixels and on the matched ones.
 */
import type { Flow } from '@trajectorynet/core';
import { seededRandom } from '@trajectorynet/core';
import { Tvl1Error } from './errors.js';
import { sampleBicubic } from './image.js';
import type { GrayImage } from './synthetic.js';

/** What a scene stresses besides its moving objects. */
export type SceneKind = 'objects' | 'thin' | 'blur' | 'illumination';

export interface ScenePairSpec {
  kind: SceneKind;
  width: number;
  height: number;
  /** Typical displacement of the objects in pixels (the background moves 20-100% as far). */
  magnitude: number;
  seed: number;
}

export interface ScenePair {
  spec: ScenePairSpec;
  frame0: { data: Uint8Array; width: number; height: number; channels: 1 };
  frame1: { data: Uint8Array; width: number; height: number; channels: 1 };
  /** Ground truth at every pixel. */
  truth: Flow;
  /** 1 where the pixel of frame0 has no correspondence in frame1 (occluded or out of the frame). */
  occluded: Uint8Array;
  /** Mean |flow| over all pixels. */
  meanMagnitude: number;
}

/** A rigid motion scaled by s in [0, 1]: rotation and scaling about (cx, cy), then a translation. */
interface Motion {
  angle: number;
  scale: number;
  cx: number;
  cy: number;
  tx: number;
  ty: number;
}

interface Layer {
  /** Membership in the layer's own (time-0) coordinates. */
  inside: (x: number, y: number) => boolean;
  texture: (x: number, y: number) => number;
  motion: Motion;
}

/** Where the motion at time s takes (x, y). */
function forward(m: Motion, s: number, x: number, y: number): [number, number] {
  const k = 1 + s * (m.scale - 1);
  const [c, n] = [k * Math.cos(s * m.angle), k * Math.sin(s * m.angle)];
  const [dx, dy] = [x - m.cx, y - m.cy];
  return [m.cx + c * dx - n * dy + s * m.tx, m.cy + n * dx + c * dy + s * m.ty];
}

/** The time-0 point that the motion at time s takes to (x, y). */
function backward(m: Motion, s: number, x: number, y: number): [number, number] {
  const k = 1 + s * (m.scale - 1);
  const [c, n] = [Math.cos(s * m.angle) / k, Math.sin(s * m.angle) / k];
  const [dx, dy] = [x - s * m.tx - m.cx, y - s * m.ty - m.cy];
  return [m.cx + c * dx + n * dy, m.cy - n * dx + c * dy];
}

/** A texture seen through a view: canvas coordinates o + k x, mirrored at the canvas edges. */
function view(canvas: GrayImage, k: number, ox: number, oy: number): (x: number, y: number) => number {
  const mirror = (v: number, size: number) => {
    const period = 2 * (size - 1);
    let m = v % period;
    if (m < 0) m += period;
    return m > size - 1 ? period - m : m;
  };
  return (x, y) => sampleBicubic(canvas.data, canvas.width, canvas.height, mirror(ox + k * x, canvas.width), mirror(oy + k * y, canvas.height));
}

/** A star-shaped blob of mean radius r around (cx, cy). */
function blob(rand: () => number, cx: number, cy: number, r: number): (x: number, y: number) => boolean {
  const harmonics = Array.from({ length: 3 }, (_, i) => [(0.25 * rand()) / (i + 1), 2 * Math.PI * rand()]);
  const outer = r * (1 + harmonics.reduce((s, [amp]) => s + amp, 0));
  return (x, y) => {
    const d2 = (x - cx) ** 2 + (y - cy) ** 2;
    if (d2 >= outer * outer) return false;
    const phi = Math.atan2(y - cy, x - cx);
    const radius = r * (1 + harmonics.reduce((s, [amp, phase], i) => s + amp * Math.sin((i + 2) * phi + phase), 0));
    return d2 < radius * radius;
  };
}

/** A bar of the given half-width from (x0, y0) to (x1, y1), round ends. */
function bar(x0: number, y0: number, x1: number, y1: number, halfWidth: number): (x: number, y: number) => boolean {
  const [dx, dy] = [x1 - x0, y1 - y0];
  const length2 = dx * dx + dy * dy;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / length2));
    return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 < halfWidth * halfWidth;
  };
}

/** A random rigid motion whose displacement is about `size` px: mostly translation, some rotation and scaling about (cx, cy). */
function randomMotion(rand: () => number, size: number, cx: number, cy: number, extent: number): Motion {
  const direction = 2 * Math.PI * rand();
  // rotation and zoom each add up to ~25% of the displacement at the layer's typical radius
  const angle = ((rand() - 0.5) * 0.5 * size) / extent;
  const scale = 1 + ((rand() - 0.5) * 0.5 * size) / extent;
  return { angle, scale, cx, cy, tx: size * Math.cos(direction), ty: size * Math.sin(direction) };
}

/** The scene's layers, back to front. */
function buildLayers(textures: GrayImage[], spec: ScenePairSpec, rand: () => number): Layer[] {
  const { width: W, height: H, magnitude } = spec;
  const pick = () => textures[Math.floor(rand() * textures.length)];
  const texture = (scale: number) => {
    const t = pick();
    const k = Math.min(t.width / (W * scale), t.height / (H * scale));
    return view(t, k, rand() * Math.max(0, t.width - k * W), rand() * Math.max(0, t.height - k * H));
  };
  const layers: Layer[] = [];
  // the background: a view with room around the frame for what enters it
  const bgMotion = randomMotion(rand, magnitude * (0.2 + 0.8 * rand()), W * (0.2 + 0.6 * rand()), H * (0.2 + 0.6 * rand()), Math.hypot(W, H) / 2);
  layers.push({ inside: () => true, texture: texture(1.4), motion: bgMotion });
  const objects = 2 + Math.floor(rand() * 3);
  for (let o = 0; o < objects; o++) {
    const [cx, cy] = [W * (0.1 + 0.8 * rand()), H * (0.1 + 0.8 * rand())];
    const r = H * (0.08 + 0.14 * rand());
    layers.push({ inside: blob(rand, cx, cy, r), texture: texture(1), motion: randomMotion(rand, magnitude * (0.6 + 0.8 * rand()), cx, cy, r) });
  }
  if (spec.kind === 'thin') {
    // bars 2-6 px wide, a quarter to half the frame's height long, each with its own motion
    const bars = 3 + Math.floor(rand() * 3);
    for (let b = 0; b < bars; b++) {
      const [cx, cy] = [W * (0.1 + 0.8 * rand()), H * (0.1 + 0.8 * rand())];
      const [length, phi] = [H * (0.25 + 0.25 * rand()), Math.PI * rand()];
      const [ex, ey] = [(length / 2) * Math.cos(phi), (length / 2) * Math.sin(phi)];
      layers.push({ inside: bar(cx - ex, cy - ey, cx + ex, cy + ey, 1 + 2 * rand()), texture: texture(1), motion: randomMotion(rand, magnitude * (0.6 + 0.8 * rand()), cx, cy, length / 2) });
    }
  }
  return layers;
}

/** The scene at time s: at each pixel the front-most layer that covers it. */
function render(layers: Layer[], W: number, H: number, s: number, out: Float32Array, weight: number): void {
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      for (let k = layers.length - 1; k >= 0; k--) {
        const [px, py] = backward(layers[k].motion, s, x, y);
        if (layers[k].inside(px, py)) {
          out[y * W + x] += weight * layers[k].texture(px, py);
          break;
        }
      }
    }
}

/** The frame at time t, averaged over `samples` instants of an exposure of the given length (0: a sharp frame). */
function frameAt(layers: Layer[], W: number, H: number, t: number, exposure: number, samples: number): Float32Array {
  const out = new Float32Array(W * H);
  const n = exposure > 0 ? samples : 1;
  for (let j = 0; j < n; j++) render(layers, W, H, n === 1 ? t : t + exposure * (j / (n - 1) - 0.5), out, 1 / n);
  return out;
}

/**
 * One scene pair drawn from spec.seed (textures, layers, motions, blur,
 * lighting). Needs at least one texture; more give more varied scenes.
 */
export function scenePair(textures: GrayImage[], spec: ScenePairSpec): ScenePair {
  if (textures.length < 1) throw new Tvl1Error('BAD_ARGUMENT', 'needs at least 1 texture', { path: 'scenePair' });
  const { width: W, height: H } = spec;
  const rand = seededRandom(spec.seed);
  const layers = buildLayers(textures, spec, rand);
  // motion blur: an exposure of 10-30% of the frame interval, 9 instants
  const exposure = spec.kind === 'blur' ? 0.1 + 0.2 * rand() : 0;
  const f0 = frameAt(layers, W, H, 0, exposure, 9);
  const f1 = frameAt(layers, W, H, 1, exposure, 9);
  if (spec.kind === 'illumination') {
    // frame1 brighter or darker by up to 25%, shifted by up to 20 levels, with a shading ramp of up to 40 levels across the frame
    const gain = 1 + (rand() - 0.5) * 0.5;
    const offset = (rand() - 0.5) * 40;
    const [rampX, rampY] = [((rand() - 0.5) * 40) / W, ((rand() - 0.5) * 40) / H];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f1[y * W + x] = gain * f1[y * W + x] + offset + rampX * (x - W / 2) + rampY * (y - H / 2);
  }
  const n = W * H;
  const toBytes = (f: Float32Array) => Uint8Array.from(f, (value) => Math.max(0, Math.min(255, Math.round(value))));
  const [u, v, occluded] = [new Float32Array(n), new Float32Array(n), new Uint8Array(n)];
  let sum = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      let k = layers.length - 1;
      while (!layers[k].inside(x, y)) k -= 1;
      const [tx, ty] = forward(layers[k].motion, 1, x, y);
      u[i] = tx - x;
      v[i] = ty - y;
      sum += Math.hypot(u[i], v[i]);
      let hidden = tx < 0 || tx > W - 1 || ty < 0 || ty > H - 1;
      for (let j = k + 1; j < layers.length && !hidden; j++) hidden = layers[j].inside(...backward(layers[j].motion, 1, tx, ty));
      occluded[i] = hidden ? 1 : 0;
    }
  const frame = (data: Uint8Array) => ({ data, width: W, height: H, channels: 1 as const });
  return { spec, frame0: frame(toBytes(f0)), frame1: frame(toBytes(f1)), truth: { width: W, height: H, u, v }, occluded, meanMagnitude: sum / n };
}

/** `count` specs cycling through the kinds, magnitudes drawn in [min, max] from the seed. */
export function scenePairSpecs(options: { seed: number; width: number; height: number; count: number; magnitude: [number, number] }): ScenePairSpec[] {
  const rand = seededRandom(options.seed);
  const kinds: SceneKind[] = ['objects', 'thin', 'blur', 'illumination'];
  return Array.from({ length: options.count }, (_, i) => ({
    kind: kinds[i % kinds.length],
    width: options.width,
    height: options.height,
    magnitude: options.magnitude[0] + (options.magnitude[1] - options.magnitude[0]) * rand(),
    seed: Math.floor(rand() * 2 ** 31),
  }));
}
