/** Flow as a colour image (the Middlebury colour wheel: hue = direction, saturation = magnitude). */
import type { RgbImage } from '../frames/folder.js';
import type { Flow } from './flo.js';

// Colour wheel segments (Baker et al., "A Database and Evaluation Methodology for Optical Flow").
const SEGMENTS: [number, [number, number, number], [number, number, number]][] = [
  [15, [255, 0, 0], [255, 255, 0]], // red -> yellow
  [6, [255, 255, 0], [0, 255, 0]], // yellow -> green
  [4, [0, 255, 0], [0, 255, 255]], // green -> cyan
  [11, [0, 255, 255], [0, 0, 255]], // cyan -> blue
  [13, [0, 0, 255], [255, 0, 255]], // blue -> magenta
  [6, [255, 0, 255], [255, 0, 0]], // magenta -> red
];

function buildWheel(): Float32Array {
  const total = SEGMENTS.reduce((a, s) => a + s[0], 0);
  const wheel = new Float32Array(total * 3);
  let i = 0;
  for (const [steps, from, to] of SEGMENTS) {
    for (let s = 0; s < steps; s++, i++) for (let c = 0; c < 3; c++) wheel[i * 3 + c] = from[c] + ((to[c] - from[c]) * s) / steps;
  }
  return wheel;
}
const WHEEL = buildWheel();
const COLS = WHEEL.length / 3;

/** rgb24 image of the flow; magnitudes are scaled by `maxMagnitude` (default: the largest finite one). Unknown values are black. */
export function flowToColor(flow: Flow, options: { maxMagnitude?: number } = {}): RgbImage {
  const n = flow.width * flow.height;
  const known = (i: number) => Math.abs(flow.u[i]) < 1e9 && Math.abs(flow.v[i]) < 1e9 && Number.isFinite(flow.u[i]) && Number.isFinite(flow.v[i]);
  let max = options.maxMagnitude ?? 0;
  if (options.maxMagnitude == null) for (let i = 0; i < n; i++) if (known(i)) max = Math.max(max, Math.hypot(flow.u[i], flow.v[i]));
  const scale = max > 0 ? 1 / max : 0;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (!known(i)) continue;
    const u = flow.u[i] * scale;
    const v = flow.v[i] * scale;
    const radius = Math.hypot(u, v);
    const angle = Math.atan2(-v, -u) / Math.PI;
    const fk = ((angle + 1) / 2) * (COLS - 1);
    const k0 = Math.floor(fk);
    const k1 = (k0 + 1) % COLS;
    const f = fk - k0;
    for (let c = 0; c < 3; c++) {
      let col = ((1 - f) * WHEEL[k0 * 3 + c] + f * WHEEL[k1 * 3 + c]) / 255;
      col = radius <= 1 ? 1 - radius * (1 - col) : col * 0.75; // out of range: darker
      data[i * 3 + c] = Math.round(255 * col);
    }
  }
  return { width: flow.width, height: flow.height, data };
}
