/**
 * The page's model stage on WebGL against wasm, outside the test: trains and exports the browser
 * test's TV-L1 model once (the same preset and overrides; cached in BENCH_DIR, default
 * /tmp/trajectorynet-web-bench), serves the built page (run `vite build` first), and for each round
 * and backend opens a fresh headless Chromium (SwiftShader, the test's flags), classifies part_0.mp4
 * of the shared data and calls `window.trajectorynetBenchmark(RUNS)`. Prints one JSON line per page
 * (medians, fastest run, WebGL programs per run by kind, load average) and the medians per backend;
 * writes every result (with the kernel trace) to BENCH_DIR/bench-<time>.json.
 *
 *   node scripts/bench-model.mjs                      # 1 round, webgl then wasm, 15 runs each
 *   ROUNDS=3 RUNS=15 BACKENDS=webgl,wasm node scripts/bench-model.mjs
 *   TRACE=1 BACKENDS=webgl node scripts/bench-model.mjs  # also the profiled run kernel by kernel
 *   QUERY='&tf-flags=WEBGL_PACK:true' ...               # extra page parameters
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..');
const DIST = path.join(APP, 'dist');
const WORK = process.env.BENCH_DIR ?? path.join(tmpdir(), 'trajectorynet-web-bench');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(APP, '../../../shared/data');
const VIDEO = path.join(DATA, 'videos/part_0.mp4');
const SMALL = ['data.size=32', 'data.frames=4', 'data.frameInterval=2', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.epochs=1'];
const backends = (process.env.BACKENDS ?? 'webgl,wasm').split(',');
const rounds = Number(process.env.ROUNDS ?? 1);
const runs = Number(process.env.RUNS ?? 15);
const extraQuery = process.env.QUERY ?? '';

const modelDir = path.join(WORK, 'models', 'tvl1');
if (!existsSync(path.join(modelDir, 'model.json'))) {
  const { exportWebModel, resolveConfig, runTraining } = await import('@trajectorynet/training');
  const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'backend=wasm'] });
  await runTraining(config, { outDir: path.join(WORK, 'runs', 'tvl1'), quiet: true, log: () => {} });
  await exportWebModel(path.join(WORK, 'runs', 'tvl1', 'best.ckpt'), modelDir);
}
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = http.createServer(async (request, response) => {
  const url = path.posix.normalize(decodeURIComponent((request.url ?? '/').split('?')[0]));
  const file = url.startsWith('/models/') ? path.join(WORK, 'models', url.slice('/models/'.length)) : path.join(DIST, url === '/' ? 'index.html' : url);
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    response.writeHead(404);
    response.end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const results = [];
for (let round = 0; round < rounds; round++) {
  for (const backend of backends) {
    const profile = mkdtempSync(path.join(tmpdir(), 'tjn-bench-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1100, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    try {
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/?model=/models/tvl1/&backend=${backend}${extraQuery}`);
      await page.waitForFunction(() => ['ready', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300_000 });
      await page.setInputFiles('#video-input', VIDEO);
      await page.waitForFunction(() => ['done', 'error'].includes(window.trajectorynet?.status ?? ''), null, { timeout: 300_000 });
      const state = await page.evaluate(() => window.trajectorynet);
      if (state.status !== 'done') throw new Error(state.error);
      const load0 = loadavg()[0];
      const b = await page.evaluate((n) => window.trajectorynetBenchmark(n), runs);
      const modelMs = state.result.timings.find((t) => t.stage === 'model (tfjs)').milliseconds;
      const r = { round, backend, median: b.median, min: Math.min(...b.runs), runs: b.runs.map((x) => +x.toFixed(1)), forward: b.forwardCalls.map((x) => +x.toFixed(1)), dispatchMs: b.dispatchMs, programs: b.webgl?.programs, byProgram: b.webgl?.byProgram, uploads: b.webgl?.uploads, split: b.split && Object.fromEntries(Object.entries(b.split).filter(([k]) => k !== 'programs').map(([k, x]) => [k, +x.toFixed(2)])), kernelCount: b.kernelCount, videoModelMs: modelMs, warmUpMs: state.model.warmUpMs, top1: state.result.top5[0], load: [load0, loadavg()[0]], errors };
      results.push({ ...r, programTimes: b.split?.programs, trace: b.trace, kernels: b.kernels });
      console.log(JSON.stringify(r));
      if (process.env.TRACE && b.split) console.log(b.split.programs.map((p) => `${p.milliseconds.toFixed(2)} ${p.name}`).join('\n'));
      if (process.env.TRACE) console.log(b.trace.map((k) => `${k.name} ${k.milliseconds?.toFixed?.(2)} ${JSON.stringify(k.inputs)} -> ${JSON.stringify(k.outputs)}`).join('\n'));
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
}
await writeFile(path.join(WORK, `bench-${Date.now()}.json`), JSON.stringify(results, null, 1));
const med = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
for (const backend of backends) {
  const rs = results.filter((r) => r.backend === backend);
  console.log(backend, 'medians', rs.map((r) => r.median.toFixed(1)).join(' '), 'mins', rs.map((r) => r.min.toFixed(1)).join(' '));
}
server.close();
