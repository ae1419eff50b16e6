/**
 * Optimizer steps over all variables in one native call (binding/optimizer.cc):
 * Adam, and SGD with momentum, with global-norm clipping (a scale) and L2
 * weight decay folded in. The numbers are tfjs's optimizers' on the adjusted
 * gradients. Slots are updated in place on the wasm heap (one whose buffer
 * another tensor shares gets a copy of its own first, so that nothing else
 * changes). Variables get their new values in new buffers, as tfjs's assign
 * does: tfjs-backend-wasm keeps XNNPACK's packed weights per buffer until the
 * buffer is freed, so a variable changed in place would be multiplied with
 * its old values by the stock matMul and conv kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, heapOf, offsetOf, sizeOf } from './heap.js';
import { registeredAddon } from './register.js';

/** What both steps take: variables, their gradients and how each is adjusted first. */
export interface FusedStepInput {
  variables: tf.Variable[];
  gradients: tf.Tensor[];
  /** L2 weight decay per variable (0: none): the gradient gets value * decay added. */
  decays: number[];
  /** Global-norm clipping: every gradient is multiplied by this scalar first (null: not clipped). */
  scale: tf.Scalar | null;
  learningRate: number;
}

export interface AdamStepInput extends FusedStepInput {
  firstMoments: tf.Variable[];
  secondMoments: tf.Variable[];
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1^t and beta2^t of this step (tfjs's accBeta1/2, as float32 scalars hold them). */
  accBeta1: number;
  accBeta2: number;
}

export interface MomentumStepInput extends FusedStepInput {
  accumulations: tf.Variable[];
  momentum: number;
  nesterov: boolean;
}

type Backend = ReturnType<typeof tf.backend>;

/** Whether fused steps can run on these tensors now: the kernels registered, the wasm backend active, everything float32. */
export function canFuseStep(tensors: tf.Tensor[]): boolean {
  return registeredAddon() != null && tf.getBackend() === 'wasm' && tensors.every((t) => t.dtype === 'float32');
}

/** One Adam step over all variables natively. Returns false (nothing done) when it cannot run here. */
export function adamStep(input: AdamStepInput): boolean {
  const { variables, gradients, firstMoments, secondMoments } = input;
  checkLengths(input, [firstMoments, secondMoments]);
  if (!canFuseStep([...variables, ...gradients, ...firstMoments, ...secondMoments, ...(input.scale ? [input.scale] : [])])) return false;
  const addon = registeredAddon();
  if (addon == null) return false;
  const backend = tf.backend();
  for (const v of [...firstMoments, ...secondMoments]) ownBuffer(backend, v);
  const newValues = variables.map((v) => asWasm(backend).makeOutput([...v.shape], 'float32'));
  const at = (list: tf.TensorInfo[]) => list.map((t) => offsetOf(backend, t));
  addon.adamStep(
    heapOf(backend), at(variables), at(gradients), at(firstMoments), at(secondMoments), variables.map((v) => v.size), input.decays, at(newValues),
    input.scale == null ? -1 : offsetOf(backend, input.scale), input.learningRate, input.beta1, input.beta2, input.epsilon, input.accBeta1, input.accBeta2,
  );
  assignAll(variables, newValues);
  return true;
}

/** One SGD-with-momentum step over all variables natively. Returns false (nothing done) when it cannot run here. */
export function momentumStep(input: MomentumStepInput): boolean {
  const { variables, gradients, accumulations } = input;
  checkLengths(input, [accumulations]);
  if (!canFuseStep([...variables, ...gradients, ...accumulations, ...(input.scale ? [input.scale] : [])])) return false;
  const addon = registeredAddon();
  if (addon == null) return false;
  const backend = tf.backend();
  for (const v of accumulations) ownBuffer(backend, v);
  const newValues = variables.map((v) => asWasm(backend).makeOutput([...v.shape], 'float32'));
  const at = (list: tf.TensorInfo[]) => list.map((t) => offsetOf(backend, t));
  addon.momentumStep(
    heapOf(backend), at(variables), at(gradients), at(accumulations), [], variables.map((v) => v.size), input.decays, at(newValues),
    input.scale == null ? -1 : offsetOf(backend, input.scale), input.learningRate, input.momentum, input.nesterov,
  );
  assignAll(variables, newValues);
  return true;
}

/** Each variable takes its new buffer, as tfjs's assign does (the old one is freed when nothing else holds it). */
function assignAll(variables: tf.Variable[], newValues: tf.TensorInfo[]): void {
  variables.forEach((v, i) => {
    const tensor = tf.engine().makeTensorFromTensorInfo(newValues[i]);
    v.assign(tensor);
    tensor.dispose();
  });
}

function checkLengths(input: FusedStepInput, slots: tf.Tensor[][]): void {
  const n = input.variables.length;
  if (input.gradients.length !== n || input.decays.length !== n || slots.some((s) => s.length !== n)) {
    throw new RangeError(`fused optimizer step: ${n} variables but ${input.gradients.length} gradients, ${input.decays.length} decays, slots ${slots.map((s) => s.length).join('/')}`);
  }
  input.variables.forEach((v, i) => {
    const shapes = [input.gradients[i], ...slots.map((s) => s[i])].map((t) => t.shape);
    if (shapes.some((s) => sizeOf(s) !== v.size)) throw new RangeError(`fused optimizer step: ${v.name} has ${v.size} values, its gradient or slots ${shapes.map((s) => `[${s}]`).join(' ')}`);
  });
}

/**
 * Gives a slot a buffer no other tensor shares (tfjs shares buffers
 * between a variable and the tensor it was assigned, and between clones), so
 * that updating it in place changes nothing else.
 */
function ownBuffer(backend: Backend, variable: tf.Variable): void {
  const wasm = asWasm(backend) as ReturnType<typeof asWasm> & { refCount(dataId: object): number };
  if (wasm.refCount(variable.dataId) <= 1) return;
  const copy = wasm.makeOutput([...variable.shape], 'float32');
  const from = offsetOf(backend, variable);
  const heap = wasm.wasm.HEAPU8; // after the allocation, which may have grown the heap
  heap.copyWithin(offsetOf(backend, copy), from, from + variable.size * 4);
  const tensor = tf.engine().makeTensorFromTensorInfo(copy);
  variable.assign(tensor);
  tensor.dispose();
}
