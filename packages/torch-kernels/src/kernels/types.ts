/** What each kernel file exports: its tfjs kernel name and how to make it from the addon and the stock kernel. */
import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';

export interface NativeKernel {
  name: string;
  /** Registered even when the backend has no such kernel yet (it then handles every input). */
  standalone?: boolean;
  /**
   * The kernel function; `stock` is the kernel registered before (wasm's own
   * or @trajectorynet/runtime's), used for the cases the addon leaves alone.
   * It is null for kernels wasm does not have (trajectory sampling before
   * trajectory-conv registered its own): those must handle every input.
   */
  make(addon: NativeAddon, stock: tf.KernelFunc | null): tf.KernelFunc;
}
