/**
 * initBackend and the native libtorch kernels (@trajectorynet/torch-kernels):
 * on under wasm when they load (in CI they must), described in the log line,
 * off with `native: false` or TRAJECTORYNET_NATIVE=0 (this package's kernels
 * back in place), threads settable, and covered by selfCheck.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeNativeKernels, describeBackend, initBackend, selfCheck } from '../src/index.js';

let available = false;
const savedEnv = process.env.TRAJECTORYNET_NATIVE;

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  const info = await initBackend({ prefer: 'wasm', log: null, native: true });
  available = info.native != null;
  if (!available && process.env.CI === 'true') throw new Error(`CI: the native kernels must load: ${info.nativeReason}`);
});

afterAll(async () => {
  if (savedEnv === undefined) delete process.env.TRAJECTORYNET_NATIVE;
  else process.env.TRAJECTORYNET_NATIVE = savedEnv;
  await initBackend({ prefer: 'wasm', log: null });
});

describe('native kernels under wasm', () => {
  it('are on when asked for: library, threads and kernels in BackendInfo and in the log line', async (context) => {
    if (!available) context.skip();
    const lines: string[] = [];
    const info = await initBackend({ prefer: 'wasm', log: (m) => lines.push(m), native: { threads: 2 } });
    expect(info.native?.library).toMatch(/^libtorch \d+\.\d+\.\d+$/);
    expect(info.native?.threads).toBe(2);
    expect(info.native?.kernels).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter', 'BatchMatMul', 'TrajectorySample']));
    expect(lines[0]).toContain(`+ ${info.native?.library} kernels`);
    expect(activeNativeKernels()?.kernels).toEqual(info.native?.kernels);
  });

  it('go off with native: false, and this package kernels are back', async (context) => {
    if (!available) context.skip();
    const on = await initBackend({ prefer: 'wasm', log: null, native: true });
    const nativeFilterGrad = tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc;
    const off = await initBackend({ prefer: 'wasm', log: null, native: false });
    expect(off.native).toBeNull();
    expect(off.nativeReason).toMatch(/turned off/);
    expect(describeBackend(off)).toContain('native kernels off: turned off');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).not.toBe(nativeFilterGrad);
    expect(off.addedKernels).toEqual(on.addedKernels);
    expect(activeNativeKernels()).toBeNull();
  });

  it('go off with TRAJECTORYNET_NATIVE=0 and only under wasm', async () => {
    process.env.TRAJECTORYNET_NATIVE = '0';
    const off = await initBackend({ prefer: 'wasm', log: null });
    expect(off.native).toBeNull();
    expect(off.nativeReason).toContain('TRAJECTORYNET_NATIVE=0');
    delete process.env.TRAJECTORYNET_NATIVE;
    const cpu = await initBackend({ prefer: 'cpu', log: null });
    expect(cpu.native).toBeNull();
    await tf.setBackend('wasm');
  });

  it('selfCheck runs through them and passes', async (context) => {
    if (!available) context.skip();
    await initBackend({ prefer: 'wasm', log: null, native: true });
    const result = await selfCheck();
    expect(result.native).toMatch(/^libtorch/);
    expect(result.ok).toBe(true);
  });
});
