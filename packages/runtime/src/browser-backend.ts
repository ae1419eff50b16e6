/**
 * Backend choice in a browser: WebGPU, else WebGL (the GPU), else WebAssembly (XNNPACK,
 * SIMD when the browser has it), else plain JS. The same contract as Node's
 * `initBackend`: an explicit choice that cannot load throws
 * BackendUnavailableError; `auto` reports what it skipped and why. `auto`
 * passes over WebGPU and WebGL drawn by a software rasteriser (SwiftShader, llvmpipe: a
 * browser without a GPU), where wasm is faster by two orders of magnitude.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// registers the 'webgpu' backend when the browser has navigator.gpu
import '@tensorflow/tfjs-backend-webgpu';
import { BackendUnavailableError, UnknownBackendError } from './errors.js';
import { registerRuntimeKernels } from './kernels/register.js';

export type BrowserBackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface InitBrowserBackendOptions {
  /** The backend to use; default: the best that loads (webgpu, webgl, wasm, cpu). */
  prefer?: BrowserBackendName | 'auto';
  /**
   * Where tfjs-backend-wasm's .wasm files are served: a folder URL ending in
   * '/', or a map from file name (tfjs-backend-wasm.wasm, -simd.wasm,
   * -threaded-simd.wasm) to URL. Default: tfjs's (next to the script).
   */
  wasmPaths?: string | Record<string, string>;
  /** Where to report the choice; default console.info; `null` for none. */
  log?: ((message: string) => void) | null;
}

export interface BrowserBackendInfo {
  backend: BrowserBackendName;
  packageName: string;
  skipped: { candidate: string; reason: string }[];
  addedKernels: string[];
}

const PACKAGES: Record<BrowserBackendName, string> = { webgpu: '@tensorflow/tfjs-backend-webgpu', webgl: '@tensorflow/tfjs-backend-webgl', wasm: '@tensorflow/tfjs-backend-wasm', cpu: '@tensorflow/tfjs-backend-cpu' };

/** A backend is only taken when a small op gives the right answer on it (WebGL contexts can exist and still fail). */
async function works(): Promise<boolean> {
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.sum(tf.mul(x, x));
  const value = (await y.data())[0];
  tf.dispose([x, y]);
  return value === 14;
}

/** The minimum of the WebGL API read here (this package is typed without the DOM library). */
interface GlContext {
  RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?(): void } | null;
}
type CanvasMaker = { OffscreenCanvas?: new (width: number, height: number) => { getContext(kind: string): GlContext | null } };

/** The WebGL renderer's name when it is a software rasteriser, else null (a GPU, or no WebGL to ask). */
function softwareWebglRenderer(): string | null {
  const { OffscreenCanvas } = globalThis as CanvasMaker;
  if (OffscreenCanvas == null) return null;
  const canvas = new OffscreenCanvas(1, 1);
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (gl == null) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext?.();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? renderer : null;
}

/** The minimum of the WebGPU API read here. */
type GpuMaker = { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> } } };

/** The WebGPU adapter's name when it is a software one (SwiftShader), else null (a GPU, or no WebGPU: then the backend fails to load and says so). */
async function softwareWebgpuAdapter(): Promise<string | null> {
  const adapter = await (globalThis as GpuMaker).navigator?.gpu?.requestAdapter().catch(() => null);
  const info = adapter?.info;
  if (info == null) return null;
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  return /swiftshader|llvmpipe|softpipe|software/i.test(name) ? name : null;
}

export async function initBackend(options: InitBrowserBackendOptions = {}): Promise<BrowserBackendInfo> {
  const prefer = options.prefer ?? 'auto';
  if (prefer !== 'auto' && PACKAGES[prefer] == null) throw new UnknownBackendError(String(prefer), 'initBackend({ prefer })');
  const log = options.log === undefined ? (m: string) => console.info(m) : options.log;
  tf.enableProdMode();
  if (options.wasmPaths != null) setWasmPaths(options.wasmPaths);
  const candidates: BrowserBackendName[] = prefer === 'auto' ? ['webgpu', 'webgl', 'wasm', 'cpu'] : [prefer];
  const skipped: BrowserBackendInfo['skipped'] = [];
  for (const backend of candidates) {
    if (backend === 'webgpu' && (globalThis as GpuMaker).navigator?.gpu == null) {
      skipped.push({ candidate: PACKAGES[backend], reason: 'this browser has no WebGPU (navigator.gpu)' });
      continue;
    }
    const software = prefer !== 'auto' ? null : backend === 'webgl' ? softwareWebglRenderer() : backend === 'webgpu' ? await softwareWebgpuAdapter() : null;
    if (software != null) {
      skipped.push({ candidate: PACKAGES[backend], reason: `software rendering (${software}): wasm is faster` });
      continue;
    }
    try {
      if (!(await tf.setBackend(backend))) throw new Error('it did not initialise (see the console above)');
      await tf.ready();
      if (!(await works())) throw new Error('a test op gave a wrong result');
    } catch (error) {
      skipped.push({ candidate: PACKAGES[backend], reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] });
      continue;
    }
    const info: BrowserBackendInfo = { backend, packageName: PACKAGES[backend], skipped, addedKernels: registerRuntimeKernels(backend) };
    log?.(`tfjs backend: ${backend} (${info.packageName})${skipped.length > 0 ? ` [${skipped.map((s) => `${s.candidate} skipped: ${s.reason}`).join('; ')}]` : ''}`);
    return info;
  }
  const reasons = skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ');
  throw new BackendUnavailableError(prefer, candidates.map((c) => PACKAGES[c]).join(' or '), reasons, 'Use a browser with WebGL or WebAssembly.');
}
