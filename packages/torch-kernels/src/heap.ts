/**
 * The wasm backend's memory as the addon sees it: tensors are byte offsets
 * into one ArrayBuffer. Allocate every output first, then take the buffer:
 * an allocation may grow the memory, which replaces the buffer.
 */
import type * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export const asWasm = (backend: object) => backend as WasmBackend;

/** The byte offset of a tensor's values in the wasm memory. */
export function offsetOf(backend: object, info: tf.TensorInfo): number {
  return asWasm(backend).dataIdMap.get(info.dataId).memoryOffset;
}

/** The wasm memory now (take it after the outputs are allocated). */
export function heapOf(backend: object): ArrayBuffer {
  return asWasm(backend).wasm.HEAPU8.buffer as ArrayBuffer;
}

/** A new tensor (float32 unless said; bool takes one byte per element) on the wasm heap (values uninitialised). */
export function output(backend: object, shape: number[], dtype: 'float32' | 'bool' = 'float32'): tf.TensorInfo {
  return asWasm(backend).makeOutput(shape, dtype);
}

export const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Below this many output elements the stock kernel is used: a native call
 * costs a few microseconds more than a wasm one, and tiny tensors (biases,
 * BatchNorm statistics, losses) are most calls of a training step.
 */
export const MIN_NATIVE_ELEMENTS = 16384;

export const allFloat = (...infos: (tf.TensorInfo | undefined)[]) => infos.every((i) => i == null || i.dtype === 'float32');
