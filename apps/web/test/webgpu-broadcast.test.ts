/**
 * tfjs-backend-webgpu 4.22's binary ops between a tensor of rank 5-6 and a 1-D operand of 2-127 values compile a
 * shader that WGSL rejects ("cannot index type 'vec5'"), and the command batch that holds it is dropped: its
 * outputs, and those of every upload and op recorded with it, read back as zeros. In headless Debian Chromium
 * (WebGPU on SwiftShader's Vulkan), test/webgpu-broadcast against plain JavaScript:
 * - tfjs's own kernels (no initBackend): the bug, so that this test is known to see it;
 * - after @trajectorynet/runtime's initBackend (which wraps those kernels): every case equal, no invalid WebGPU object;
 * - a joint TrajectoryNet with MotionNet trajectories on a page that only ever uses WebGPU (as the app) against the
 *   same model on a cpu-only page: trajectories and logits.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumThere, launch, servePage, WEBGL_FLAGS, WEBGPU_FLAGS, watchedPage, webgpuAdapter } from './headless.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(HERE, '../test-results');

if (!chromiumThere && process.env.CI === 'true') throw new Error('Chromium is missing: the WebGPU broadcast test cannot run');

interface OpsProbe {
  status: string;
  backend?: string;
  error?: string;
  cases?: { op: string; a: number[]; b: number[]; difference: number; scale: number }[];
  sameBatch?: { difference: number; scale: number };
  afterSwitch?: { difference: number; scale: number };
  leakedTensors?: number;
}
interface ModelRun {
  backend: string;
  weights: number[][];
  offsets: number[];
  logits: number[];
}

/** The shapes tfjs 4.22 sends through the shared-memory shader: one operand 1-D of 2..127 values, the other of rank 5 or more. */
const broken = (a: number[], b: number[]) => (a.length === 1 && a[0] > 1 && a[0] < 128 && b.length >= 5) || (b.length === 1 && b[0] > 1 && b[0] < 128 && a.length >= 5);
const maxAbsDiff = (a: number[], b: number[]) => (a.length !== b.length ? Number.POSITIVE_INFINITY : a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0));
const maxAbs = (a: number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe.skipIf(!chromiumThere)('WebGPU: rank-5 broadcasts with a 1-D operand (headless Chromium, SwiftShader)', { timeout: 600_000 }, () => {
  let served: Awaited<ReturnType<typeof servePage>>;
  let browser: Browser;
  let adapter = false;
  beforeAll(async () => {
    served = await servePage(path.join(HERE, 'webgpu-broadcast'));
    browser = await launch(WEBGPU_FLAGS);
    const { page } = await watchedPage(browser);
    adapter = await webgpuAdapter(page, served.port);
    await page.close();
    if (!adapter && process.env.CI === 'true') throw new Error('this Chromium gives no WebGPU adapter with the test flags');
  });
  afterAll(async () => {
    await browser?.close();
    served?.close();
  });

  /** The ops page's results (also written to test-results/`resultFile`). */
  async function opsProbe(query: string, resultFile: string): Promise<{ probe: OpsProbe; errors: string[]; webgpuInvalid: string[] }> {
    const { page, errors, webgpuInvalid } = await watchedPage(browser);
    await page.goto(`http://127.0.0.1:${served.port}/?mode=ops${query}`);
    await page.waitForFunction(() => (window as unknown as { probe: { status: string } }).probe.status !== 'running', null, { timeout: 300_000 });
    const probe = (await page.evaluate(() => (window as unknown as { probe: unknown }).probe)) as OpsProbe;
    await page.close();
    await mkdir(RESULTS, { recursive: true });
    await writeFile(path.join(RESULTS, resultFile), `${JSON.stringify({ ...probe, webgpuInvalid }, null, 2)}\n`);
    return { probe, errors, webgpuInvalid };
  }

  it("tfjs's own kernels: the broken shapes read back wrong (zeros), with a WGSL error; so does an upload in the same batch, and the first clip after a switch from cpu", async (ctx) => {
    if (!adapter) ctx.skip('this Chromium gives no WebGPU adapter with these flags');
    const { probe, errors, webgpuInvalid } = await opsProbe('&stock=1', 'webgpu-broadcast-stock.json');
    expect(probe.error).toBeUndefined();
    expect(probe.backend).toBe('webgpu');
    expect(errors).toEqual([]);
    expect(webgpuInvalid.some((m) => m.includes("cannot index type 'vec5'"))).toBe(true);
    const cases = probe.cases ?? [];
    expect(cases.filter((c) => broken(c.a, c.b)).length).toBeGreaterThan(20);
    for (const c of cases) {
      const label = JSON.stringify(c);
      // the output was never written (zeros here, or what its reused buffer held)
      if (broken(c.a, c.b)) expect(c.difference, label).toBeGreaterThan(0.1 * c.scale);
      else expect(c.difference, label).toBeLessThan(1e-6 * c.scale);
    }
    expect(probe.sameBatch?.difference ?? 0).toBeGreaterThan(1);
    expect(probe.afterSwitch?.difference ?? 0).toBeGreaterThan(1);
  });

  it('after initBackend (our wrapped kernels): every case equals plain JS; no invalid WebGPU object; no tensor leaks', async (ctx) => {
    if (!adapter) ctx.skip('this Chromium gives no WebGPU adapter with these flags');
    const { probe, errors, webgpuInvalid } = await opsProbe('', 'webgpu-broadcast.json');
    expect(probe.error).toBeUndefined();
    expect(probe.backend).toBe('webgpu');
    expect(probe.cases?.length).toBeGreaterThan(50);
    for (const c of probe.cases ?? []) expect(c.difference, JSON.stringify(c)).toBeLessThan(1e-6 * c.scale);
    expect(probe.sameBatch?.difference).toBe(0);
    expect(probe.afterSwitch?.difference).toBe(0);
    expect(probe.leakedTensors).toBe(0);
    expect(webgpuInvalid).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a joint TrajectoryNet (MotionNet trajectories) on a WebGPU-only page equals the same weights on a cpu-only page: trajectories and logits', async (ctx) => {
    if (!adapter) ctx.skip('this Chromium gives no WebGPU adapter with these flags');
    const run = async (backend: string, flags: string[], weights: number[][] | null) => {
      const other = backend === 'webgpu' ? browser : await launch(flags);
      const { page, errors, webgpuInvalid } = await watchedPage(other);
      try {
        await page.goto(`http://127.0.0.1:${served.port}/?mode=model&backend=${backend}`);
        await page.waitForFunction(() => (window as unknown as { probe: { status: string } }).probe.status !== 'running', null, { timeout: 300_000 });
        const probe = (await page.evaluate(() => (window as unknown as { probe: unknown }).probe)) as OpsProbe;
        expect(probe.error).toBeUndefined();
        const result = (await page.evaluate((w) => (window as unknown as { runModel: (w: number[][] | null) => Promise<unknown> }).runModel(w), weights)) as ModelRun;
        return { result, errors, webgpuInvalid };
      } finally {
        await page.close();
        if (other !== browser) await other.close();
      }
    };
    // the weights: the seeded ones of a cpu-only page, uploaded to the WebGPU page as a model's weights are
    const cpu = await run('cpu', WEBGL_FLAGS, null);
    const gpu = await run('webgpu', WEBGPU_FLAGS, cpu.result.weights);
    expect(cpu.result.backend).toBe('cpu');
    expect(gpu.result.backend).toBe('webgpu');
    expect(gpu.result.weights.map((w, i) => maxAbsDiff(w, cpu.result.weights[i]))).toEqual(cpu.result.weights.map(() => 0));
    const offsets = { difference: maxAbsDiff(gpu.result.offsets, cpu.result.offsets), scale: maxAbs(cpu.result.offsets) };
    const logits = { difference: maxAbsDiff(gpu.result.logits, cpu.result.logits), scale: maxAbs(cpu.result.logits) };
    await mkdir(RESULTS, { recursive: true });
    await writeFile(path.join(RESULTS, 'webgpu-model.json'), `${JSON.stringify({ offsets, logits, webgpuInvalid: gpu.webgpuInvalid }, null, 2)}\n`);
    for (const output of [offsets, logits]) {
      expect(output.scale, JSON.stringify(output)).toBeGreaterThan(0);
      expect(output.difference / output.scale, JSON.stringify(output)).toBeLessThan(1e-4);
    }
    expect(gpu.webgpuInvalid).toEqual([]);
    expect([...cpu.errors, ...gpu.errors]).toEqual([]);
  });
});
