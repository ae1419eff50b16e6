/**
 * Loads the addon that scripts/build-addon.mjs built (build/torch_kernels.node)
 * and says why when it cannot: not built (and why), or not loadable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Offset = number;
type Shape = number[];

/** Whether the addon runs convolutions on oneDNN directly (built with its headers), and how many calls it ran and left to ATen. */
export interface TorchConvStats {
  onednn: boolean;
  calls: number;
  declined: number;
}

/** The addon's functions: heap is the wasm memory's ArrayBuffer, offsets are byte offsets into it. */
export interface NativeAddon {
  setThreads(threads: number): number;
  getThreads(): number;
  /** The caching CPU allocator (binding/allocator.cc): whether it is installed, reuses and fresh allocations of blocks of at least 64 KiB, bytes kept. */
  allocatorStats(): { caching: boolean; hits: number; misses: number; cachedBytes: number };
  convStats(): TorchConvStats;
  convUseOnednn(on: boolean): boolean;
  /** Frees the allocator's cached blocks. */
  allocatorTrim(): void;
  /** Turns the caching on or off (off: freed blocks go back to malloc, as with ATen's own allocator); returns the new state. */
  allocatorSetCaching(on: boolean): boolean;
  conv2d(heap: ArrayBuffer, x: Offset, xShape: Shape, w: Offset, wShape: Shape, y: Offset, yShape: Shape, strides: number[], pads: number[], dilations: number[]): void;
  conv2dBackpropInput(heap: ArrayBuffer, dy: Offset, dyShape: Shape, w: Offset, wShape: Shape, dx: Offset, dxShape: Shape, strides: number[], pads: number[], dilations: number[]): void;
  conv2dBackpropFilter(heap: ArrayBuffer, x: Offset, xShape: Shape, dy: Offset, dyShape: Shape, dw: Offset, wShape: Shape, strides: number[], pads: number[], dilations: number[]): void;
  matMul(heap: ArrayBuffer, a: Offset, b: Offset, out: Offset, batchA: number, batchB: number, m: number, n: number, k: number, transA: boolean, transB: boolean, bias: Offset, relu: boolean): void;
  binary(heap: ArrayBuffer, op: string, a: Offset, aShape: Shape, b: Offset, bShape: Shape, out: Offset, outShape: Shape): void;
  unary(heap: ArrayBuffer, op: string, x: Offset, size: number, out: Offset, alpha: number): void;
  reduce(heap: ArrayBuffer, op: string, x: Offset, xShape: Shape, axes: number[], out: Offset): void;
  tile(heap: ArrayBuffer, x: Offset, xShape: Shape, reps: number[], out: Offset): void;
  slice(heap: ArrayBuffer, x: Offset, xShape: Shape, begin: number[], size: number[], out: Offset): void;
  pad(heap: ArrayBuffer, x: Offset, xShape: Shape, before: number[], after: number[], value: number, out: Offset): void;
  transpose(heap: ArrayBuffer, x: Offset, xShape: Shape, perm: number[], out: Offset): void;
  compare(heap: ArrayBuffer, op: string, a: Offset, aShape: Shape, b: Offset, bShape: Shape, out: Offset, outShape: Shape): void;
  select(heap: ArrayBuffer, condition: Offset, t: Offset, e: Offset, size: number, out: Offset): void;
  reverse(heap: ArrayBuffer, x: Offset, xShape: Shape, axes: number[], out: Offset): void;
  splitV(heap: ArrayBuffer, x: Offset, xShape: Shape, axis: number, sizes: number[], outs: Offset[]): void;
  resizeBilinearGrad(heap: ArrayBuffer, dy: Offset, dyShape: Shape, dx: Offset, dxShape: Shape, alignCorners: boolean, halfPixelCenters: boolean): void;
  concat(heap: ArrayBuffer, inputs: Offset[], shapes: Shape[], axis: number, out: Offset, outShape: Shape): void;
  maxPoolGrad(heap: ArrayBuffer, dy: Offset, dyShape: Shape, x: Offset, xShape: Shape, dx: Offset, kernel: number[], strides: number[], pads: number[], ceil: boolean): void;
  avgPool(heap: ArrayBuffer, x: Offset, xShape: Shape, y: Offset, yShape: Shape, kernel: number[], strides: number[], pads: number[], ceil: boolean): void;
  avgPoolGrad(heap: ArrayBuffer, dy: Offset, dyShape: Shape, x: Offset, xShape: Shape, dx: Offset, kernel: number[], strides: number[], pads: number[], ceil: boolean): void;
  batchNorm(heap: ArrayBuffer, x: Offset, size: number, channels: number, mean: Offset, variance: Offset, offset: Offset, scale: Offset, epsilon: number, out: Offset): void;
  batchNormTrain(heap: ArrayBuffer, x: Offset, rows: number, channels: number, gamma: Offset, beta: Offset, runMean: Offset, runVar: Offset, epsilon: number, momentum: number, y: Offset, mean: Offset, variance: Offset, newRunMean: Offset, newRunVar: Offset): void;
  batchNormTrainGrad(heap: ArrayBuffer, dy: Offset, x: Offset, rows: number, channels: number, gamma: Offset, mean: Offset, variance: Offset, epsilon: number, dx: Offset, dGamma: Offset, dBeta: Offset): void;
  adamStep(heap: ArrayBuffer, values: Offset[], grads: Offset[], m: Offset[], v: Offset[], sizes: number[], decays: number[], newValues: Offset[], scale: Offset, lr: number, beta1: number, beta2: number, epsilon: number, accBeta1: number, accBeta2: number): void;
  momentumStep(heap: ArrayBuffer, values: Offset[], grads: Offset[], accumulations: Offset[], unused: Offset[], sizes: number[], decays: number[], newValues: Offset[], scale: Offset, lr: number, momentum: number, nesterov: boolean): void;
  trajectorySample(heap: ArrayBuffer, x: Offset, xShape: Shape, offsets: Offset, offsetShape: Shape, out: Offset, stride: number, dilation: number): void;
  trajectorySampleGradX(heap: ArrayBuffer, dy: Offset, offsets: Offset, offsetShape: Shape, xShape: Shape, dx: Offset, stride: number, dilation: number): void;
  trajectorySampleGradOffsets(heap: ArrayBuffer, dy: Offset, offsets: Offset, offsetShape: Shape, x: Offset, xShape: Shape, dOffsets: Offset, stride: number, dilation: number): void;
}

export type NativeLoad = { ok: true; addon: NativeAddon; library: string } | { ok: false; reason: string };

// build/ beside src/ and dist/; build-asan/ with TORCH_KERNELS_SANITIZE=address (the AddressSanitizer build of scripts/asan.sh)
const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', process.env.TORCH_KERNELS_SANITIZE === 'address' ? 'build-asan' : 'build');

let loaded: NativeLoad | null = null;

/** Loads the addon once per process. Never throws: a failure comes back with its reason. */
export function loadNative(): NativeLoad {
  loaded ??= load();
  return loaded;
}

function load(): NativeLoad {
  const addonPath = path.join(buildDir, 'torch_kernels.node');
  const statusPath = path.join(buildDir, 'status.json');
  const status = existsSync(statusPath) ? (JSON.parse(readFileSync(statusPath, 'utf8')) as { built: boolean; reason?: string; library?: string }) : null;
  if (!existsSync(addonPath) || status?.built === false) {
    const why = status?.reason ?? 'the install script did not run';
    return { ok: false, reason: `addon not built (${why}); install libtorch-dev and g++, then reinstall or run its build script` };
  }
  // libgomp reads its wait policy once, when it loads: spinning threads starve
  // the other processes of a shared machine (and each other at 2 threads)
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    return { ok: true, addon, library: status?.library ?? 'libtorch' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `addon failed to load: ${message.slice(0, 300)}` };
  }
}
