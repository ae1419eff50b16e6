/**
 * The page: load a model (URL or dropped folder), then classify dropped
 * videos. State for scripts and tests is on `window.trajectorynet`.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { Flow } from '@trajectorynet/core';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type BrowserBackendInfo, type BrowserBackendName, initBackend } from '@trajectorynet/runtime';
import { loadWebModel, type WebModelManifest, type WebModelSource } from '@trajectorynet/training/web';
import { trajectorySamplingPath } from '@trajectorynet/trajectory-conv';
import { flowCanvas, nextTapFlow, trajectoryCanvas } from './draw.js';
import { runVideo, type Timing, type VideoRun, warmUp } from './run.js';

interface PageState {
  status: 'idle' | 'loading-model' | 'ready' | 'running' | 'done' | 'error';
  backend?: string;
  model?: { labels: number; variant: string; trajectories: string; warmUpMs: number };
  result?: { video: string; top5: { label: string; probability: number }[]; probabilities: number[]; timings: Timing[]; exactPixels: boolean };
  error?: string;
}
declare global {
  interface Window {
    trajectorynet: PageState;
  }
}
const state: PageState = { status: 'idle' };
window.trajectorynet = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
let backend: Promise<BrowserBackendInfo> | null = null;
let model: { recognizer: Recognizer; manifest: WebModelManifest } | null = null;

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

function useBackend(): Promise<BrowserBackendInfo> {
  const prefer = (params.get('backend') ?? 'auto') as BrowserBackendName | 'auto';
  backend ??= initBackend({ prefer, wasmPaths: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded }, log: null });
  return backend;
}

async function loadModel(source: WebModelSource, name: string): Promise<void> {
  Object.assign(state, { status: 'loading-model', error: undefined });
  show('model-status', `loading ${name}...`);
  try {
    const info = await useBackend();
    state.backend = info.backend;
    const started = performance.now();
    model?.recognizer.dispose();
    model = null;
    model = await loadWebModel(source);
    const { manifest } = model;
    show('model-status', `${name}: compiling the model's programs (one run on a blank clip)...`);
    const warmUpMs = await warmUp(model.recognizer, manifest);
    state.model = { labels: manifest.labels.length, variant: manifest.recognizer.variant, trajectories: manifest.trajectories.source, warmUpMs };
    state.status = 'ready';
    const skipped = info.skipped.map((s) => `${s.candidate.replace('@tensorflow/tfjs-backend-', '')} skipped: ${s.reason}`).join('; ');
    show(
      'model-status',
      `${name}: ${manifest.recognizer.variant} (ResNet-${manifest.recognizer.depth} x${manifest.recognizer.width}), ${manifest.labels.length} classes, ${manifest.recognizer.frames} frames of ${manifest.recognizer.size}px, trajectories: ${manifest.trajectories.source}; loaded in ${(performance.now() - started).toFixed(0)} ms on ${info.backend} (first run ${warmUpMs.toFixed(0)} ms; trajectory sampling: ${trajectorySamplingPath()})${skipped ? ` (${skipped})` : ''}`,
    );
  } catch (error) {
    fail('model-status', error);
  }
}

/** A table row of text cells (labels come from the model's files: never parsed as HTML); the second cell is a number. */
function tableRow(cells: (string | HTMLElement)[]): HTMLTableRowElement {
  const row = document.createElement('tr');
  for (const [i, content] of cells.entries()) {
    const cell = row.insertCell();
    cell.append(content);
    if (i === 1) cell.className = 'num';
  }
  return row;
}

function renderRun(run: VideoRun, manifest: WebModelManifest): void {
  const probabilities = run.classification.probabilities;
  const order = [...probabilities.keys()].sort((a, b) => probabilities[b] - probabilities[a]).slice(0, 5);
  $('top5').replaceChildren(
    ...order.map((c) => {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${(probabilities[c] * 100).toFixed(1)}%`;
      const row = tableRow([manifest.labels[c], `${(probabilities[c] * 100).toFixed(2)}%`, bar]);
      row.cells[2].style.width = '40%';
      return row;
    }),
  );
  $('backend').textContent = `tfjs backend: ${state.backend}; ${run.codec}, ${run.plan.frames.length} frames decoded, clip frames ${run.plan.clips.map((c) => c.join(' ')).join(' | ')}`;
  const total = run.timings.reduce((a, t) => a + t.milliseconds, 0);
  $('timings').replaceChildren(
    ...[...run.timings, { stage: 'total', milliseconds: total } as Timing].map((t) => tableRow([t.stage, `${t.milliseconds.toFixed(0)} ms`, t.detail ?? ''])),
  );
  const { decoded } = run;
  const scale = Math.max(1, Math.min(3, 260 / decoded.width));
  $('frames').replaceChildren(
    ...run.plan.clips[0].map((frame, t) => {
      const figure = document.createElement('figure');
      figure.append(trajectoryCanvas(manifest, decoded.frames.get(frame) as Uint8Array, decoded.width, decoded.height, run.classification.offsets, t, scale));
      const caption = document.createElement('figcaption');
      caption.textContent = `t = ${t}: frame ${frame}`;
      figure.append(caption);
      return figure;
    }),
  );
  const flowFigure = (flow: Flow, width: number, text: string) => {
    const figure = document.createElement('figure');
    const canvas = flowCanvas(flow);
    canvas.style.width = `${width}px`;
    figure.append(canvas);
    const caption = document.createElement('figcaption');
    caption.textContent = text;
    figure.append(caption);
    return figure;
  };
  // TV-L1: every pair the clip chains through; MotionNet: its flow between clip frames (the trajectories' next taps)
  const { offsets } = run.classification;
  const motionFlows =
    manifest.trajectories.source === 'motionnet' && offsets != null
      ? run.plan.clips[0].map((frame, t) => ({ flow: nextTapFlow(offsets, t), text: `MotionNet, clip frames ${t} -> ${t + 1} (frame ${frame})` })).filter((f): f is { flow: Flow; text: string } => f.flow != null)
      : [];
  $('flows').replaceChildren(
    ...[...run.flows.entries()].sort((a, b) => a[0] - b[0]).map(([j, flow]) => flowFigure(flow, Math.round((flow.width * scale) / 2), `frames ${j} -> ${j + 1}`)),
    ...motionFlows.map(({ flow, text }) => flowFigure(flow, Math.round(flow.width * scale), text)),
  );
  $('results').hidden = false;
}

async function classify(video: File): Promise<void> {
  if (model == null) {
    show('video-status', 'load a model first', true);
    return;
  }
  Object.assign(state, { status: 'running', error: undefined, result: undefined });
  try {
    const run = await runVideo(model.recognizer, model.manifest, video, (m) => show('video-status', `${video.name}: ${m}`));
    const { labels } = model.manifest;
    const p = run.classification.probabilities;
    const order = [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 5);
    renderRun(run, model.manifest);
    state.result = { video: video.name, top5: order.map((c) => ({ label: labels[c], probability: p[c] })), probabilities: [...p], timings: run.timings, exactPixels: run.decoded.exact };
    state.status = 'done';
    show('video-status', `${video.name}: ${labels[order[0]]} (${(p[order[0]] * 100).toFixed(1)}%)`);
  } catch (error) {
    fail('video-status', error);
  }
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

const initial = params.get('model');
if (initial != null) {
  $<HTMLInputElement>('model-url').value = initial;
  void loadModel(initial, initial);
}
