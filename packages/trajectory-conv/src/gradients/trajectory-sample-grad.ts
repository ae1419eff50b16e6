/**
 * The gradient of TrajectorySample: into the features and into the offsets (so
 * flow networks learn end to end). Each runs the backend's kernel, or the
 * composite of built-in ops where the backend has none (webgpu: an atomic
 * scatter); on webgl the features' gradient is a windowed gather that needs max |offset| (one scalar
 * read back) and falls back to the composite beyond its window.
 */
import * as tf from '@tensorflow/tfjs';
import { type SampleAttrs, TRAJECTORY_SAMPLE, TRAJECTORY_SAMPLE_GRAD_OFFSETS, TRAJECTORY_SAMPLE_GRAD_X } from '../kernels/trajectory-sample.js';
import { WEBGL_GRAD_X_MAX_RADIUS } from '../kernels/trajectory-sample-webgl.js';
import { WINDOWED_GRAD_X_KERNELS } from '../kernels/windowed.js';
import { compositeSampleGradOffsets, compositeSampleGradX } from '../ops/trajectory-sample-composite.js';

/** ceil(max |offset|): the window the input-gradient shaders must search (NaN for non-finite offsets). */
function windowRadius(offsets: tf.Tensor): number {
  const largest = tf.tidy(() => tf.max(tf.abs(offsets)));
  const value = largest.dataSync()[0];
  largest.dispose();
  return Number.isFinite(value) ? Math.ceil(value) : Number.NaN;
}

function gradX(dy: tf.Tensor, x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  const kernel = tf.getKernel(TRAJECTORY_SAMPLE_GRAD_X, tf.getBackend());
  if (kernel == null) return compositeSampleGradX(dy, x, offsets, attrs);
  const inputs = { dy, offsets, x };
  if (!WINDOWED_GRAD_X_KERNELS.has(kernel.kernelFunc)) return tf.engine().runKernel(TRAJECTORY_SAMPLE_GRAD_X, inputs, { ...attrs }) as tf.Tensor;
  const radius = windowRadius(offsets);
  if (!(radius <= WEBGL_GRAD_X_MAX_RADIUS)) return compositeSampleGradX(dy, x, offsets, attrs);
  return tf.engine().runKernel(TRAJECTORY_SAMPLE_GRAD_X, inputs, { ...attrs, windowRadius: radius }) as tf.Tensor;
}

function gradOffsets(dy: tf.Tensor, x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  if (tf.getKernel(TRAJECTORY_SAMPLE_GRAD_OFFSETS, tf.getBackend()) == null) return compositeSampleGradOffsets(dy, x, offsets, attrs);
  return tf.engine().runKernel(TRAJECTORY_SAMPLE_GRAD_OFFSETS, { dy, offsets, x }, { ...attrs }) as tf.Tensor;
}

export const trajectorySampleGradient: tf.GradConfig = {
  kernelName: TRAJECTORY_SAMPLE,
  inputsToSave: ['x', 'offsets'],
  gradFunc: (dy, saved, attrs) => {
    const [x, offsets] = saved;
    const sampleAttrs: SampleAttrs = { stride: (attrs.stride as number) ?? 1, dilation: (attrs.dilation as number) ?? 1 };
    return {
      x: () => gradX(dy as tf.Tensor, x, offsets, sampleAttrs),
      offsets: () => gradOffsets(dy as tf.Tensor, x, offsets, sampleAttrs),
    };
  },
};
