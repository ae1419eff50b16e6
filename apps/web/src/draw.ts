/** Pictures of a run: the clip's frames with the trajectories drawn on them, and the flows as colour images. */
import type { Flow } from '@trajectorynet/core';
import type { WebModelManifest } from '@trajectorynet/training/web';
import { type CropKind, cropBox, flowToColor } from '@trajectorynet/video-io';

/** A canvas showing an rgb24 image. */
export function imageCanvas(rgb: Uint8Array, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    image.data.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

export function flowCanvas(flow: Flow): HTMLCanvasElement {
  const color = flowToColor(flow);
  return imageCanvas(color.data, color.width, color.height);
}

/** The crop of view 0 (what the trajectories of view 0 are relative to). */
function firstViewBox(manifest: WebModelManifest, width: number, height: number) {
  const crop = manifest.pipeline.crop;
  const kind: CropKind = crop === 'three' ? 'three-left' : crop === 'random' || crop === 'multiscale' ? 'centre' : crop;
  return cropBox(kind, width, height, () => 0.5);
}

/**
 * Frame t of view 0 with, for a grid of points of the clip, the points the
 * three temporal taps of a trajectory convolution sample: the point in frame
 * t - 1 (blue), the point itself (white) and the point in frame t + 1 (red),
 * from the offsets [views, T, H, W, K, 2] in clip pixels.
 */
export function trajectoryCanvas(
  manifest: WebModelManifest,
  rgb: Uint8Array,
  width: number,
  height: number,
  offsets: { data: Float32Array; shape: number[] } | undefined,
  t: number,
  scale: number,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  context.imageSmoothingEnabled = true;
  context.drawImage(imageCanvas(rgb, width, height), 0, 0, canvas.width, canvas.height);
  const box = firstViewBox(manifest, width, height);
  context.strokeStyle = 'rgba(255,255,0,0.8)';
  context.lineWidth = 1;
  context.strokeRect(box.x * scale, box.y * scale, box.width * scale, box.height * scale);
  // MotionNet-(T+1) models see one frame more than their trajectories cover
  if (offsets == null || t >= offsets.shape[1]) return canvas;
  const [, frames, h, w, k] = offsets.shape;
  // clip pixel (x, y) -> canvas
  const sx = (box.width / w) * scale;
  const sy = (box.height / h) * scale;
  const toCanvas = (x: number, y: number) => [box.x * scale + (x + 0.5) * sx, box.y * scale + (y + 0.5) * sy];
  const step = Math.max(1, Math.round(Math.min(w, h) / 10));
  const at = (y: number, x: number, tap: number) => ((((0 * frames + t) * h + y) * w + x) * k + tap) * 2;
  const colours = ['#39f', '#fff', '#f43'];
  for (let y = Math.floor(step / 2); y < h; y += step) {
    for (let x = Math.floor(step / 2); x < w; x += step) {
      const points = Array.from({ length: k }, (_, tap) => toCanvas(x + offsets.data[at(y, x, tap)], y + offsets.data[at(y, x, tap) + 1]));
      context.strokeStyle = 'rgba(255,255,255,0.7)';
      context.beginPath();
      context.moveTo(points[0][0], points[0][1]);
      for (const [px, py] of points.slice(1)) context.lineTo(px, py);
      context.stroke();
      points.forEach(([px, py], tap) => {
        context.fillStyle = colours[Math.round((tap * (colours.length - 1)) / Math.max(1, k - 1))];
        context.beginPath();
        context.arc(px, py, tap === (k - 1) / 2 ? 1.5 : 2.2, 0, 2 * Math.PI);
        context.fill();
      });
    }
  }
  return canvas;
}

/**
 * The flow frame t -> t + 1 a trajectory follows, read from its next tap: for
 * view 0 of offsets [views, T, H, W, K, 2] (clip pixels), tap (K + 1) / 2
 * reads frame t + dilation, and with dilation 1 its offset is the forward flow
 * (MotionNet's, for a joint model). Null when t + 1 is outside the clip.
 */
export function nextTapFlow(offsets: { data: Float32Array; shape: number[] }, t: number): Flow | null {
  const [, frames, height, width, taps] = offsets.shape;
  if (taps < 3 || t + 1 >= frames) return null;
  const next = (taps + 1) / 2;
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const at = ((t * height * width + p) * taps + next) * 2;
    u[p] = offsets.data[at];
    v[p] = offsets.data[at + 1];
  }
  return { width, height, u, v };
}
