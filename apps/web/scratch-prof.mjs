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
const [model = 'tvl1', backends = 'webgl,wasm', runs = '7', extra = ''] = process.argv.slice(2);
const out = {};
for (const backend of backends.split(',')) {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'prof-chr-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.text().includes('PROF')) console.log('console:', m.text()); });
  await page.goto(`http://127.0.0.1:${port}/?model=/models/${model}/&backend=${backend}${extra}`);
  await page.waitForFunction(() => ['ready', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300000 });
  await page.setInputFiles('#video-input', VIDEO);
  await page.waitForFunction(() => ['done', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300000 });
  const st = await page.evaluate(() => window.trajectorynet);
  const bench = await page.evaluate((n) => window.trajectorynetBenchmark(n), Number(runs));
  for (let i = 0; i < 0; i++);
  out[backend] = { warmUp: st.model.warmUpMs, stage: st.result.timings.find((t) => t.stage === 'model (tfjs)').milliseconds, top1: st.result.top5[0], ...bench };
  console.log('webgl programs', JSON.stringify(bench.webgl), 'dispatch ms', bench.dispatchMs.toFixed(3));
  if (process.env.FLAGS) console.log(JSON.stringify(bench.flags));
  console.log(backend, 'warmUp', st.model.warmUpMs.toFixed(0), 'stage', out[backend].stage.toFixed(0), 'runs', bench.runs.map((r) => r.toFixed(0)).join(' '), 'median', bench.median.toFixed(1), 'min', Math.min(...bench.runs).toFixed(1), 'forward calls', bench.forwardCalls.map((r) => r.toFixed(0)).join(' '), 'kernels', bench.kernelCount, 'profiled', bench.profiledMs.toFixed(0));
  if (!process.env.QUIET) console.log(bench.kernels.slice(0, 25).map((k) => `  ${k.name.padEnd(28)} ${String(k.count).padStart(4)} ${k.milliseconds.toFixed(1).padStart(8)}`).join('\n'));
  if (process.env.TRACE) console.log(bench.trace.filter((k) => k.name !== "Reshape").map((k) => `  ${k.name.padEnd(20)} ${k.milliseconds.toFixed(2).padStart(7)} ${JSON.stringify(k.inputs)} -> ${JSON.stringify(k.outputs)}`).join("\n"));
  await ctx.close();
}
if (out.webgl && out.wasm) console.log('ratio webgl/wasm median', (out.webgl.median / out.wasm.median).toFixed(2));
server.close();
