import http from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';
const DIST = path.resolve('dist');
const MODELS = '/tmp/prof34/models';
const VIDEO = '/work/shared/data/videos/part_0.mp4';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = http.createServer(async (req, res) => {
  const url = path.posix.normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
  const file = url.startsWith('/models/') ? path.join(MODELS, url.slice(8)) : path.join(DIST, url === '/' ? 'index.html' : url);
  try { const body = await readFile(file); res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }); res.end(body); } catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const backend = process.argv[2] ?? 'webgl';
const profile = await mkdtemp(path.join(os.tmpdir(), 'prof-chr-'));
const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const page = await ctx.newPage();
await page.goto(`http://127.0.0.1:${port}/?model=/models/tvl1/&backend=${backend}`);
await page.waitForFunction(() => ['ready', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300000 });
console.log('warmUp', (await page.evaluate(() => window.trajectorynet.model.warmUpMs)).toFixed(0));
for (const idle of [0, 0, 2000, 0, 5000, 0]) {
  await page.waitForTimeout(idle);
  const b = await page.evaluate(() => window.trajectorynetBenchmark(4));
  console.log(`after ${idle} ms idle:`, b.runs.map((r) => r.toFixed(0)).join(' '), 'fwd', b.forwardCalls.map((r) => r.toFixed(0)).join(' '));
}
await ctx.close(); server.close();
