import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerRuntimeKernels, selfCheck } from '../src/index.js';
import { makeOutput, readValues } from '../src/kernels/kernel-io.js';
import { setupBackends } from './helpers.js';

beforeAll(setupBackends);

describe('selfCheck', () => {
  it('passes on wasm with our kernels and leaves the backend as it was', async () => {
    await tf.setBackend('wasm');
    const result = await selfCheck();
    expect(result.ok).toBe(true);
    expect(result.leakedTensors).toBe(0);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('fails when a gradient kernel is wrong', async () => {
    await tf.setBackend('wasm');
    const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(ours).toBeDefined();
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    // a filter gradient that is off by 1% everywhere
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const right = ours?.kernelFunc(args) as tf.TensorInfo;
        const values = Float32Array.from(readValues(args.backend, right), (v) => v * 1.01);
        (args.backend as tf.KernelBackend).disposeData(right.dataId);
        return makeOutput(args.backend, right.shape, 'float32', values);
      },
    });
    try {
      const result = await selfCheck();
      expect(result.ok).toBe(false);
      expect(result.maxRelativeError).toBeGreaterThan(1e-3);
    } finally {
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
      tf.registerKernel(ours as tf.KernelConfig);
      registerRuntimeKernels('wasm');
    }
  });
});
