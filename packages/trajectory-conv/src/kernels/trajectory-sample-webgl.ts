/**
 * The trajectory-sampling kernels as WebGL shader programs, run by the webgl
 * backend's own `runWebGLProgram` (the data stays in textures). One fragment
 * per output value, each a gather:
 * - forward: per sample, its four bilinear corners;
 * - gradient into the offsets: per (tap, dx|dy), the output gradient dotted
 *   with the corners over the channels, weighed by the weights' derivatives;
 * - gradient into x: a pixel gathers from every tap whose sample can touch it.
 *   WebGL has no atomics to scatter with, so the taps are searched in a window
 *   of (2R + 2)^2 positions around the pixel, R = ceil(max |offset|); the
 *   gradient function measures R and takes the composite of built-in ops when
 *   R exceeds WEBGL_GRAD_X_MAX_RADIUS.
 * Semantics of kernels/trajectory-sample.ts (corners off the map and taps
 * outside the clip contribute zero). The webgl package is not imported: its
 * program interface is declared structurally (webgl-program.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { geometry, type SampleAttrs, type SampleGeometry } from './trajectory-sample.js';
import type { WebGLBackendLike, WebGLProgramSpec } from './webgl-program.js';

/** Largest window radius (pixels of offset) of the input-gradient shader: 18 x 18 positions per tap. */
export const WEBGL_GRAD_X_MAX_RADIUS = 8;

/** GLSL (ES 1 and 3) declaring the sample point of tap k at output (n, o, y, x): t, in-clip flag, corner ix/iy and fractions. */
function samplePoint(g: SampleGeometry): string {
  return `
    int t = o * ${g.stride} + (k - ${(g.k - 1) / 2}) * ${g.dilation};
    bool inClip = t >= 0 && t < ${g.t};
    float px = float(x) + getOffsets(n, o, y, x, k, 0);
    float py = float(y) + getOffsets(n, o, y, x, k, 1);
    float x0 = floor(px);
    float y0 = floor(py);
    float fx = px - x0;
    float fy = py - y0;
    int ix = int(x0);
    int iy = int(y0);`;
}

function forwardProgram(g: SampleGeometry): WebGLProgramSpec {
  return {
    variableNames: ['x', 'offsets'],
    outputShape: [g.n, g.to, g.h, g.w, g.k, g.c],
    userCode: `
      void main() {
        ivec6 coords = getOutputCoords();
        int n = coords.x; int o = coords.y; int y = coords.z; int x = coords.w; int k = coords.u; int ch = coords.v;
        ${samplePoint(g)}
        float result = 0.0;
        if (inClip) {
          for (int corner = 0; corner < 4; corner++) {
            int a = corner - 2 * (corner / 2);
            int b = corner / 2;
            int cx = ix + a;
            int cy = iy + b;
            if (cx < 0 || cx >= ${g.w} || cy < 0 || cy >= ${g.h}) continue;
            float wx = a == 1 ? fx : 1.0 - fx;
            float wy = b == 1 ? fy : 1.0 - fy;
            result += (wx * wy) * getX(n, t, cy, cx, ch);
          }
        }
        setOutput(result);
      }`,
  };
}

function gradOffsetsProgram(g: SampleGeometry): WebGLProgramSpec {
  return {
    variableNames: ['dy', 'x', 'offsets'],
    outputShape: [g.n, g.to, g.h, g.w, g.k, 2],
    userCode: `
      void main() {
        ivec6 coords = getOutputCoords();
        int n = coords.x; int o = coords.y; int y = coords.z; int x = coords.w; int k = coords.u; int j = coords.v;
        ${samplePoint(g)}
        float result = 0.0;
        if (inClip) {
          for (int corner = 0; corner < 4; corner++) {
            int a = corner - 2 * (corner / 2);
            int b = corner / 2;
            int cx = ix + a;
            int cy = iy + b;
            if (cx < 0 || cx >= ${g.w} || cy < 0 || cy >= ${g.h}) continue;
            float wx = a == 1 ? fx : 1.0 - fx;
            float wy = b == 1 ? fy : 1.0 - fy;
            float dWeight = j == 0 ? (a == 1 ? wy : -wy) : (b == 1 ? wx : -wx);
            float dotted = 0.0;
            for (int ch = 0; ch < ${g.c}; ch++) dotted += getDy(n, o, y, x, k, ch) * getX(n, t, cy, cx, ch);
            result += dWeight * dotted;
          }
        }
        setOutput(result);
      }`,
  };
}

/** Pixel (px, py) of frame t gathers dy of every tap (o, k) reading frame t whose sample lands within one pixel of it. */
function gradXProgram(g: SampleGeometry, radius: number): WebGLProgramSpec {
  return {
    variableNames: ['dy', 'offsets'],
    outputShape: [g.n, g.t, g.h, g.w, g.c],
    userCode: `
      void main() {
        ivec5 coords = getOutputCoords();
        int n = coords.x; int t = coords.y; int py = coords.z; int px = coords.w; int ch = coords.u;
        float result = 0.0;
        for (int k = 0; k < ${g.k}; k++) {
          int shifted = t - (k - ${(g.k - 1) / 2}) * ${g.dilation};
          int o = shifted / ${g.stride};
          if (shifted < 0 || o * ${g.stride} != shifted || o >= ${g.to}) continue;
          // a sample at (x + dx, y + dy), |dx|, |dy| <= R, touches px only if x in [px - R - 1, px + R]
          for (int wy = ${-radius - 1}; wy <= ${radius}; wy++) {
            int y = py + wy;
            if (y < 0 || y >= ${g.h}) continue;
            for (int wx = ${-radius - 1}; wx <= ${radius}; wx++) {
              int x = px + wx;
              if (x < 0 || x >= ${g.w}) continue;
              float sx = float(x) + getOffsets(n, o, y, x, k, 0);
              float sy = float(y) + getOffsets(n, o, y, x, k, 1);
              float x0 = floor(sx);
              float y0 = floor(sy);
              int ix = int(x0);
              int iy = int(y0);
              float weightX = ix == px ? 1.0 - (sx - x0) : (ix + 1 == px ? sx - x0 : 0.0);
              float weightY = iy == py ? 1.0 - (sy - y0) : (iy + 1 == py ? sy - y0 : 0.0);
              float weight = weightX * weightY;
              if (weight != 0.0) result += weight * getDy(n, o, y, x, k, ch);
            }
          }
        }
        setOutput(result);
      }`,
  };
}

function attrsOf(attrs: tf.NamedAttrMap | undefined): SampleAttrs {
  return { stride: (attrs?.stride as number) ?? 1, dilation: (attrs?.dilation as number) ?? 1 };
}

export const trajectorySampleWebGLKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, offsets } = inputs as { x: tf.TensorInfo; offsets: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  return (backend as unknown as WebGLBackendLike).runWebGLProgram(forwardProgram(g), [x, offsets], 'float32');
};

/** Needs attrs.windowRadius >= max |offset| (the gradient function measures it); throws without one. */
export const trajectorySampleGradXWebGLKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, offsets, x } = inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
  const radius = attrs?.windowRadius as number | undefined;
  if (radius == null || !Number.isInteger(radius) || radius < 0 || radius > WEBGL_GRAD_X_MAX_RADIUS) {
    throw new Error(`TrajectorySampleGradX on webgl needs an integer windowRadius in [0, ${WEBGL_GRAD_X_MAX_RADIUS}], got ${radius}`);
  }
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  return (backend as unknown as WebGLBackendLike).runWebGLProgram(gradXProgram(g, radius), [dy, offsets], 'float32');
};

export const trajectorySampleGradOffsetsWebGLKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, offsets, x } = inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  return (backend as unknown as WebGLBackendLike).runWebGLProgram(gradOffsetsProgram(g), [dy, x, offsets], 'float32');
};
