/**
 * The page: load a model (URL or dropped folder), then classify dropped
 * videos. State for scripts and tests is on `window.trajectorynet`.
 */
import * as tf from '@tensorflow/tfjs';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type BrowserBackendInfo, type BrowserBackendName, initBackend } from '@trajectorynet/runtime';
import { type ClipViews, loadWebModel, type WebModelManifest, type WebModelSource } from '@trajectorynet/training/web';
import { trajectorySamplingPath } from '@trajectorynet/trajectory-conv';
import { CameraError } from './camera.js';
import { type LiveSession, type LiveUpdate, numTensors, startLive } from './live.js';
import { renderClip, top5 } from './render.js';
import { benchmarkModel, blankViews, type ModelBenchmark, runVideo, type Timing, WARM_UP_RUNS, warmUp } from './run.js';

interface PageState {
  status: 'idle' | 'loading-model' | 'ready' | 'running' | 'done' | 'error';
  backend?: string;
  /** warmUpMs: each warm-up run (the first compiles WebGL's programs). */
  model?: { labels: number; variant: string; trajectories: string; warmUpMs: number[] };
  result?: { video: string; top5: { label: string; probability: number }[]; probabilities: number[]; timings: Timing[]; exactPixels: boolean };
  error?: string;
  live?: LiveState;
}
/** The live camera mode, for scripts and tests. */
interface LiveState {
  status: 'starting' | 'running' | 'stopping' | 'stopped' | 'error';
  /** Frames per clip window (consecutive captures). */
  window?: number;
  updates: number;
  /** Capture numbers of the last update's clip frames. */
  captures?: number[];
  top5?: { label: string; probability: number }[];
  probabilities?: number[];
  /** Classifications per second (last few updates), and the last update's stages. */
  fps?: number;
  timings?: Timing[];
  /** tf.memory().numTensors before the first update and after each. */
  tensorsAtStart?: number;
  numTensors: number[];
  exactPixels?: boolean;
  /** The camera's frame size and pixel format, and the size classified (the pipeline's decoding size). */
  camera?: { width: number; height: number; format: string; decodedWidth: number; decodedHeight: number };
  captured?: number;
  skipped?: number;
  /** After stop: the camera tracks' readyState, and pairs still queued or solving on the workers. */
  tracks?: string[];
  workersBusy?: number;
  error?: string;
  /** A camera error's code (CameraError). */
  errorCode?: string;
}
declare global {
  interface Window {
    trajectorynet: PageState;
    /** For scripts and tests: the model stage `runs` times on the last video's clip views (blank views before any video), then one run profiled per kernel. */
    trajectorynetBenchmark(runs: number): Promise<ModelBenchmark>;
  }
}
const state: PageState = { status: 'idle' };
window.trajectorynet = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
let backend: Promise<BrowserBackendInfo> | null = null;
let model: { recognizer: Recognizer; manifest: WebModelManifest } | null = null;
/** The last video's clip views (what `trajectorynetBenchmark` runs the model on). */
let lastViews: ClipViews | null = null;
window.trajectorynetBenchmark = async (runs) => {
  if (model == null) throw new Error('load a model first');
  return benchmarkModel(model.recognizer, lastViews ?? blankViews(model.manifest), runs);
};

function show(id: string, message: string, error = false): void {
  const element = $(id);
  element.textContent = message;
  element.classList.toggle('error', error);
}

function fail(id: string, error: unknown): void {
  const message = error instanceof Error ? `${error.message}` : String(error);
  Object.assign(state, { status: 'error', error: message });
  show(id, message, true);
  console.error(error);
}

/**
 * tfjs flags the page sets on WebGL. WEBGL_PACK false: tfjs's unpacked programs (one value per
 * texel). The model's tensors are small and its trajectory-sampling shaders read unpacked
 * textures, so packing only added conversion programs: 159 programs per run of the test's model
 * packed, 97 unpacked, and each costs a fixed ~0.2 ms on a software rasteriser (see README, Timings).
 */
const WEBGL_FLAGS: Record<string, boolean> = { WEBGL_PACK: false };

/** `?tf-flags=NAME:value,NAME:value`: tfjs flags set after the page's own (experiments, e.g. `WEBGL_PACK:true`). */
function setTfFlags(backendName: string): void {
  if (backendName === 'webgl') for (const [name, value] of Object.entries(WEBGL_FLAGS)) tf.env().set(name, value);
  for (const item of (params.get('tf-flags') ?? '').split(',').filter(Boolean)) {
    const [name, value] = item.split(':');
    tf.env().set(name, value === 'true' ? true : value === 'false' ? false : Number(value));
  }
}

function useBackend(): Promise<BrowserBackendInfo> {
  const prefer = (params.get('backend') ?? 'auto') as BrowserBackendName | 'auto';
  backend ??= initBackend({ prefer, wasmPaths: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded }, log: null });
  return backend;
}

async function loadModel(source: WebModelSource, name: string): Promise<void> {
  Object.assign(state, { status: 'loading-model', error: undefined });
  show('model-status', `loading ${name}...`);
  try {
    await stopCameraMode();
    $<HTMLButtonElement>('camera-toggle').disabled = true;
    const info = await useBackend();
    setTfFlags(info.backend);
    state.backend = info.backend;
    const started = performance.now();
    model?.recognizer.dispose();
    model = null;
    lastViews = null;
    model = await loadWebModel(source);
    const { manifest } = model;
    show('model-status', `${name}: compiling the model's programs (${WARM_UP_RUNS} runs on a blank clip)...`);
    const warmUpMs = await warmUp(model.recognizer, manifest);
    state.model = { labels: manifest.labels.length, variant: manifest.recognizer.variant, trajectories: manifest.trajectories.source, warmUpMs };
    state.status = 'ready';
    $<HTMLButtonElement>('camera-toggle').disabled = false;
    const skipped = info.skipped.map((s) => `${s.candidate.replace('@tensorflow/tfjs-backend-', '')} skipped: ${s.reason}`).join('; ');
    show(
      'model-status',
      `${name}: ${manifest.recognizer.variant} (ResNet-${manifest.recognizer.depth} x${manifest.recognizer.width}), ${manifest.labels.length} classes, ${manifest.recognizer.frames} frames of ${manifest.recognizer.size}px, trajectories: ${manifest.trajectories.source}; loaded in ${(performance.now() - started).toFixed(0)} ms on ${info.backend} (warm-up runs ${warmUpMs.map((ms) => ms.toFixed(0)).join(', ')} ms; trajectory sampling: ${trajectorySamplingPath()})${skipped ? ` (${skipped})` : ''}`,
    );
  } catch (error) {
    fail('model-status', error);
  }
}

async function classify(video: File): Promise<void> {
  if (model == null) {
    show('video-status', 'load a model first', true);
    return;
  }
  if (live != null) {
    show('video-status', 'stop the camera first', true);
    return;
  }
  Object.assign(state, { status: 'running', error: undefined, result: undefined });
  try {
    const { manifest } = model;
    const run = await runVideo(model.recognizer, manifest, video, (m) => show('video-status', `${video.name}: ${m}`));
    lastViews = run.views;
    const best = top5(run.classification.probabilities, manifest.labels);
    const { decoded } = run;
    const frames = { width: decoded.width, height: decoded.height, get: (i: number) => decoded.frames.get(i) as Uint8Array };
    renderClip(
      { ...run, frames },
      manifest,
      `tfjs backend: ${state.backend}; ${run.codec}, ${run.plan.frames.length} frames decoded, clip frames ${run.plan.clips.map((c) => c.join(' ')).join(' | ')}`,
    );
    state.result = { video: video.name, top5: best, probabilities: [...run.classification.probabilities], timings: run.timings, exactPixels: decoded.exact };
    state.status = 'done';
    show('video-status', `${video.name}: ${best[0].label} (${(best[0].probability * 100).toFixed(1)}%)`);
  } catch (error) {
    fail('video-status', error);
  }
}

let live: LiveSession | null = null;
let liveStarting = false;

function showLiveUpdate(update: LiveUpdate, manifest: WebModelManifest): void {
  const captures = update.plan.clips[0].map((i) => update.start + i);
  const best = top5(update.classification.probabilities, manifest.labels);
  const fps = update.fps != null ? `${update.fps.toFixed(2)} classifications/s` : 'first classification';
  renderClip(update, manifest, `tfjs backend: ${state.backend}; camera ${live?.camera.width}x${live?.camera.height} (${update.format}) -> ${update.frames.width}x${update.frames.height}; clip: captures ${captures.join(' ')}`, (i) => `#${update.start + i}`);
  $('live-fps').textContent = `${fps}; update ${update.index}; ${live?.camera.delivered ?? 0} frames captured, ${live?.camera.skipped ?? 0} skipped while converting`;
  show('live-status', `live: ${best[0].label} (${(best[0].probability * 100).toFixed(1)}%)`);
  const s = state.live as LiveState;
  Object.assign(s, {
    status: 'running',
    updates: update.index,
    captures,
    top5: best,
    probabilities: [...update.classification.probabilities],
    fps: update.fps,
    timings: update.timings,
    exactPixels: update.exact,
    camera: { width: live?.camera.width, height: live?.camera.height, format: update.format, decodedWidth: update.frames.width, decodedHeight: update.frames.height },
    captured: live?.camera.delivered,
    skipped: live?.camera.skipped,
  });
  s.numTensors.push(update.numTensors);
}

/** A camera or live-update error: shown under the button and kept in `state.live` (the loaded model stays usable). */
function liveFailed(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  Object.assign(state.live ?? {}, { status: 'error', error: message, errorCode: error instanceof CameraError ? error.code : undefined });
  show('live-status', message, true);
  console.error(error);
}

async function startCameraMode(): Promise<void> {
  if (model == null || live != null || liveStarting) return;
  if (state.status === 'running') {
    show('live-status', 'wait for the video to finish', true);
    return;
  }
  const { recognizer, manifest } = model;
  liveStarting = true;
  state.live = { status: 'starting', updates: 0, numTensors: [], tensorsAtStart: numTensors() };
  show('live-status', 'starting the camera...');
  const video = $<HTMLVideoElement>('camera');
  video.hidden = false;
  try {
    live = await startLive(recognizer, manifest, video, {
      onUpdate: (update) => showLiveUpdate(update, manifest),
      onStatus: (message) => {
        if ((state.live?.updates ?? 0) === 0) show('live-status', message);
      },
      onError: (error) => {
        liveFailed(error);
        void stopCameraMode();
      },
    });
    Object.assign(state.live, { status: 'running', window: live.window });
    $('camera-toggle').textContent = 'Stop camera';
    $('live-fps').textContent = '';
  } catch (error) {
    video.hidden = true;
    liveFailed(error);
  } finally {
    liveStarting = false;
  }
}

async function stopCameraMode(): Promise<void> {
  const session = live;
  if (session == null) return;
  if (state.live?.status !== 'error') (state.live as LiveState).status = 'stopping';
  show('live-status', 'stopping...');
  await session.stop();
  live = null;
  const s = state.live as LiveState;
  Object.assign(s, { tracks: session.camera.stream.getTracks().map((t) => t.readyState), workersBusy: session.pool?.busy ?? 0, captured: session.camera.delivered, skipped: session.camera.skipped });
  if (s.status !== 'error') {
    s.status = 'stopped';
    show('live-status', `camera stopped after ${s.updates} classification${s.updates === 1 ? '' : 's'}`);
  }
  $('camera-toggle').textContent = 'Start camera';
  $<HTMLVideoElement>('camera').hidden = true;
}

/** Files of a dropped folder (or files), keyed by their path inside the folder. */
async function droppedFiles(items: DataTransferItemList): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      files.set(prefix + entry.name, file);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e != null);
  // one folder dropped: paths inside it
  if (entries.length === 1 && entries[0].isDirectory) {
    await walk(entries[0], '');
    return new Map([...files].map(([name, blob]) => [name.slice(entries[0].name.length + 1), blob]));
  }
  for (const entry of entries) await walk(entry, '');
  return files;
}

function dropZone(id: string, onDrop: (event: DragEvent) => void): void {
  const zone = $(id);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onDrop(event);
  });
}

$<HTMLFormElement>('model-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const url = $<HTMLInputElement>('model-url').value.trim();
  if (url) void loadModel(url, url);
});
$<HTMLInputElement>('model-files').addEventListener('change', (event) => {
  const list = [...((event.target as HTMLInputElement).files ?? [])];
  const files = new Map(list.map((f) => [f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name, f as Blob]));
  void loadModel(files, list[0]?.webkitRelativePath.split('/')[0] || 'dropped files');
});
dropZone('model-drop', (event) => {
  if (event.dataTransfer != null) void droppedFiles(event.dataTransfer.items).then((files) => loadModel(files, 'dropped folder'));
});
$<HTMLInputElement>('video-input').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file != null) void classify(file);
});
dropZone('video-drop', (event) => {
  const file = event.dataTransfer?.files[0];
  if (file != null) void classify(file);
});

$('camera-toggle').addEventListener('click', () => void (live != null ? stopCameraMode() : startCameraMode()));

const initial = params.get('model');
if (initial != null) {
  $<HTMLInputElement>('model-url').value = initial;
  void loadModel(initial, initial);
}
