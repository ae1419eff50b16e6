/**
 * Chooses and initialises the tfjs backend: the native TensorFlow binding
 * (GPU, then CPU) when it is installed, else WebAssembly, else plain JS. Under
 * wasm, the libtorch kernels of @trajectorynet/torch-kernels (an optional
 * dependency) take over the heavy kernels when their addon is built.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, UnknownBackendError } from './errors.js';
import { registerRuntimeKernels } from './kernels/register.js';
import { useNativeOptimizerSteps } from './optimizers.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** The backend to use; default: env TRAJECTORYNET_BACKEND, else the best that loads. */
  prefer?: BackendName | 'auto';
  /** Where to report the choice; default: one line on stderr. Pass `null` to stay silent. */
  log?: ((message: string) => void) | null;
  /**
   * Native libtorch kernels under wasm (@trajectorynet/torch-kernels): on when
   * they load unless env TRAJECTORYNET_NATIVE=0; `false` turns them off (and
   * takes them off the backend if an earlier call put them on); `threads`
   * overrides env TRAJECTORYNET_NATIVE_THREADS and the package's default.
   */
  native?: boolean | { threads?: number };
}

export interface NativeKernelsInfo {
  /** The library, e.g. 'libtorch 1.13.1'. */
  library: string;
  threads: number;
  /** The wasm kernels that run natively (each falls back to the stock kernel for unusual inputs). */
  kernels: string[];
}

export interface SkippedBackend {
  /** The npm package or backend that was tried. */
  candidate: string;
  reason: string;
}

export interface BackendInfo {
  /** The tfjs backend name now active. */
  backend: BackendName;
  /** The package that provides it. */
  packageName: string;
  /** Better candidates that were tried first and why they were skipped. */
  skipped: SkippedBackend[];
  /** Kernels this package registered on the backend (see README). */
  addedKernels: string[];
  /** The native libtorch kernels in use under wasm, or null (`nativeReason` says why). */
  native: NativeKernelsInfo | null;
  /** Why `native` is null. */
  nativeReason?: string;
}

interface Candidate {
  backend: BackendName;
  packageName: string;
  hint: string;
  load: () => Promise<void>;
}

// Resolve optional packages both from this package and from the user's project,
// so that a tfjs-node installed by the app is found with pnpm's strict layout.
const requireHere = createRequire(import.meta.url);
const requireFromCwd = createRequire(`${process.cwd()}/`);

function requireOptional(name: string): unknown {
  try {
    return requireFromCwd(name);
  } catch (fromCwd) {
    if ((fromCwd as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw fromCwd;
    return requireHere(name);
  }
}

function firstLine(error: unknown, packageName?: string): string {
  if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && packageName != null &&
      (error as Error).message.includes(`'${packageName}'`)) {
    return 'not installed';
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 300);
}

const NATIVE_HINT =
  'The native backend needs libtensorflow, which the package downloads when it is installed; ' +
  'see the @trajectorynet/runtime README ("GPU") for installing it by hand.';

const CANDIDATES: Candidate[] = [
  {
    backend: 'tensorflow',
    packageName: '@tensorflow/tfjs-node-gpu',
    hint: `Install @tensorflow/tfjs-node-gpu 4.22.0 with CUDA 11.2 and cuDNN 8.1. ${NATIVE_HINT}`,
    load: async () => {
      requireOptional('@tensorflow/tfjs-node-gpu');
    },
  },
  {
    backend: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    hint: `Install @tensorflow/tfjs-node 4.22.0 in your project. ${NATIVE_HINT}`,
    load: async () => {
      requireOptional('@tensorflow/tfjs-node');
    },
  },
  {
    backend: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    hint: 'It is a dependency of @trajectorynet/runtime; reinstall your dependencies.',
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
    },
  },
  {
    backend: 'cpu',
    packageName: '@tensorflow/tfjs',
    hint: 'Install @tensorflow/tfjs 4.22.0.',
    load: async () => {},
  },
];

function resolvePreference(prefer: InitBackendOptions['prefer']): BackendName | 'auto' {
  const fromEnv = process.env.TRAJECTORYNET_BACKEND;
  const [value, source] = prefer != null ? [prefer, 'initBackend({ prefer })'] : [fromEnv ?? 'auto', 'TRAJECTORYNET_BACKEND'];
  const normalised = value.trim().toLowerCase();
  if (normalised === '' || normalised === 'auto') return 'auto';
  if (normalised === 'tensorflow' || normalised === 'wasm' || normalised === 'cpu') return normalised;
  throw new UnknownBackendError(value, source);
}

async function activate(candidate: Candidate): Promise<void> {
  await candidate.load();
  if (tf.findBackend(candidate.backend) == null && tf.findBackendFactory(candidate.backend) == null) {
    throw new Error(`loading it registered no '${candidate.backend}' backend (is it linked to another copy of @tensorflow/tfjs?)`);
  }
  const ok = await tf.setBackend(candidate.backend);
  if (!ok) throw new Error(`tf.setBackend('${candidate.backend}') failed`);
  await tf.ready();
}

/**
 * Activates a tfjs backend and adds the kernels it lacks for training.
 *
 * With `prefer` (or env TRAJECTORYNET_BACKEND) set, that backend is used or a
 * BackendUnavailableError says what to install. Otherwise the first that loads
 * of tfjs-node-gpu, tfjs-node, wasm and cpu is used, and the ones skipped are
 * reported with their reasons.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const preference = resolvePreference(options.prefer);
  const log = options.log === undefined ? (m: string) => process.stderr.write(`${m}\n`) : options.log;
  // Production mode skips debug checks and silences the cpu backend's banner.
  tf.enableProdMode();

  const candidates = preference === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.backend === preference);
  const skipped: SkippedBackend[] = [];
  for (const candidate of candidates) {
    try {
      await activate(candidate);
    } catch (error) {
      skipped.push({ candidate: candidate.packageName, reason: firstLine(error, candidate.packageName) });
      continue;
    }
    // native kernels wrap this package's ones: take them off while those are (re)registered
    torchKernels?.unregisterTorchKernels();
    const addedKernels = registerRuntimeKernels(candidate.backend);
    const native = await setupNativeKernels(candidate.backend, options.native);
    const info: BackendInfo = { backend: candidate.backend, packageName: candidate.packageName, skipped, addedKernels, ...native };
    log?.(describeBackend(info));
    return info;
  }
  const last = candidates[candidates.length - 1];
  const reasons = skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ');
  throw new BackendUnavailableError(preference, candidates.map((c) => c.packageName).join(' or '), reasons, last.hint);
}

type TorchKernels = typeof import('@trajectorynet/torch-kernels');
let torchKernels: TorchKernels | null = null;

/**
 * Puts the libtorch kernels on wasm (after this package's own kernels, which
 * they wrap as their fallbacks), or takes them off when turned off.
 */
async function setupNativeKernels(backend: BackendName, option: InitBackendOptions['native']): Promise<Pick<BackendInfo, 'native' | 'nativeReason'>> {
  const off = option === false || (option == null && process.env.TRAJECTORYNET_NATIVE?.trim() === '0');
  if (off) {
    return { native: null, nativeReason: option === false ? 'turned off (native: false)' : 'turned off (TRAJECTORYNET_NATIVE=0)' };
  }
  if (backend !== 'wasm') return { native: null, nativeReason: `only under the wasm backend` };
  try {
    torchKernels ??= await import('@trajectorynet/torch-kernels');
  } catch (error) {
    return { native: null, nativeReason: `@trajectorynet/torch-kernels: ${firstLine(error, '@trajectorynet/torch-kernels')}` };
  }
  try {
    const threads = typeof option === 'object' ? option.threads : undefined;
    return { native: torchKernels.registerTorchKernels({ threads }) };
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? firstLine(error);
    return { native: null, nativeReason: reason };
  }
}

// the optimizers fuse their steps natively while the libtorch kernels are registered on wasm
useNativeOptimizerSteps(() => (torchKernels?.torchKernelsInfo() != null ? torchKernels : null));

/** The native libtorch kernels registered on wasm now, or null. */
export function activeNativeKernels(): NativeKernelsInfo | null {
  return torchKernels?.torchKernelsInfo() ?? null;
}

/** One line saying which backend is active, why better ones were skipped, and whether native kernels run. */
export function describeBackend(info: BackendInfo): string {
  const why = info.skipped.map((s) => `${s.candidate} skipped: ${s.reason}`).join('; ');
  const native =
    info.native != null
      ? ` + ${info.native.library} kernels (${info.native.kernels.length}, ${info.native.threads} thread${info.native.threads === 1 ? '' : 's'})`
      : info.backend === 'wasm' && info.nativeReason != null
        ? ` [native kernels off: ${info.nativeReason}]`
        : '';
  return `tfjs backend: ${info.backend} (${info.packageName})${native}${why ? ` [${why}]` : ''}`;
}
