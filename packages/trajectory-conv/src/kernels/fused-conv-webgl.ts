/**
 * Inference-only fused kernels of the temporal and trajectory convolutions
 * as single WebGL programs: for each output value, the taps' samples (bilinear
 * along the trajectory, or the frame itself for the plain Kx1x1 conv) weighted
 * by the kernel, plus the bias, plus an optional residual (a ResNet block's
 * shortcut), through the activation. Unfused on WebGL a trajectory conv with
 * its block's end is 6 programs (TrajectorySample, a pack, the packed matMul,
 * an unpack, Add, Relu) and a temporal one 3 (FusedConv2D, Add, Relu); on a
 * software rasteriser every program costs a fixed ~0.15 ms.
 *
 * Each output recomputes its K * C samples (Cout times more bilinear reads
 * than TrajectorySample + matMul), cheap for this network's small maps. No
 * gradient is registered: the ops take these kernels only when no gradient is
 * being recorded (see ops/fused-conv.ts), else the composite of differentiable ops.
 *
 * Inputs: x [N, T, H, W, C], offsets [N, To, H, W, K, 2] (trajectory only),
 * kernel [K, C, Cout], bias [Cout] and residual [N, To, H, W, Cout] when given.
 * Output [N, To, H, W, Cout]. The samples follow kernels/trajectory-sample.ts
 * (taps outside the clip and corners off the map read zero).
 */
import type * as tf from '@tensorflow/tfjs';
import type { SampleGeometry } from './trajectory-sample.js';
import type { WebGLBackendLike, WebGLProgramSpec } from './webgl-program.js';

export const FUSED_TRAJECTORY_CONV = 'FusedTrajectoryConv';
export const FUSED_TEMPORAL_CONV = 'FusedTemporalConv';

export interface FusedConvAttrs {
  stride: number;
  dilation: number;
  activation: 'linear' | 'relu';
}

/** The sampling geometry plus the output channels. */
interface FusedGeometry extends SampleGeometry {
  cout: number;
}

/** The GLSL of one program: `trajectory` samples along the offsets, else reads the frame's pixel. */
function fusedProgram(g: FusedGeometry, trajectory: boolean, hasBias: boolean, hasResidual: boolean, activation: 'linear' | 'relu'): WebGLProgramSpec {
  const variableNames = ['x', ...(trajectory ? ['offsets'] : []), 'kernel', ...(hasBias ? ['bias'] : []), ...(hasResidual ? ['residual'] : [])];
  // the tap's value of channel ch: four corners with zero weight off the map (their reads clamped inside)
  const tapValue = trajectory
    ? `w00 * getX(n, t, y0c, x0c, ch) + w10 * getX(n, t, y0c, x1c, ch) + w01 * getX(n, t, y1c, x0c, ch) + w11 * getX(n, t, y1c, x1c, ch)`
    : 'getX(n, t, y, x, ch)';
  const corners = trajectory
    ? `
        float px = float(x) + getOffsets(n, o, y, x, k, 0);
        float py = float(y) + getOffsets(n, o, y, x, k, 1);
        float fx0 = floor(px);
        float fy0 = floor(py);
        float fx = px - fx0;
        float fy = py - fy0;
        int ix = int(fx0);
        int iy = int(fy0);
        float inX0 = (ix >= 0 && ix < ${g.w}) ? 1.0 : 0.0;
        float inX1 = (ix + 1 >= 0 && ix + 1 < ${g.w}) ? 1.0 : 0.0;
        float inY0 = (iy >= 0 && iy < ${g.h}) ? 1.0 : 0.0;
        float inY1 = (iy + 1 >= 0 && iy + 1 < ${g.h}) ? 1.0 : 0.0;
        float w00 = (1.0 - fx) * (1.0 - fy) * inX0 * inY0;
        float w10 = fx * (1.0 - fy) * inX1 * inY0;
        float w01 = (1.0 - fx) * fy * inX0 * inY1;
        float w11 = fx * fy * inX1 * inY1;
        int x0c = clamp(ix, 0, ${g.w - 1});
        int x1c = clamp(ix + 1, 0, ${g.w - 1});
        int y0c = clamp(iy, 0, ${g.h - 1});
        int y1c = clamp(iy + 1, 0, ${g.h - 1});`
    : '';
  return {
    variableNames,
    outputShape: [g.n, g.to, g.h, g.w, g.cout],
    userCode: `
      void main() {
        ivec5 coords = getOutputCoords();
        int n = coords.x; int o = coords.y; int y = coords.z; int x = coords.w; int co = coords.u;
        float result = 0.0;
        for (int k = 0; k < ${g.k}; k++) {
          int t = o * ${g.stride} + (k - ${(g.k - 1) / 2}) * ${g.dilation};
          if (t < 0 || t >= ${g.t}) continue;
          ${corners}
          for (int ch = 0; ch < ${g.c}; ch++) {
            result += (${tapValue}) * getKernel(k, ch, co);
          }
        }
        ${hasBias ? 'result += getBias(co);' : ''}
        ${hasResidual ? 'result += getResidual(n, o, y, x, co);' : ''}
        ${activation === 'relu' ? 'result = result < 0.0 ? 0.0 : result;' : ''}
        setOutput(result);
      }`,
  };
}

function fusedKernel(trajectory: boolean): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, offsets, kernel, bias, residual } = inputs as Record<string, tf.TensorInfo | undefined>;
    const a = attrs as unknown as FusedConvAttrs;
    const [n, t, h, w, c] = (x as tf.TensorInfo).shape;
    const [k, , cout] = (kernel as tf.TensorInfo).shape;
    const g: FusedGeometry = { n, t, h, w, c, to: Math.ceil(t / a.stride), k, cout, stride: a.stride, dilation: a.dilation };
    const program = fusedProgram(g, trajectory, bias != null, residual != null, a.activation);
    const given = [x, ...(trajectory ? [offsets] : []), kernel, bias, residual].filter((i): i is tf.TensorInfo => i != null);
    return (backend as unknown as WebGLBackendLike).runWebGLProgram(program, given, 'float32');
  };
}

export const fusedTrajectoryConvWebGLKernel = fusedKernel(true);
export const fusedTemporalConvWebGLKernel = fusedKernel(false);
