/**
 * Greater, GreaterEqual, Less, LessEqual of float32 tensors (numpy
 * broadcasting) into a bool tensor (one byte per element on the wasm heap),
 * through ATen. LeakyReLU's and Pow's gradients run Greater.
 */
import { broadcastKernel } from './binary.js';
import type { NativeKernel } from './types.js';

export const compareKernels: NativeKernel[] = ['Greater', 'GreaterEqual', 'Less', 'LessEqual'].map((name) => broadcastKernel(name, 'compare'));
