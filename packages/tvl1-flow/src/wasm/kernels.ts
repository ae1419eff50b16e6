/**
 * The WebAssembly SIMD kernels (kernels.wat: the TV-L1 iteration, the ROF
 * iteration of the structure-texture split and the bicubic warp), and the
 * buffers of a level inside its memory. Compiled synchronously on first use
 * (the module is a few KB, under browsers' main-thread limit); where
 * WebAssembly SIMD is missing, `simdKernels()` is null and the solver uses
 * its JavaScript loop.
 */
import kernelsBase64 from './kernels.wat';

/** The parts of the WebAssembly API used here (the Node types have no WebAssembly namespace, and it may be absent). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

export interface SimdKernels {
  memory: WasmMemory;
  iterate(u1: number, u2: number, p11: number, p12: number, p21: number, p22: number, gx: number, gy: number, ig: number, rc: number, w: number, h: number, lt: number, theta: number, taut: number): number;
  warp(I0: number, I1: number, I1x: number, I1y: number, u1: number, u2: number, gx: number, gy: number, ig: number, rc: number, warped: number, hasWarped: number, w: number, h: number, ignoreOutside: number): void;
  rofIterate(fa: number, fb: number, pa1: number, pa2: number, pb1: number, pb2: number, ta: number, tb: number, w: number, h: number, invTheta: number, tau: number, update: number): void;
}

let kernels: SimdKernels | null | undefined;

export function simdKernels(): SimdKernels | null {
  if (kernels === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (wasm == null) throw new Error('no WebAssembly');
      const bytes = Uint8Array.from(atob(kernelsBase64), (c) => c.charCodeAt(0));
      kernels = new wasm.Instance(new wasm.Module(bytes)).exports as SimdKernels;
    } catch {
      kernels = null;
    }
  }
  return kernels;
}

/** Float32 arrays of the given lengths laid out in the kernel memory (16-byte aligned), growing it if needed; earlier views are invalid afterwards. */
export function simdArrays(k: SimdKernels, lengths: number[]): { views: Float32Array[]; offsets: number[] } {
  const offsets: number[] = [];
  let end = 0;
  for (const n of lengths) {
    offsets.push(end);
    end += Math.ceil((n * 4) / 16) * 16 + 16;
  }
  const missing = end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  return { views: lengths.map((n, i) => new Float32Array(k.memory.buffer, offsets[i], n)), offsets };
}
