/**
 * Trajectory sampling as WGSL compute programs, run by tfjs-backend-webgpu's
 * own `runWebGPUProgram` (the data stays in GPU buffers): the forward and the
 * gradient into the offsets, one invocation per output value, the same
 * gathers as the WebGL shaders (trajectory-sample-webgl.ts). The gradient into
 * x has no program of its own here: the composite's unsortedSegmentSum, which
 * tfjs-backend-webgpu runs as a scatter with atomics, does it without a window
 * bound and without reading max |offset| back (webgpu has no synchronous
 * read-back). The webgpu package is not imported: its program interface is
 * declared here structurally.
 */
import type * as tf from '@tensorflow/tfjs';
import { geometry, type SampleAttrs, type SampleGeometry } from './trajectory-sample.js';

/** What tfjs-backend-webgpu 4.22's WebGPUProgram needs for a flat, one-value-per-invocation program. */
interface WebGPUProgramSpec {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode: () => string;
}
interface WebGPUBackendLike {
  runWebGPUProgram(program: WebGPUProgramSpec, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

const WORKGROUP = 64;

function program(name: string, g: SampleGeometry, variableNames: string[], outputShape: number[], body: string, extraKey = ''): WebGPUProgramSpec {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape,
    // the shapes and attributes are baked into the code: all of them are in the key
    shaderKey: `${name}_${g.n}_${g.t}_${g.h}_${g.w}_${g.c}_${g.to}_${g.k}_${g.stride}_${g.dilation}${extraKey}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** WGSL declaring the sample point of tap k at output (n, o, row, col), as in the WebGL shaders (locals are not named x or y: WGSL would take them for the inputs). */
function samplePoint(g: SampleGeometry): string {
  return `
    let t = o * ${g.stride} + (k - ${(g.k - 1) / 2}) * ${g.dilation};
    let inClip = t >= 0 && t < ${g.t};
    let px = f32(col) + getOffsets(n, o, row, col, k, 0);
    let py = f32(row) + getOffsets(n, o, row, col, k, 1);
    let x0 = floor(px);
    let y0 = floor(py);
    let fx = px - x0;
    let fy = py - y0;
    let ix = i32(x0);
    let iy = i32(y0);`;
}

function forwardProgram(g: SampleGeometry): WebGPUProgramSpec {
  return program('trajectorySample', g, ['x', 'offsets'], [g.n, g.to, g.h, g.w, g.k, g.c], `
    let coords = getCoordsFromIndex(index);
    let n = coords.x; let o = coords.y; let row = coords.z; let col = coords.w; let k = coords.u; let ch = coords.v;
    ${samplePoint(g)}
    var result = 0.0;
    if (inClip) {
      for (var corner = 0; corner < 4; corner++) {
        let a = corner % 2;
        let b = corner / 2;
        let cx = ix + a;
        let cy = iy + b;
        if (cx < 0 || cx >= ${g.w} || cy < 0 || cy >= ${g.h}) { continue; }
        let wx = select(1.0 - fx, fx, a == 1);
        let wy = select(1.0 - fy, fy, b == 1);
        result += (wx * wy) * getX(n, t, cy, cx, ch);
      }
    }
    setOutputAtIndex(index, result);`);
}

function gradOffsetsProgram(g: SampleGeometry): WebGPUProgramSpec {
  return program('trajectorySampleGradOffsets', g, ['dy', 'x', 'offsets'], [g.n, g.to, g.h, g.w, g.k, 2], `
    let coords = getCoordsFromIndex(index);
    let n = coords.x; let o = coords.y; let row = coords.z; let col = coords.w; let k = coords.u; let j = coords.v;
    ${samplePoint(g)}
    var result = 0.0;
    if (inClip) {
      for (var corner = 0; corner < 4; corner++) {
        let a = corner % 2;
        let b = corner / 2;
        let cx = ix + a;
        let cy = iy + b;
        if (cx < 0 || cx >= ${g.w} || cy < 0 || cy >= ${g.h}) { continue; }
        let wx = select(1.0 - fx, fx, a == 1);
        let wy = select(1.0 - fy, fy, b == 1);
        let dWeight = select(select(-wx, wx, b == 1), select(-wy, wy, a == 1), j == 0);
        var dotted = 0.0;
        for (var ch = 0; ch < ${g.c}; ch++) { dotted += getDy(n, o, row, col, k, ch) * getX(n, t, cy, cx, ch); }
        result += dWeight * dotted;
      }
    }
    setOutputAtIndex(index, result);`);
}

function attrsOf(attrs: tf.NamedAttrMap | undefined): SampleAttrs {
  return { stride: (attrs?.stride as number) ?? 1, dilation: (attrs?.dilation as number) ?? 1 };
}

export const trajectorySampleWebGPUKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, offsets } = inputs as { x: tf.TensorInfo; offsets: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  return (backend as unknown as WebGPUBackendLike).runWebGPUProgram(forwardProgram(g), [x, offsets], 'float32');
};

export const trajectorySampleGradOffsetsWebGPUKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, offsets, x } = inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
  const g = geometry(x.shape, offsets.shape, attrsOf(attrs));
  return (backend as unknown as WebGPUBackendLike).runWebGPUProgram(gradOffsetsProgram(g), [dy, x, offsets], 'float32');
};
