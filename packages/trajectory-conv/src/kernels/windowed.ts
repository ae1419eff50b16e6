/** The input-gradient kernels that gather from a window of taps (WebGL): they need attrs.windowRadius = ceil(max |offset|). */
import type * as tf from '@tensorflow/tfjs';
import { trajectorySampleGradXWebGLKernel } from './trajectory-sample-webgl.js';

export const WINDOWED_GRAD_X_KERNELS: ReadonlySet<tf.KernelFunc> = new Set([trajectorySampleGradXWebGLKernel]);
