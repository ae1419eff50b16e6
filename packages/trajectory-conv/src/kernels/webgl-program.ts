/**
 * What tfjs-backend-webgl's GPGPUProgram and backend need from our shader
 * kernels (unpacked inputs and output, shapes baked into the code), declared
 * structurally so that this package does not import the webgl backend.
 */
import type * as tf from '@tensorflow/tfjs';

export interface WebGLProgramSpec {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

export interface WebGLBackendLike {
  runWebGLProgram(program: WebGLProgramSpec, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}
