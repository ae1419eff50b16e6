/**
 * The trajectory-sampling kernels on WebGL in Debian's Chromium (SwiftShader: no GPU here) against
 * tfjs's cpu backend in the same page: forward and both gradients on 18 random shapes, offsets
 * within the input-gradient shader's window and beyond it (the composite then). The page
 * (test/kernels) is built by Vite into a temporary folder and served on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = path.resolve(HERE, '../test-results');
/** WebGL on SwiftShader without a GPU process, as in browser.test.ts. */
const WEBGL_FLAGS = ['--no-sandbox', '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const chromiumThere = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status === 0;
if (!chromiumThere && process.env.CI === 'true') throw new Error(`Chromium is missing at ${CHROMIUM}: the kernel test cannot run`);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function serve(root: string): Promise<http.Server> {
  const server = http.createServer(async (request, response) => {
    const url = path.posix.normalize(decodeURIComponent((request.url ?? '/').split('?')[0]));
    const file = path.join(root, url === '/' ? 'index.html' : url);
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface KernelCheck {
  status: string;
  backend?: string;
  path?: string;
  error?: string;
  leakedTensors?: number;
  cases?: { shape: Record<string, number>; forward: number; gradX: number; gradOffsets: number }[];
}

describe.skipIf(!chromiumThere)('trajectory sampling kernels in headless Chromium', { timeout: 600_000 }, () => {
  let out: string;
  let server: http.Server;
  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'tjn-kernels-'));
    await build({ configFile: false, root: path.join(HERE, 'kernels'), base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 } });
    server = await serve(out);
  });
  afterAll(() => {
    server?.close();
    if (out != null) rmSync(out, { recursive: true, force: true });
  });

  it('WebGL (SwiftShader): the shaders equal the cpu kernel, forward and both gradients, on random shapes; no tensor leaks', async () => {
    const profile = mkdtempSync(path.join(tmpdir(), 'tjn-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: WEBGL_FLAGS });
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?backend=webgl`);
      await page.waitForFunction(() => (window as unknown as { kernelCheck: { status: string } }).kernelCheck.status !== 'running', null, { timeout: 500_000 });
      const check = (await page.evaluate(() => (window as unknown as { kernelCheck: unknown }).kernelCheck)) as KernelCheck;
      await mkdir(RESULTS, { recursive: true });
      await writeFile(path.join(RESULTS, 'kernels-webgl.json'), `${JSON.stringify(check, null, 2)}\n`);
      expect(check.error).toBeUndefined();
      expect(check.backend).toBe('webgl');
      expect(check.path).toBe('webgl shaders');
      expect(check.cases).toHaveLength(18);
      for (const c of check.cases ?? []) {
        const label = JSON.stringify(c.shape);
        // float32 sums of a few products of values below (offset scale + 1) in size
        expect(c.forward, label).toBeLessThan(1e-5);
        expect(c.gradX, label).toBeLessThan(1e-4);
        expect(c.gradOffsets, label).toBeLessThan(1e-4);
      }
      expect(check.leakedTensors).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
