/**
 * Puts the native kernels on the tfjs wasm backend in place of the kernels
 * registered there (wasm's own, or ones @trajectorynet/runtime added), which
 * each native kernel keeps for the inputs it leaves alone; and takes them off
 * again, restoring those kernels.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installGradients, uninstallGradients } from './gradients.js';
import { NATIVE_KERNELS } from './kernels/index.js';
import { loadNative, type NativeAddon, type TorchConvStats } from './native.js';

const BACKEND = 'wasm';

export interface TorchKernelsInfo {
  /** The library the kernels run on, e.g. 'libtorch 1.13.1'. */
  library: string;
  /** Threads the native kernels use. */
  threads: number;
  /** Names of the wasm kernels now native. */
  kernels: string[];
}

export interface RegisterOptions {
  /** Threads for the native kernels; default: env TRAJECTORYNET_NATIVE_THREADS, else DEFAULT_THREADS. */
  threads?: number;
}

/** Raised when the addon is not built or does not load; `reason` says why. */
export class TorchKernelsUnavailableError extends Error {
  readonly code = 'TORCH_KERNELS_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(`libtorch kernels unavailable: ${reason}`);
    this.name = 'TorchKernelsUnavailableError';
  }
}

/**
 * Two threads (or one on a one-core machine): on the 2-core machines measured
 * here, with libgomp's passive wait policy, S3D ResNet-18 trained 1.5x and
 * inferred 1.5x faster at 2 threads than at 1, under heavy load from other
 * processes (README, "Speed").
 */
export const DEFAULT_THREADS = Math.min(2, os.availableParallelism());

interface Installed {
  ours: tf.KernelFunc;
  previous: tf.KernelFunc | null;
}
const installed = new Map<string, Installed>();
let active: { addon: NativeAddon; library: string } | null = null;

/** Whether the addon is built and loads here, and if not, why. Does not register anything. */
export function torchKernelsStatus(): { available: true; library: string } | { available: false; reason: string } {
  const load = loadNative();
  return load.ok ? { available: true, library: load.library } : { available: false, reason: load.reason };
}

function threadsFrom(options: RegisterOptions): number {
  const fromEnv = process.env.TRAJECTORYNET_NATIVE_THREADS;
  const value = options.threads ?? (fromEnv != null && fromEnv.trim() !== '' ? Number(fromEnv) : DEFAULT_THREADS);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`native threads must be a positive integer, got ${options.threads ?? fromEnv}`);
  return value;
}

/**
 * Registers the native kernels on the wasm backend. Idempotent; calling it
 * again after other code replaced kernels wraps the new ones. Throws
 * TorchKernelsUnavailableError when the addon cannot be used.
 */
export function registerTorchKernels(options: RegisterOptions = {}): TorchKernelsInfo {
  const threads = threadsFrom(options);
  const load = loadNative();
  if (!load.ok) throw new TorchKernelsUnavailableError(load.reason);
  active = { addon: load.addon, library: load.library };
  load.addon.setThreads(threads);
  const addon = counting(load.addon);
  for (const kernel of NATIVE_KERNELS) {
    const current = tf.getKernel(kernel.name, BACKEND)?.kernelFunc ?? null;
    if (current != null && current === installed.get(kernel.name)?.ours) continue;
    if (current == null && !kernel.standalone) continue;
    const ours = kernel.make(addon, current);
    if (current != null) tf.unregisterKernel(kernel.name, BACKEND);
    tf.registerKernel({ kernelName: kernel.name, backendName: BACKEND, kernelFunc: ours });
    installed.set(kernel.name, { ours, previous: current });
  }
  installGradients();
  return torchKernelsInfo() as TorchKernelsInfo;
}

const calls = new Map<string, number>();
let countingAddon: NativeAddon | null = null;

/** The addon with each call counted, by function (and op for the elementwise families: 'binary:Add'). */
function counting(addon: NativeAddon): NativeAddon {
  countingAddon ??= Object.fromEntries(
    Object.entries(addon).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        const key = typeof args[1] === 'string' ? `${name}:${args[1]}` : name;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as NativeAddon;
  return countingAddon;
}

/** How many times each native function ran since the process started: a way to see which kernels take the native path. */
export function nativeCallCounts(): Record<string, number> {
  return Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b)));
}

/** The addon (calls counted) while the kernels are registered, else null: for native work outside kernels (optimizer steps). */
export function registeredAddon(): NativeAddon | null {
  return active != null && torchKernelsInfo() != null ? counting(active.addon) : null;
}

/** Takes the native kernels off the wasm backend and puts back the ones they replaced. */
export function unregisterTorchKernels(): void {
  for (const [name, { ours, previous }] of installed) {
    if (tf.getKernel(name, BACKEND)?.kernelFunc !== ours) continue; // replaced by someone else since
    tf.unregisterKernel(name, BACKEND);
    if (previous != null) tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: previous });
  }
  installed.clear();
  uninstallGradients();
}

/** What is registered now, or null when no native kernel is. */
export function torchKernelsInfo(): TorchKernelsInfo | null {
  const kernels = [...installed].filter(([name, { ours }]) => tf.getKernel(name, BACKEND)?.kernelFunc === ours).map(([name]) => name);
  if (active == null || kernels.length === 0) return null;
  return { library: active.library, threads: active.addon.getThreads(), kernels };
}

/** Sets the native kernels' threads (libgomp's, shared by ATen and oneDNN); returns the number now used. */
export function setTorchThreads(threads: number): number {
  const load = loadNative();
  if (!load.ok) throw new TorchKernelsUnavailableError(load.reason);
  return load.addon.setThreads(threadsFrom({ threads }));
}

/** The native kernels' caching CPU allocator (binding/allocator.cc): on, hits/misses of blocks of at least 64 KiB, bytes kept. */
export interface TorchAllocatorStats {
  caching: boolean;
  hits: number;
  misses: number;
  cachedBytes: number;
}

/**
 * How the native convolutions run: on oneDNN straight from tfjs's layouts (`onednn`, when the addon was built with
 * oneDNN's headers) or through ATen; `calls` ran on oneDNN and `declined` went to ATen since the process started.
 * Null when the addon is not available.
 */
export function torchConvStats(): TorchConvStats | null {
  const load = loadNative();
  return load.ok ? load.addon.convStats() : null;
}

/**
 * Runs the native convolutions on oneDNN directly (the default where the addon was built with oneDNN's headers) or
 * through ATen; returns whether oneDNN runs them now. For measuring what it saves, and for testing the ATen path.
 */
export function setTorchConvOnednn(on: boolean): boolean {
  const load = loadNative();
  if (!load.ok) throw new TorchKernelsUnavailableError(load.reason);
  return load.addon.convUseOnednn(on);
}

/** The caching allocator's state, or null when the addon is not available. */
export function torchAllocatorStats(): TorchAllocatorStats | null {
  const load = loadNative();
  return load.ok ? load.addon.allocatorStats() : null;
}

/**
 * Turns the caching allocator off (every freed block goes back to malloc, as with ATen's own allocator, and the
 * cache is emptied) or on again (the default); returns the state now. For measuring what it saves.
 */
export function setTorchAllocatorCaching(on: boolean): boolean {
  const load = loadNative();
  if (!load.ok) throw new TorchKernelsUnavailableError(load.reason);
  return load.addon.allocatorSetCaching(on);
}
