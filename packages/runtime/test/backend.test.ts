import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, UnknownBackendError } from '../src/index.js';

const savedEnv = process.env.TRAJECTORYNET_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.TRAJECTORYNET_BACKEND;
  else process.env.TRAJECTORYNET_BACKEND = savedEnv;
});

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url)(name);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('auto: activates the best backend that loads and says why better ones were skipped', async () => {
    delete process.env.TRAJECTORYNET_BACKEND;
    const lines: string[] = [];
    const info = await initBackend({ log: (m) => lines.push(m) });
    expect(tf.getBackend()).toBe(info.backend);
    const nativeAvailable = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');
    if (nativeAvailable) {
      expect(info.backend).toBe('tensorflow');
    } else {
      expect(info.backend).toBe('wasm');
      expect(info.skipped.map((s) => s.candidate)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      for (const s of info.skipped) expect(s.reason.length).toBeGreaterThan(0);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`tfjs backend: ${info.backend}`);
  });

  it('uses the backend named by TRAJECTORYNET_BACKEND', async () => {
    process.env.TRAJECTORYNET_BACKEND = 'cpu';
    const info = await initBackend({ log: null });
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.addedKernels).toContain('UnsortedSegmentSum');
  });

  it('an explicit prefer wins over the environment', async () => {
    process.env.TRAJECTORYNET_BACKEND = 'cpu';
    const info = await initBackend({ prefer: 'wasm', log: null });
    expect(info.backend).toBe('wasm');
    expect(info.addedKernels).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad']),
    );
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('is idempotent: calling it again keeps one registration per kernel', async () => {
    const first = await initBackend({ prefer: 'wasm', log: null });
    const second = await initBackend({ prefer: 'wasm', log: null });
    expect(second.addedKernels).toEqual(first.addedKernels);
  });

  it('rejects an unknown backend name, naming where it came from', async () => {
    process.env.TRAJECTORYNET_BACKEND = 'webgpu';
    await expect(initBackend({ log: null })).rejects.toThrow(UnknownBackendError);
    await expect(initBackend({ log: null })).rejects.toThrow(/TRAJECTORYNET_BACKEND/);
  });

  it('asking for the native backend where it cannot load is a clear error naming the packages', async () => {
    if (installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node')) {
      const info = await initBackend({ prefer: 'tensorflow', log: null });
      expect(info.backend).toBe('tensorflow');
      return;
    }
    const attempt = initBackend({ prefer: 'tensorflow', log: null });
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend({ prefer: 'tensorflow', log: null })).rejects.toThrow(/@tensorflow\/tfjs-node-gpu.*not installed/);
    await expect(initBackend({ prefer: 'tensorflow', log: null })).rejects.toThrow(/Install @tensorflow\/tfjs-node/);
  });
});
