/**
 * Gradients this package puts in place of tfjs's while its kernels are
 * registered. Each runs the native kernel where the backend in use has it
 * and the inputs suit it, and tfjs's own gradient everywhere else (other
 * backends, other dtypes), so other backends in the same process are not
 * affected.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './kernels/relu-grad.js';

let replaced: tf.GradConfig | null = null;
let ours: tf.GradConfig | null = null;

/** Relu: dy * (x > 0) as one kernel (`ReluGrad`) instead of Step, Cast and Multiply. */
export function installGradients(): void {
  if (replaced != null) return;
  const stock = tf.getGradient('Relu');
  if (stock == null) return;
  replaced = stock;
  ours = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const grad = dy as tf.Tensor;
      if (grad.dtype !== 'float32' || x.dtype !== 'float32' || tf.getKernel(RELU_GRAD, tf.getBackend()) == null) return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: grad, x }) as tf.Tensor };
    },
  };
  tf.registerGradient(ours);
}

/** Puts tfjs's gradients back, unless other code replaced ours since. */
export function uninstallGradients(): void {
  if (replaced == null) return;
  if (tf.getGradient('Relu') === ours) tf.registerGradient(replaced);
  replaced = null;
  ours = null;
}
