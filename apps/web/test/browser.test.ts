/**
 * The page in a real browser: small TrajectoryNets trained here on the synthetic set (the
 * training package, as `trajectorynet train` runs it; one on TV-L1 trajectories, one jointly with
 * MotionNet), exported with `exportWebModel` (`trajectorynet export-web`), the built page served on
 * localhost, Debian's Chromium driven headless (playwright-core) to load a model and classify a
 * shared video; the page's probabilities must equal `predictFromCheckpoint` (what
 * `trajectorynet predict` prints) on the same video within 1e-3, on WebGL and on wasm (what `auto`
 * picks without a GPU), with no error in the console. The built page (dist) comes from `vite build` (the test
 * script runs it first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportWebModel, predictFromCheckpoint, resolveConfig, runTraining, topK } from '@trajectorynet/training';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..');
const DIST = path.join(APP, 'dist');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(APP, '../../../shared/data');
const VIDEO = path.join(DATA, 'videos/part_0.mp4');
/** The fake camera's source: 300 frames at 30 fps (the live test plays its first 4 s, made small, in a loop). */
const CAMERA_VIDEO = path.join(DATA, 'videos/test.mp4');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = path.join(APP, 'test-results');
// dense clips of 4 frames 2 apart: the page chains TV-L1 flows through the frames in between, as predict does
const SMALL = ['data.size=32', 'data.frames=4', 'data.frameInterval=2', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.epochs=1'];
/** The models the test trains: TV-L1 trajectories (the page solves TV-L1), and MotionNet's (run by the model). */
const MODELS: [string, string, string[]][] = [
  ['tvl1', 'trajectorynet-r18-tiny', []],
  ['motionnet', 'trajectorynet-r18-motionnet-motion-tiny', ['motionnet.width=0.0625', 'data.frameInterval=1']],
];

const chromiumThere = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status === 0;
if (!chromiumThere && process.env.CI === 'true') throw new Error(`Chromium is missing at ${CHROMIUM} (scripts/ensure-system-deps.mjs installs Debian's chromium): the browser test cannot run`);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

/** The built page at /, exported models at /models/<name>/ (plain static files, as any host serves them). */
function serve(modelsDir: string): Promise<http.Server> {
  const server = http.createServer(async (request, response) => {
    const url = path.posix.normalize(decodeURIComponent((request.url ?? '/').split('?')[0]));
    const file = url.startsWith('/models/') ? path.join(modelsDir, url.slice('/models/'.length)) : path.join(DIST, url === '/' ? 'index.html' : url);
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

/** Warm runs of the model stage timed by the page's benchmark hook (`window.trajectorynetBenchmark`). */
const BENCHMARK_RUNS = 15;

/** What `window.trajectorynetBenchmark` returns (src/run.ts ModelBenchmark; the page's types are not imported by the test). */
interface ModelBenchmark {
  backend: string;
  runs: number[];
  median: number;
  forwardCalls: number[];
  kernels: { name: string; count: number; milliseconds: number }[];
  kernelCount: number;
  dispatchMs: number;
  webgl?: { programs: number; uploads: number };
  /** WebGL: the run split into upload, dispatch, execution and read-back (src/webgl-split.ts), medians in ms. */
  split?: { full: number; fullAsync: number; upload: number; dispatch: number; execute: number; readAsync: number; readSync: number; barrier: number; programs: { name: string; milliseconds: number }[] };
  flags: Record<string, unknown>;
  numTensorsBefore: number;
  numTensorsAfter: number;
}

interface PageResult {
  status: string;
  backend: string;
  error?: string;
  result: { top5: { label: string; probability: number }[]; probabilities: number[]; timings: { stage: string; milliseconds: number; detail?: string }[]; exactPixels: boolean };
  model: { warmUpMs: number[] };
}

describe.skipIf(!chromiumThere)('the page in headless Chromium', { timeout: 600_000 }, () => {
  let work: string;
  let server: http.Server;
  /** Per model: its labels and the predictions of `predictFromCheckpoint` (every class, best first) on VIDEO and on its WebM. */
  const models: Record<string, { labels: string[]; predictions: Record<'mp4' | 'webm', { label: string; score: number }[]> }> = {};
  let webm: string;
  let ffmpeg: string;
  const measured: Record<string, unknown> = {};

  beforeAll(async () => {
    expect(existsSync(path.join(DIST, 'index.html')), 'the page is built (vite build)').toBe(true);
    work = mkdtempSync(path.join(tmpdir(), 'tjn-web-'));
    // the same video as WebM (VP9, one packet per frame: no alt-ref frames), with the ffmpeg the CLI decodes with
    webm = path.join(work, 'part_0.webm');
    // (video-io's Node entry: this tsconfig resolves the package's browser types, which have no ffmpeg)
    const { ffmpegPath } = (await import('@trajectorynet/video-io')) as unknown as { ffmpegPath: () => string };
    ffmpeg = ffmpegPath();
    const encoded = spawnSync(ffmpeg, ['-v', 'error', '-i', VIDEO, '-an', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-auto-alt-ref', '0', '-pix_fmt', 'yuv420p', webm], { encoding: 'utf8' });
    expect(encoded.status, encoded.stderr).toBe(0);
    for (const [name, preset, extra] of MODELS) {
      const [run, out] = [path.join(work, 'runs', name), path.join(work, 'models', name)];
      // the wasm backend, as the page's wasm path (the libtorch kernels, when present, change sums by float rounding only)
      const config = await resolveConfig({ preset, overrides: [...SMALL, ...extra, 'backend=wasm'] });
      await runTraining(config, { outDir: run, quiet: true, log: () => {} });
      await exportWebModel(path.join(run, 'best.ckpt'), out);
      const labels = (await readFile(path.join(out, 'labels.txt'), 'utf8')).trim().split('\n');
      const predictions = { mp4: [] as { label: string; score: number }[], webm: [] as { label: string; score: number }[] };
      for (const [kind, video] of [['mp4', VIDEO], ['webm', webm]] as const) {
        const predicted = await predictFromCheckpoint(path.join(run, 'best.ckpt'), video);
        expect(predicted.labels).toEqual(labels);
        predictions[kind] = topK(predicted.probabilities, labels.length).map((i) => ({ label: labels[i], score: predicted.probabilities[i] }));
      }
      models[name] = { labels, predictions };
    }
    server = await serve(path.join(work, 'models'));
  });

  afterAll(async () => {
    server?.close();
    if (work != null) rmSync(work, { recursive: true, force: true });
    await mkdir(RESULTS, { recursive: true });
    // the model stage on WebGL against wasm in this run (reported, not asserted: a timing)
    const modelMs = (key: string) => (measured[key] as { timings: { stage: string; milliseconds: number }[] } | undefined)?.timings.find((t) => t.stage === 'model (tfjs)')?.milliseconds;
    const [webgl, wasm] = [modelMs('tvl1 model, webgl'), modelMs('tvl1 model, wasm')];
    if (webgl != null && wasm != null) {
      measured['tvl1 model time, webgl / wasm, first video'] = webgl / wasm;
      console.log(`[web] tvl1 model time, the video's one run: webgl ${webgl.toFixed(0)} ms, wasm ${wasm.toFixed(0)} ms, ratio ${(webgl / wasm).toFixed(2)}`);
    }
    const warm = (key: string) => (measured[key] as { benchmark?: { median: number; min: number } } | undefined)?.benchmark;
    const [webglWarm, wasmWarm] = [warm('tvl1 model, webgl'), warm('tvl1 model, wasm')];
    if (webglWarm != null && wasmWarm != null) {
      measured['tvl1 model time, webgl / wasm, warm median'] = webglWarm.median / wasmWarm.median;
      measured['tvl1 model time, webgl / wasm, warm min'] = webglWarm.min / wasmWarm.min;
      measured.loadAverage = loadavg();
      console.log(`[web] tvl1 model time warm (median of ${BENCHMARK_RUNS}): webgl ${webglWarm.median.toFixed(1)} ms, wasm ${wasmWarm.median.toFixed(1)} ms, ratio ${(webglWarm.median / wasmWarm.median).toFixed(2)}; min ratio ${(webglWarm.min / wasmWarm.min).toFixed(2)}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    }
    await writeFile(path.join(RESULTS, 'browser-parity.json'), `${JSON.stringify(measured, null, 2)}\n`);
  });

  /** Chromium as the tests drive it: headless, no GPU (WebGL on SwiftShader), plus `extra` flags. */
  const launch = (profile: string, extra: string[] = []) =>
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...extra],
    });

  // `auto` in a browser without a GPU (WebGL on SwiftShader here) must pass over WebGL and take wasm
  it.each([
    ['tvl1', 'webgl', 'webgl', 'mp4'],
    ['tvl1', 'auto', 'wasm', 'mp4'],
    ['motionnet', 'auto', 'wasm', 'mp4'],
    ['tvl1', 'wasm', 'wasm', 'webm'],
  ] as const)('the %s model, ?backend=%s (runs on %s), %s: the top-5 of predict within 1e-3, pictures drawn, no console error', async (name, asked, backend, kind) => {
    const { labels } = models[name];
    const predicted = models[name].predictions[kind]; // what `trajectorynet predict` prints
    const profile = mkdtempSync(path.join(tmpdir(), 'tjn-chromium-'));
    const context = await launch(profile);
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?model=/models/${name}/&backend=${asked}`);
      await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as { trajectorynet?: { status: string } }).trajectorynet?.status ?? ''), null, { timeout: 120_000 });
      await page.setInputFiles('#video-input', kind === 'mp4' ? VIDEO : webm);
      await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { trajectorynet?: { status: string } }).trajectorynet?.status ?? ''), null, { timeout: 300_000 });
      const state = (await page.evaluate(() => (window as unknown as { trajectorynet: unknown }).trajectorynet)) as PageResult;
      expect(state.error).toBeUndefined();
      expect(state.status).toBe('done');
      expect(state.backend).toBe(backend);
      expect(state.result.exactPixels).toBe(true);
      expect(state.model.warmUpMs.length).toBe(3); // the page's warm-up runs (WARM_UP_RUNS)

      // the same five labels in the same order, each probability within 1e-3; and every class
      expect(state.result.top5.map((p) => p.label)).toEqual(predicted.slice(0, 5).map((p) => p.label));
      for (const [i, p] of state.result.top5.entries()) expect(Math.abs(p.probability - predicted[i].score)).toBeLessThan(1e-3);
      const predictedByLabel = new Map(predicted.map((p) => [p.label, p.score]));
      const differences = labels.map((label, c) => Math.abs(state.result.probabilities[c] - (predictedByLabel.get(label) as number)));
      expect(Math.max(...differences)).toBeLessThan(1e-3);

      // the pictures: one frame per clip frame (with trajectories for TV-L1: 4 frames 2 apart), one
      // flow picture per pair they chain through (6); MotionNet-(T+1) sees 5 frames and no TV-L1
      expect(await page.locator('#frames canvas').count()).toBe(name === 'tvl1' ? 4 : 5);
      // MotionNet's flows between the model's 4 clip frames (3), from the trajectories' next taps
      expect(await page.locator('#flows canvas').count()).toBe(name === 'tvl1' ? 6 : 3);
      // the trajectories' red dots (taps in the next frame) on every frame they cover; none on
      // MotionNet's fifth frame, which shows the video alone has no such pixels
      const redDots = await page.$$eval('#frames canvas', (canvases) =>
        (canvases as HTMLCanvasElement[]).map((canvas) => {
          const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
          let count = 0;
          for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 0xff) <= 4 && Math.abs(data[i + 1] - 0x44) <= 4 && Math.abs(data[i + 2] - 0x33) <= 4) count++;
          return count;
        }),
      );
      expect(redDots.slice(0, 4).every((n) => n > 50), `red pixels per frame: ${redDots}`).toBe(true);
      if (name === 'motionnet') expect(redDots[4]).toBe(0);
      // the model stage warm, BENCHMARK_RUNS times on the same views, and one run profiled per kernel (the page's
      // benchmark hook): the WebGL / wasm ratio below is of these medians (timings: reported, not asserted)
      let benchmark: ModelBenchmark | undefined;
      if (name === 'tvl1' && kind === 'mp4') {
        benchmark = (await page.evaluate((runs) => (window as unknown as { trajectorynetBenchmark(runs: number): Promise<ModelBenchmark> }).trajectorynetBenchmark(runs), BENCHMARK_RUNS)) as ModelBenchmark;
        expect(benchmark.backend).toBe(backend);
        expect(benchmark.runs.length).toBe(BENCHMARK_RUNS);
        expect(benchmark.runs.every((ms) => ms > 0)).toBe(true);
        // no tensor left behind by the runs, the profiled run or the kernel chains
        expect(benchmark.numTensorsAfter).toBe(benchmark.numTensorsBefore);
        // every kernel of the model was profiled, the trajectory sampling among them: on WebGL inside the four
        // trajectory convs' fused programs (FusedTrajectoryConv: sampling, weights, bias, shortcut, ReLU)
        expect(benchmark.kernels.find((k) => k.name === (backend === 'webgl' ? 'FusedTrajectoryConv' : 'TrajectorySample'))?.count).toBe(4);
        if (backend === 'webgl') {
          // the page runs WebGL unpacked (its WEBGL_FLAGS), which the program count shows: no pack/unpack conversions
          expect(benchmark.flags.WEBGL_PACK).toBe(false);
          expect(benchmark.webgl?.programs).toBeGreaterThan(0);
          // the split timed every experiment, and one time per program of the run: the two uploads' encode
          // programs and the model's, i.e. all it draws but the two read-backs' decode programs
          const split = benchmark.split;
          expect(split).toBeDefined();
          if (split != null) {
            expect([split.full, split.fullAsync, split.upload, split.dispatch, split.execute, split.readAsync, split.readSync].every((ms) => ms > 0), JSON.stringify(split)).toBe(true);
            expect(split.programs.length).toBe((benchmark.webgl?.programs ?? 0) - 2);
          }
        }
      }
      expect(errors).toEqual([]);
      measured[`${name} model, ${backend}${kind === 'webm' ? ', webm' : ''}`] = {
        maxProbabilityDifference: Math.max(...differences),
        top1: state.result.top5[0],
        predictTop1: predicted[0],
        timings: state.result.timings,
        warmUpMs: state.model.warmUpMs,
        ...(benchmark != null
          ? { benchmark: { runs: benchmark.runs, median: benchmark.median, min: Math.min(...benchmark.runs), forwardCalls: benchmark.forwardCalls, dispatchMs: benchmark.dispatchMs, webgl: benchmark.webgl, split: benchmark.split, kernelCount: benchmark.kernelCount, kernels: benchmark.kernels } }
          : {}),
      };
      if (benchmark != null) {
        console.log(`[web] ${name} model, ${backend}: model stage warm x${BENCHMARK_RUNS} median ${benchmark.median.toFixed(1)} ms (min ${Math.min(...benchmark.runs).toFixed(1)}), ${benchmark.dispatchMs.toFixed(3)} ms per tiny kernel${benchmark.webgl != null ? `, ${benchmark.webgl.programs} WebGL programs per run` : ''}`);
        const split = benchmark.split;
        if (split != null) console.log(`[web]   split (medians): page ${split.full.toFixed(1)} ms (asynchronous read ${split.fullAsync.toFixed(1)}), upload ${split.upload.toFixed(1)}, dispatch ${split.dispatch.toFixed(1)}, dispatch + execution ${split.execute.toFixed(1)}, read back ${split.readSync.toFixed(1)} (asynchronous ${split.readAsync.toFixed(1)}); ${split.programs.length} programs timed one by one: ${split.programs.reduce((a, p) => a + p.milliseconds, 0).toFixed(1)} ms`);
        console.log(benchmark.kernels.slice(0, 8).map((k) => `[web]   ${k.name} x${k.count}: ${k.milliseconds.toFixed(2)} ms`).join('\n'));
      }
      console.log(`[web] ${name} model, ${backend}, ${kind}: max |page - predict| probability ${Math.max(...differences).toExponential(2)}; ${state.result.timings.map((t) => `${t.stage} ${t.milliseconds.toFixed(0)} ms`).join(', ')}`);
      if (name === 'tvl1' && asked === 'auto') await page.screenshot({ path: path.join(RESULTS, 'screenshot.jpg'), fullPage: true, type: 'jpeg', quality: 80 });
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  // the live camera: Chromium's fake capture device plays a Y4M (4 s of test.mp4 at 112x84, made here) in a loop
  it.each([
    ['auto', 'wasm'],
    ['webgl', 'webgl'],
  ] as const)('live camera on a fake device (the tvl1 model, ?backend=%s, runs on %s): several classifications, top-5 and fps shown, numTensors flat, Stop ends the tracks and idles the workers', async (asked, backend) => {
    const { labels } = models.tvl1;
    const y4m = path.join(work, 'camera.y4m');
    const converted = spawnSync(ffmpeg, ['-v', 'error', '-y', '-i', CAMERA_VIDEO, '-t', '4', '-an', '-vf', 'scale=112:84', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', y4m], { encoding: 'utf8' });
    expect(converted.status, converted.stderr).toBe(0);
    const profile = mkdtempSync(path.join(tmpdir(), 'tjn-chromium-'));
    const context = await launch(profile, ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`]);
    const errors: string[] = [];
    interface Live {
      status: string;
      error?: string;
      window: number;
      updates: number;
      captures: number[];
      top5: { label: string; probability: number }[];
      probabilities: number[];
      fps?: number;
      timings: { stage: string; milliseconds: number; detail?: string }[];
      tensorsAtStart: number;
      numTensors: number[];
      exactPixels: boolean;
      camera: { width: number; height: number; format: string; decodedWidth: number; decodedHeight: number };
      tracks?: string[];
      workersBusy?: number;
    }
    const live = () => page.evaluate(() => (window as unknown as { trajectorynet: { live: unknown } }).trajectorynet.live) as Promise<Live>;
    const page = await context.newPage();
    try {
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?model=/models/tvl1/&backend=${asked}`);
      await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as { trajectorynet?: { status: string } }).trajectorynet?.status ?? ''), null, { timeout: 120_000 });
      expect(await page.evaluate(() => (window as unknown as { trajectorynet: { backend?: string } }).trajectorynet.backend)).toBe(backend);
      expect(await page.locator('#camera-toggle').textContent()).toBe('Start camera');
      await page.click('#camera-toggle');
      // each update's captures, as the page saw them
      const seen: Live[] = [];
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline) {
        const state = await live();
        if (state.status === 'error') break;
        if (state.updates > (seen.at(-1)?.updates ?? 0)) seen.push(state);
        if (state.updates >= 4) break;
        await page.waitForTimeout(100);
      }
      // the state and what the page shows, read at one moment (the page keeps updating)
      const { state, shownTop5, fpsText } = await page.evaluate(() => ({
        state: (window as unknown as { trajectorynet: { live: unknown } }).trajectorynet.live as Live,
        shownTop5: [...document.querySelectorAll('#top5 tr')].map((row) => [(row as HTMLTableRowElement).cells[0].textContent, (row as HTMLTableRowElement).cells[1].textContent]),
        fpsText: document.getElementById('live-fps')?.textContent ?? '',
      }));
      expect(state.error).toBeUndefined();
      expect(state.status).toBe('running');
      expect(state.updates).toBeGreaterThanOrEqual(4);
      expect(await page.locator('#camera-toggle').textContent()).toBe('Stop camera');
      // the model's clip (4 frames 2 apart) over a window of 7 captures: the newest capture and the ones 2, 4, 6 before it
      expect(state.window).toBe(7);
      for (const s of seen) {
        expect(s.captures.length).toBe(4);
        expect(s.captures.slice(1).map((c, i) => c - s.captures[i])).toEqual([2, 2, 2]);
      }
      // the clip slides: every update takes newer captures than the one before
      for (let i = 1; i < seen.length; i++) expect(seen[i].captures[0]).toBeGreaterThan(seen[i - 1].captures[0]);
      // the camera is the Y4M (the fake device's own pattern is 640x480), its frames went through yuvToRgb as a
      // video's, at the pipeline's decoding size (this model has no resizeShorter: the camera's size)
      expect(state.camera).toEqual({ width: 112, height: 84, format: 'I420', decodedWidth: 112, decodedHeight: 84 });
      expect(state.exactPixels).toBe(true);
      // the top-5: five of the model's labels, best first; all the classes' probabilities sum to 1
      expect(state.top5.length).toBe(5);
      expect(new Set(state.top5.map((p) => p.label)).size).toBe(5);
      for (const p of state.top5) expect(labels).toContain(p.label);
      for (let i = 1; i < 5; i++) expect(state.top5[i].probability).toBeLessThanOrEqual(state.top5[i - 1].probability);
      expect(state.probabilities.length).toBe(labels.length);
      expect(Math.abs(state.probabilities.reduce((a, p) => a + p, 0) - 1)).toBeLessThan(1e-4);
      const top5Sum = state.top5.reduce((a, p) => a + p.probability, 0);
      expect(top5Sum).toBeGreaterThan(0);
      expect(top5Sum).toBeLessThanOrEqual(1 + 1e-5);
      expect(shownTop5.map(([label]) => label)).toEqual(state.top5.map((p) => p.label));
      expect(shownTop5.map(([, percent]) => percent)).toEqual(state.top5.map((p) => `${(p.probability * 100).toFixed(2)}%`));
      // classifications per second, measured by the page and shown
      expect(state.fps).toBeGreaterThan(0);
      expect(fpsText).toMatch(/^\d+\.\d\d classifications\/s; update \d+/);
      // no tensor leak: the same number of tensors before the first update and after every one
      expect(state.numTensors.length).toBe(state.updates);
      expect(state.numTensors.every((n) => n === state.tensorsAtStart), `numTensors ${state.tensorsAtStart} at start, then ${state.numTensors}`).toBe(true);
      expect(state.tensorsAtStart).toBeGreaterThan(0); // the model's weights: the page's tfjs is the one that runs the model
      // the pictures: the clip's 4 frames with trajectories, the 6 pairs' TV-L1 flows
      expect(await page.locator('#frames canvas').count()).toBe(4);
      expect(await page.locator('#flows canvas').count()).toBe(6);
      if (backend === 'wasm') await page.screenshot({ path: path.join(RESULTS, 'live-screenshot.jpg'), type: 'jpeg', quality: 60 });
      // Stop: the running update finishes, the tracks end, the workers are idle and closed, no update after
      await page.click('#camera-toggle');
      await page.waitForFunction(() => ['stopped', 'error'].includes((window as unknown as { trajectorynet: { live: { status: string } } }).trajectorynet.live.status), null, { timeout: 120_000 });
      const stopped = await live();
      expect(stopped.status).toBe('stopped');
      expect(stopped.tracks?.length).toBeGreaterThan(0);
      expect(stopped.tracks?.every((t) => t === 'ended')).toBe(true);
      expect(stopped.workersBusy).toBe(0);
      expect(await page.evaluate(() => (document.getElementById('camera') as HTMLVideoElement).srcObject)).toBeNull();
      expect(await page.locator('#camera-toggle').textContent()).toBe('Start camera');
      await page.waitForTimeout(1500);
      expect((await live()).updates).toBe(stopped.updates);
      expect(errors).toEqual([]);
      measured[`live camera, tvl1 model, ${backend}`] = { updates: stopped.updates, fps: state.fps, timings: state.timings, numTensors: state.numTensors, tensorsAtStart: state.tensorsAtStart, captures: seen.map((s) => s.captures) };
      console.log(`[web] live camera on ${backend}: ${stopped.updates} updates, ${state.fps?.toFixed(2)} classifications/s, numTensors ${state.tensorsAtStart} -> ${state.numTensors.join(' ')}`);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  // no fake device: this machine has no camera, so getUserMedia fails
  it('live camera with no camera: a CameraError NOT_FOUND under the button, the model still loaded', async () => {
    const profile = mkdtempSync(path.join(tmpdir(), 'tjn-chromium-'));
    const context = await launch(profile, ['--use-fake-ui-for-media-stream']);
    try {
      const page = await context.newPage();
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?model=/models/tvl1/`);
      await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as { trajectorynet?: { status: string } }).trajectorynet?.status ?? ''), null, { timeout: 120_000 });
      await page.click('#camera-toggle');
      await page.waitForFunction(() => (window as unknown as { trajectorynet: { live?: { status: string } } }).trajectorynet.live?.status === 'error', null, { timeout: 60_000 });
      const state = (await page.evaluate(() => (window as unknown as { trajectorynet: unknown }).trajectorynet)) as { status: string; live: { errorCode?: string; error?: string; updates: number } };
      expect(state.live.errorCode).toBe('NOT_FOUND');
      expect(state.live.error).toMatch(/^no camera found/);
      expect(await page.locator('#live-status').textContent()).toBe(state.live.error);
      expect(state.status).toBe('ready');
      expect(await page.locator('#camera-toggle').textContent()).toBe('Start camera');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
