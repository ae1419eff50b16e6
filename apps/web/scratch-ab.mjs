// one page on webgl, configs alternated: node scratch-ab.mjs model rounds runs 'json cfg1' 'json cfg2' ...
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
const [model, rounds, runs, backend, ...cfgs] = process.argv.slice(2);
const profile = await mkdtemp(path.join(os.tmpdir(), 'prof-chr-'));
const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const page = await ctx.newPage();
page.on('console', (m) => { if (m.type() === 'error') console.log('console:', m.text()); });
await page.goto(`http://127.0.0.1:${port}/?model=/models/${model}/&backend=${backend}`);
await page.waitForFunction(() => ['ready', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300000 });
await page.setInputFiles('#video-input', VIDEO);
await page.waitForFunction(() => ['done', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300000 });
const all = cfgs.map(() => []);
const fw = cfgs.map(() => []);
for (let r = 0; r < Number(rounds); r++) {
  for (const [i, cfg] of cfgs.entries()) {
    await page.evaluate((c) => window.trajectorynetBenchmark(2, JSON.parse(c)), cfg);
    const b = await page.evaluate((n) => window.trajectorynetBenchmark(n), Number(runs));
    all[i].push(...b.runs); fw[i].push(...b.forwardCalls);
  }
}
const med = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
for (const [i, cfg] of cfgs.entries()) console.log(cfg.padEnd(60), 'n', all[i].length, 'median', med(all[i]).toFixed(1), 'min', Math.min(...all[i]).toFixed(1), 'p25', [...all[i]].sort((a,b)=>a-b)[all[i].length>>2].toFixed(1), 'fwd median', med(fw[i]).toFixed(1));
await ctx.close(); server.close();
