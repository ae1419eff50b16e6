/**
 * Inference-only WebGL programs of the trajectory inputs' plumbing, one each
 * where the composite of tfjs ops draws several:
 * - `TrajectoriesFromFlow` for trajectories of one step per tap (taps 3,
 *   dilation 1: no chaining): tap +1 is the forward flow, tap -1 the backward
 *   flow, the rest zero (composite: three zero tensors uploaded, two concats, a
 *   stack: 6 programs);
 * - `ResizeOffsets`: the average over each factor x factor cell ('same'
 *   padding, the mean over the cell's pixels inside the map, as tfjs's
 *   avgPool) divided by the factor (composite: AvgPool and RealDiv).
 * No gradient is registered: ops/trajectories.ts takes them only when no
 * gradient is being recorded.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WebGLBackendLike, WebGLProgramSpec } from './webgl-program.js';

export const TRAJECTORIES_FROM_FLOW = 'TrajectoriesFromFlow';
export const RESIZE_OFFSETS = 'ResizeOffsets';

/** forward, backward [N, T-1, H, W, 2] -> offsets [N, T, H, W, K, 2]; attrs.taps K with (K - 1) / 2 * dilation <= 1. */
export const trajectoriesFromFlowWebGLKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { forward, backward } = inputs as { forward: tf.TensorInfo; backward: tf.TensorInfo };
  const taps = attrs?.taps as number;
  const [n, f, h, w] = forward.shape;
  const t = f + 1;
  const half = (taps - 1) / 2;
  const program: WebGLProgramSpec = {
    variableNames: ['forward', 'backward'],
    outputShape: [n, t, h, w, taps, 2],
    userCode: `
      void main() {
        ivec6 c = getOutputCoords();
        int d = c.u - ${half};
        float result = 0.0;
        if (d == 1 && c.y < ${t - 1}) result = getForward(c.x, c.y, c.z, c.w, c.v);
        if (d == -1 && c.y >= 1) result = getBackward(c.x, c.y - 1, c.z, c.w, c.v);
        setOutput(result);
      }`,
  };
  return (backend as unknown as WebGLBackendLike).runWebGLProgram(program, [forward, backward], 'float32');
};

/** offsets [N, T, H, W, K, 2] -> [N, T, ceil(H / f), ceil(W / f), K, 2]; attrs.factor f. */
export const resizeOffsetsWebGLKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { offsets } = inputs as { offsets: tf.TensorInfo };
  const f = attrs?.factor as number;
  const [n, t, h, w, k] = offsets.shape;
  const [h2, w2] = [Math.ceil(h / f), Math.ceil(w / f)];
  // TF's 'same' padding: the extra pixel (odd total) at the bottom / right
  const [top, left] = [Math.floor(Math.max((h2 - 1) * f + f - h, 0) / 2), Math.floor(Math.max((w2 - 1) * f + f - w, 0) / 2)];
  const program: WebGLProgramSpec = {
    variableNames: ['offsets'],
    outputShape: [n, t, h2, w2, k, 2],
    userCode: `
      void main() {
        ivec6 c = getOutputCoords();
        float sum = 0.0;
        float count = 0.0;
        for (int dy = 0; dy < ${f}; dy++) {
          int y = c.z * ${f} - ${top} + dy;
          if (y < 0 || y >= ${h}) continue;
          for (int dx = 0; dx < ${f}; dx++) {
            int x = c.w * ${f} - ${left} + dx;
            if (x < 0 || x >= ${w}) continue;
            sum += getOffsets(c.x, c.y, y, x, c.u, c.v);
            count += 1.0;
          }
        }
        setOutput(sum / count / ${f.toFixed(1)});
      }`,
  };
  return (backend as unknown as WebGLBackendLike).runWebGLProgram(program, [offsets], 'float32');
};
