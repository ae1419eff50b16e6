/**
 * The trajectory-sampling kernels on WebGL and WebGPU in Debian's Chromium (SwiftShader: no GPU here) against
 * tfjs's cpu backend in the same page: forward and both gradients on 18 random shapes, offsets
 * within the input-gradient shader's window and beyond it (the composite then). The page
 * (test/kernels) is built by Vite into a temporary folder and served on 127.0.0.1.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumThere, launch, servePage, WEBGL_FLAGS, WEBGPU_FLAGS, watchedPage, webgpuAdapter } from './headless.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(HERE, '../test-results');

if (!chromiumThere && process.env.CI === 'true') throw new Error('Chromium is missing: the kernel test cannot run');

interface KernelCheck {
  status: string;
  backend?: string;
  path?: string;
  error?: string;
  leakedTensors?: number;
  cases?: { shape: Record<string, number>; forward: number; gradX: number; gradOffsets: number }[];
  fused?: { shape: Record<string, number | string | boolean>; kernels: string[]; forward: number; gradX: number; gradResidual: number }[];
  offsets?: { shape: Record<string, number>; kernels: string[][]; trajectories: number; resized: number }[];
  motionNet?: { flows: { shape: number[]; difference: number; scale: number }[]; offsets: { difference: number; scale: number }; logits: { difference: number; scale: number } };
}

describe.skipIf(!chromiumThere)('trajectory sampling kernels in headless Chromium', { timeout: 600_000 }, () => {
  let served: Awaited<ReturnType<typeof servePage>>;
  beforeAll(async () => {
    served = await servePage(path.join(HERE, 'kernels'));
  });
  afterAll(() => served?.close());

  it.for([
    ['webgl', WEBGL_FLAGS],
    ['webgpu', WEBGPU_FLAGS],
  ] as const)('%s (SwiftShader): the shaders equal the cpu kernel, forward and both gradients, on random shapes; no tensor leaks', async ([backend, flags], ctx) => {
    const browser = await launch(flags);
    try {
      const { page, errors, webgpuInvalid } = await watchedPage(browser);
      const { port } = served;
      if (backend === 'webgpu') {
        const adapter = await webgpuAdapter(page, port);
        if (!adapter && process.env.CI !== 'true') ctx.skip('this Chromium gives no WebGPU adapter with these flags');
        errors.length = 0; // the probe's own 404
      }
      await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`);
      await page.waitForFunction(() => (window as unknown as { kernelCheck: { status: string } }).kernelCheck.status !== 'running', null, { timeout: 500_000 });
      const check = (await page.evaluate(() => (window as unknown as { kernelCheck: unknown }).kernelCheck)) as KernelCheck;
      await mkdir(RESULTS, { recursive: true });
      await writeFile(path.join(RESULTS, `kernels-${backend}.json`), `${JSON.stringify({ ...check, consoleErrors: errors, webgpuInvalid }, null, 2)}\n`);
      expect(check.error).toBeUndefined();
      expect(check.backend).toBe(backend);
      expect(check.path).toBe(`${backend} shaders`);
      expect(check.cases).toHaveLength(18);
      for (const c of check.cases ?? []) {
        const label = JSON.stringify(c.shape);
        // float32 sums of a few products of values below (offset scale + 1) in size
        expect(c.forward, label).toBeLessThan(1e-5);
        expect(c.gradX, label).toBeLessThan(1e-4);
        expect(c.gradOffsets, label).toBeLessThan(1e-4);
      }
      // the fused temporal / trajectory convs (bias, activation, residual): one kernel on WebGL, the composite of
      // tfjs's ops elsewhere and under tf.grad; equal to the cpu backend's composite either way
      expect(check.fused).toHaveLength(16);
      for (const c of check.fused ?? []) {
        const label = JSON.stringify(c.shape);
        if (backend === 'webgl' && (c.shape.conv === 'trajectory' || c.shape.residual || c.shape.dilation !== 1)) {
          expect(c.kernels, label).toEqual([c.shape.conv === 'trajectory' ? 'FusedTrajectoryConv' : 'FusedTemporalConv']);
        }
        expect(c.forward, label).toBeLessThan(1e-4);
        expect(c.gradX, label).toBeLessThan(1e-4);
        expect(c.gradResidual, label).toBeLessThan(1e-6);
      }
      // the offsets' plumbing: one kernel each on WebGL (trajectoriesFromFlow with taps 3, resizeOffsets)
      expect(check.offsets).toHaveLength(8);
      for (const c of check.offsets ?? []) {
        const label = JSON.stringify(c.shape);
        if (backend === 'webgl') expect(c.kernels, label).toEqual([['TrajectoriesFromFlow'], ['ResizeOffsets']]);
        expect(c.trajectories, label).toBe(0); // copies of the flows and zeros
        expect(c.resized, label).toBeLessThan(1e-5);
      }
      // MotionNet (a joint TrajectoryNet's, random weights) on the backend equals the cpu backend's: its flows at
      // the five scales, and the whole model's trajectories (from those flows) and logits; float32 sums of
      // convolutions, so relative to the largest value of each output
      // (on WebGPU this needs @trajectorynet/runtime's wrapped binary ops: tfjs 4.22's own cannot compile a rank-5
      // tensor times a 1-D one of 2-127 values, e.g. the recognizer's input normalisation, and the batch is dropped;
      // see webgpu-broadcast.test.ts)
      const motion = check.motionNet;
      expect(motion?.flows).toHaveLength(5);
      for (const f of [...(motion?.flows ?? []), motion?.offsets, motion?.logits]) {
        expect(f?.scale, JSON.stringify(f)).toBeGreaterThan(0);
        expect((f?.difference ?? Number.POSITIVE_INFINITY) / (f?.scale ?? 1), JSON.stringify(f)).toBeLessThan(1e-4);
      }
      expect(check.leakedTensors).toBe(0);
      expect(errors).toEqual([]);
      expect(webgpuInvalid).toEqual([]); // a WebGPU program that did not compile (a console warning): its batch did not run
    } finally {
      await browser.close();
    }
  });
});
