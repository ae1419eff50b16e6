/**
 * The tfjs wasm backend's memory, where its tensors live: a tensor is a byte
 * offset into one WebAssembly.Memory. The data-parallel step reduces its flat
 * buffer there, in place, instead of copying it out and back. Any allocation
 * may grow the memory, which gives it a new ArrayBuffer (V8 grows a wasm
 * memory in place, so byte offsets and the addresses Gloo holds stay valid):
 * take views after allocating, and again after awaiting.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm used here (the same ones @trajectorynet/torch-kernels uses). */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** The active backend when it is tfjs's wasm backend with the internals this module needs, else null. */
export function activeWasmHeap(): WasmHeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  return backend.wasm?.HEAPU8 != null && backend.dataIdMap != null && typeof backend.makeOutput === 'function' ? (backend as WasmHeapBackend) : null;
}

/** A Float32Array over a float32 tensor's values on the heap (valid until the next allocation). */
export function heapView(backend: WasmHeapBackend, tensor: tf.Tensor): Float32Array {
  const entry = backend.dataIdMap.get(tensor.dataId);
  if (entry == null) throw new Error(`tensor ${tensor.id} is not on the wasm heap`);
  return new Float32Array(backend.wasm.HEAPU8.buffer, entry.memoryOffset, tensor.size);
}

/**
 * New tensors of `shapes` holding consecutive slices of `flat` from element
 * `start`: one copy within the heap each (tf.slice on wasm reads the whole
 * input out of the heap once per slice).
 */
export function splitHeap(backend: WasmHeapBackend, flat: tf.Tensor, start: number, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  const outputs = shapes.map((shape) => backend.makeOutput([...shape], 'float32'));
  // after the allocations, which may have grown the memory
  const heap = backend.wasm.HEAPU8;
  const from = backend.dataIdMap.get(flat.dataId)?.memoryOffset;
  if (from == null) throw new Error(`tensor ${flat.id} is not on the wasm heap`);
  let at = from + start * 4;
  return outputs.map((info, i) => {
    const bytes = shapes[i].reduce((a, b) => a * b, 1) * 4;
    const to = backend.dataIdMap.get(info.dataId)?.memoryOffset as number;
    heap.copyWithin(to, at, at + bytes);
    at += bytes;
    return tf.engine().makeTensorFromTensorInfo(info);
  });
}
