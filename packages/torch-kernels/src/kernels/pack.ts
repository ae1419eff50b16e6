/**
 * Pack (tf.stack) and Unpack (tf.unstack, Pack's gradient) of float32 tensors
 * along any axis, through the addon's concat and splitV (a stacked input is
 * the concatenation of inputs with a size-1 axis inserted). trajectoriesFromFlow
 * stacks its taps on axis 4 of a 6-D tensor, where wasm's Unpack took 8 s for
 * one [2, 16, 112, 112, 3, 2] gradient (its slices go element by element above 4-D).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

const withAxis = (shape: number[], axis: number, size: number) => [...shape.slice(0, axis), size, ...shape.slice(axis)];

export const pack: NativeKernel = {
  name: 'Pack',
  make: (addon, stock) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const shape = inputs[0].shape;
    const rawAxis = (args.attrs as { axis: number }).axis;
    const axis = rawAxis < 0 ? rawAxis + shape.length + 1 : rawAxis;
    const outShape = withAxis(shape, axis, inputs.length);
    const uniform = inputs.every((t) => t.dtype === 'float32' && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]));
    if (inputs.length < 2 || !uniform || sizeOf(outShape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, outShape);
    const be = args.backend;
    const one = withAxis(shape, axis, 1);
    addon.concat(heapOf(be), inputs.map((t) => offsetOf(be, t)), inputs.map(() => one), axis, offsetOf(be, out), outShape);
    return out;
  },
};

export const unpack: NativeKernel = {
  name: 'Unpack',
  make: (addon, stock) => (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo };
    const rawAxis = (args.attrs as { axis: number }).axis;
    const axis = rawAxis < 0 ? rawAxis + value.shape.length : rawAxis;
    if (value.dtype !== 'float32' || sizeOf(value.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const count = value.shape[axis];
    const outShape = value.shape.filter((_, i) => i !== axis);
    const outs = Array.from({ length: count }, () => output(args.backend, outShape));
    const be = args.backend;
    // each piece of size 1 along the axis has the memory layout of the output without it
    addon.splitV(heapOf(be), offsetOf(be, value), value.shape, axis, outs.map(() => 1), outs.map((o) => offsetOf(be, o)));
    return outs;
  },
};
