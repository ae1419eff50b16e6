/**
 * What the headless-Chromium checks of test/<page>/ share: Debian's Chromium and its flags for WebGL and WebGPU on
 * SwiftShader, a page built by Vite into a temporary folder and served on 127.0.0.1, and the console messages that
 * mean a WebGPU program did not run (Chromium reports those as warnings).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const COMMON_FLAGS = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** WebGL on SwiftShader without a GPU process, as in browser.test.ts. */
export const WEBGL_FLAGS = [...COMMON_FLAGS, '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
/** WebGPU on SwiftShader's Vulkan: Debian's Chromium gives headless pages an adapter with these (and none with --disable-gpu). */
export const WEBGPU_FLAGS = [...COMMON_FLAGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-watchdog'];

export const chromiumThere = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * WebGPU validation messages: a shader that does not compile ("Error while parsing WGSL"), and the invalid pipeline,
 * bind group and command buffer that follow it. Chromium logs them as console warnings, not errors, and the submit
 * that holds such a command buffer does nothing: its outputs read back as zeros or stale values.
 */
export const WEBGPU_INVALID = /Error while parsing WGSL|\[Invalid (ShaderModule|ComputePipeline|BindGroupLayout|CommandBuffer)/;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Builds the page in `root` (index.html) and serves it; `close` stops the server and removes the build. */
export async function servePage(root: string): Promise<{ port: number; close: () => void }> {
  const out = mkdtempSync(path.join(tmpdir(), 'tjn-page-'));
  await build({ configFile: false, root, base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 } });
  const server = http.createServer(async (request, response) => {
    const url = path.posix.normalize(decodeURIComponent((request.url ?? '/').split('?')[0]));
    const file = path.join(out, url === '/' ? 'index.html' : url);
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** Chromium with `flags` and a profile of its own. */
export async function launch(flags: string[]): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'tjn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...flags] });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page whose console errors, page errors and WebGPU validation warnings are collected into the returned lists. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[]; webgpuInvalid: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const webgpuInvalid: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
    else if (WEBGPU_INVALID.test(message.text())) webgpuInvalid.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors, webgpuInvalid };
}

/** Whether this Chromium gives a page at `port` (a secure context: 127.0.0.1) a WebGPU adapter. */
export async function webgpuAdapter(page: Page, port: number): Promise<boolean> {
  await page.goto(`http://127.0.0.1:${port}/probe`); // a 404 page, where nothing runs
  return page.evaluate(async () => (await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()) != null);
}
