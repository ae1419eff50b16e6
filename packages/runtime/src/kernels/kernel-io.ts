/**
 * Small adapters that let a kernel written in TypeScript run on more than one
 * tfjs backend: read an input's values, make an output, call another kernel of
 * the same backend and free its intermediate result.
 */
import * as tf from '@tensorflow/tfjs';

type Values = tf.backend_util.BackendValues;

/** The backend a kernel function receives (typed `{}` by tfjs). */
export type AnyBackend = object;

interface MakeOutputBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Values): tf.TensorInfo;
}
interface MakeTensorInfoBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Values): tf.TensorInfo;
}

/** The values of a kernel input as a typed array (a copy on wasm, the live buffer on cpu). */
export function readValues(backend: AnyBackend, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return (backend as tf.KernelBackend).readSync(info.dataId) as Float32Array | Int32Array | Uint8Array;
}

/** Registers `values` as a new tensor of the backend and returns its TensorInfo. */
export function makeOutput(backend: AnyBackend, shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo {
  // cpu (and most backends) have makeTensorInfo; wasm has only makeOutput. The
  // cpu backend also has a makeOutput, with another signature, so test in this order.
  if (typeof (backend as MakeTensorInfoBackend).makeTensorInfo === 'function') {
    return (backend as MakeTensorInfoBackend).makeTensorInfo(shape, dtype, values);
  }
  return (backend as MakeOutputBackend).makeOutput(shape, dtype, undefined, values);
}

/**
 * Runs kernel `name` of `backendName` directly, bypassing the engine: no tape,
 * no scope. The caller owns the returned TensorInfo and frees it with `release`
 * unless it is the kernel's own output.
 */
export function callKernel(
  backendName: string,
  backend: AnyBackend,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, backendName);
  if (config == null) throw new Error(`kernel ${name} is not registered for backend ${backendName}`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees intermediate results made by `callKernel`. */
export function release(backend: AnyBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as tf.KernelBackend).disposeData(info.dataId);
}
