/**
 * The tfjs engines the speed suites compare side by side in one run: plain
 * wasm and wasm with the libtorch kernels (at 1 and 2 threads) when
 * @trajectorynet/torch-kernels' addon loads. Each switch re-initialises the
 * wasm backend; `restore` goes back to what the command started with.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';

export interface Engine {
  label: string;
  /** Native kernel threads, or null for plain wasm. */
  nativeThreads: number | null;
}

const PLAIN: Engine = { label: 'wasm', nativeThreads: null };

/**
 * The engines to compare: plain wasm first (unless `plain` is false and the
 * native kernels load), then wasm + libtorch at 1 thread (and 2 threads when
 * `twoThreads`).
 */
export async function speedEngines(options: { twoThreads: boolean; plain: boolean }): Promise<{ engines: Engine[]; note: string }> {
  if (tf.getBackend() !== 'wasm') return { engines: [{ label: tf.getBackend(), nativeThreads: null }], note: `backend ${tf.getBackend()}: no engine comparison` };
  const info = await initBackend({ prefer: 'wasm', log: null, native: { threads: 1 } });
  if (info.native == null) return { engines: [PLAIN], note: `libtorch kernels off: ${info.nativeReason}` };
  const native = (threads: number): Engine => ({ label: `wasm + ${info.native?.library} (${threads} thread${threads > 1 ? 's' : ''})`, nativeThreads: threads });
  const engines = [...(options.plain ? [PLAIN] : []), native(1), ...(options.twoThreads ? [native(2)] : [])];
  return { engines, note: `${info.native.kernels.length} native kernels` };
}

export async function useEngine(engine: Engine): Promise<void> {
  if (tf.getBackend() !== 'wasm' && engine.nativeThreads == null) return;
  await initBackend({ prefer: 'wasm', log: null, native: engine.nativeThreads == null ? false : { threads: engine.nativeThreads } });
}

/** Back to the default set-up (native kernels at their default threads when they load). */
export async function restoreEngine(): Promise<void> {
  if (tf.getBackend() === 'wasm') await initBackend({ prefer: 'wasm', log: null });
}
