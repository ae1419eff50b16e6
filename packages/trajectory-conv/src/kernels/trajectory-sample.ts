/**
 * The kernels of `trajectorySample`: bilinear sampling of each temporal tap
 * along its trajectory, and the two backward passes (into the features and
 * into the offsets). Plain loops over Float32Arrays, for any backend that can
 * read and make tensors synchronously (cpu, wasm); the channel loop is the
 * innermost and contiguous.
 *
 * Shapes: x [N, T, H, W, C]; offsets [N, To, H, W, K, 2] as (dx, dy);
 * samples [N, To, H, W, K, C]. Tap k of output time to reads frame
 * t = to * stride + (k - (K - 1) / 2) * dilation; frames outside [0, T) and
 * bilinear corners outside the map contribute zero.
 */
import type * as tf from '@tensorflow/tfjs';
import { makeOutput, readValues } from '@trajectorynet/runtime';

export const TRAJECTORY_SAMPLE = 'TrajectorySample';
export const TRAJECTORY_SAMPLE_GRAD_X = 'TrajectorySampleGradX';
export const TRAJECTORY_SAMPLE_GRAD_OFFSETS = 'TrajectorySampleGradOffsets';

export interface SampleAttrs {
  stride: number;
  dilation: number;
}

export interface SampleGeometry {
  n: number;
  t: number;
  h: number;
  w: number;
  c: number;
  to: number;
  k: number;
  stride: number;
  dilation: number;
}

export function geometry(xShape: number[], offsetShape: number[], attrs: SampleAttrs): SampleGeometry {
  const [n, t, h, w, c] = xShape;
  const [, to, , , k] = offsetShape;
  return { n, t, h, w, c, to, k, stride: attrs.stride, dilation: attrs.dilation };
}

/**
 * Visits the (up to four) bilinear corners of every tap: `visit(sampleBase,
 * frameBase, cornerIndex, weight, dWeight/dx, dWeight/dy)`, where sampleBase is
 * the start of the tap's C values in `samples`/`dSamples`, frameBase the start
 * of frame t in x, cornerIndex the corner's pixel index within the frame, and
 * offsetBase the start of the tap's (dx, dy) pair.
 */
function forEachCorner(
  g: SampleGeometry,
  offsets: Float32Array,
  visit: (sampleBase: number, pixelBase: number, offsetBase: number, weight: number, dwdx: number, dwdy: number) => void,
): void {
  const half = (g.k - 1) / 2;
  const frameSize = g.h * g.w * g.c;
  for (let n = 0; n < g.n; n++) {
    for (let to = 0; to < g.to; to++) {
      for (let y = 0; y < g.h; y++) {
        for (let x = 0; x < g.w; x++) {
          const position = (((n * g.to + to) * g.h + y) * g.w + x) * g.k;
          for (let k = 0; k < g.k; k++) {
            const t = to * g.stride + (k - half) * g.dilation;
            if (t < 0 || t >= g.t) continue;
            const offsetBase = (position + k) * 2;
            const px = x + offsets[offsetBase];
            const py = y + offsets[offsetBase + 1];
            const x0 = Math.floor(px);
            const y0 = Math.floor(py);
            const fx = px - x0;
            const fy = py - y0;
            const sampleBase = (position + k) * g.c;
            const frameBase = (n * g.t + t) * frameSize;
            // corners: (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)
            for (let corner = 0; corner < 4; corner++) {
              const cx = x0 + (corner & 1);
              const cy = y0 + (corner >> 1);
              if (cx < 0 || cx >= g.w || cy < 0 || cy >= g.h) continue;
              const wx = corner & 1 ? fx : 1 - fx;
              const wy = corner >> 1 ? fy : 1 - fy;
              const dwdx = (corner & 1 ? 1 : -1) * wy;
              const dwdy = (corner >> 1 ? 1 : -1) * wx;
              visit(sampleBase, frameBase + (cy * g.w + cx) * g.c, offsetBase, wx * wy, dwdx, dwdy);
            }
          }
        }
      }
    }
  }
}

/** samples[n, to, y, x, k, :] = bilinear sample of x[n, t(to, k)] at (x + dx, y + dy). */
export function sampleForward(x: Float32Array, offsets: Float32Array, g: SampleGeometry): Float32Array {
  const out = new Float32Array(g.n * g.to * g.h * g.w * g.k * g.c);
  const c = g.c;
  forEachCorner(g, offsets, (sampleBase, pixelBase, _offsetBase, weight) => {
    if (weight === 0) return;
    for (let i = 0; i < c; i++) out[sampleBase + i] += weight * x[pixelBase + i];
  });
  return out;
}

/** d loss / d x: each sample's gradient spread back onto its corners. */
export function sampleGradX(dSamples: Float32Array, offsets: Float32Array, g: SampleGeometry): Float32Array {
  const dx = new Float32Array(g.n * g.t * g.h * g.w * g.c);
  const c = g.c;
  forEachCorner(g, offsets, (sampleBase, pixelBase, _offsetBase, weight) => {
    if (weight === 0) return;
    for (let i = 0; i < c; i++) dx[pixelBase + i] += weight * dSamples[sampleBase + i];
  });
  return dx;
}

/** d loss / d offsets: sum over channels of dSample * (d weight / d offset) * corner value. */
export function sampleGradOffsets(dSamples: Float32Array, x: Float32Array, offsets: Float32Array, g: SampleGeometry): Float32Array {
  const dOffsets = new Float32Array(offsets.length);
  const c = g.c;
  forEachCorner(g, offsets, (sampleBase, pixelBase, offsetBase, _weight, dwdx, dwdy) => {
    let dot = 0;
    for (let i = 0; i < c; i++) dot += dSamples[sampleBase + i] * x[pixelBase + i];
    dOffsets[offsetBase] += dwdx * dot;
    dOffsets[offsetBase + 1] += dwdy * dot;
  });
  return dOffsets;
}

function attrsOf(attrs: tf.NamedAttrMap | undefined): SampleAttrs {
  return { stride: (attrs?.stride as number) ?? 1, dilation: (attrs?.dilation as number) ?? 1 };
}

const asFloat = (values: ArrayLike<number>) => (values instanceof Float32Array ? values : Float32Array.from(values));

export const trajectorySampleKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, offsets } = inputs as { x: tf.TensorInfo; offsets: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  const out = sampleForward(asFloat(readValues(backend, x)), asFloat(readValues(backend, offsets)), g);
  return makeOutput(backend, [g.n, g.to, g.h, g.w, g.k, g.c], 'float32', out);
};

export const trajectorySampleGradXKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, offsets, x } = inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  const out = sampleGradX(asFloat(readValues(backend, dy)), asFloat(readValues(backend, offsets)), g);
  return makeOutput(backend, x.shape, 'float32', out);
};

export const trajectorySampleGradOffsetsKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, offsets, x } = inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  const out = sampleGradOffsets(asFloat(readValues(backend, dy)), asFloat(readValues(backend, x)), asFloat(readValues(backend, offsets)), g);
  return makeOutput(backend, offsets.shape, 'float32', out);
};
