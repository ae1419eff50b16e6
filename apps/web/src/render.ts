/** The results panel of a classified clip (a video's or the live camera's): top-5, timings, frames with trajectories, flows. */
import type { Flow } from '@trajectorynet/core';
import type { Classification, FramePlan, WebModelManifest } from '@trajectorynet/training/web';
import { flowCanvas, nextTapFlow, trajectoryCanvas } from './draw.js';
import type { FrameSource, Timing } from './run.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the panel shows of a clip: the plan's frame numbers are `frames`' (a video's frames, or a live window's). */
export interface ClipResult {
  plan: FramePlan;
  frames: FrameSource;
  flows: Map<number, Flow>;
  classification: Classification;
  timings: Timing[];
}

/** The five most probable classes, best first. */
export function top5(probabilities: Float32Array, labels: string[]): { label: string; probability: number }[] {
  const order = [...probabilities.keys()].sort((a, b) => probabilities[b] - probabilities[a]).slice(0, 5);
  return order.map((c) => ({ label: labels[c], probability: probabilities[c] }));
}

/** A table row of text cells (labels come from the model's files: never parsed as HTML); the second cell is a number. */
export function tableRow(cells: (string | HTMLElement)[]): HTMLTableRowElement {
  const row = document.createElement('tr');
  for (const [i, content] of cells.entries()) {
    const cell = row.insertCell();
    cell.append(content);
    if (i === 1) cell.className = 'num';
  }
  return row;
}

/**
 * Fills the results panel. `info` is the line under the top-5; `frameName(i)`
 * names clip frame i in captions (a video's frame number, a camera capture's).
 */
export function renderClip(run: ClipResult, manifest: WebModelManifest, info: string, frameName: (i: number) => string = String): void {
  $('top5').replaceChildren(
    ...top5(run.classification.probabilities, manifest.labels).map(({ label, probability }) => {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${(probability * 100).toFixed(1)}%`;
      const row = tableRow([label, `${(probability * 100).toFixed(2)}%`, bar]);
      row.cells[2].style.width = '40%';
      return row;
    }),
  );
  $('backend').textContent = info;
  const total = run.timings.reduce((a, t) => a + t.milliseconds, 0);
  $('timings').replaceChildren(
    ...[...run.timings, { stage: 'total', milliseconds: total } as Timing].map((t) => tableRow([t.stage, `${t.milliseconds.toFixed(0)} ms`, t.detail ?? ''])),
  );
  const { frames } = run;
  const scale = Math.max(1, Math.min(3, 260 / frames.width));
  $('frames').replaceChildren(
    ...run.plan.clips[0].map((frame, t) => {
      const figure = document.createElement('figure');
      figure.append(trajectoryCanvas(manifest, frames.get(frame), frames.width, frames.height, run.classification.offsets, t, scale));
      const caption = document.createElement('figcaption');
      caption.textContent = `t = ${t}: frame ${frameName(frame)}`;
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
      ? run.plan.clips[0]
          .map((frame, t) => ({ flow: nextTapFlow(offsets, t), text: `MotionNet, clip frames ${t} -> ${t + 1} (frame ${frameName(frame)})` }))
          .filter((f): f is { flow: Flow; text: string } => f.flow != null)
      : [];
  $('flows').replaceChildren(
    ...run.plan.pairs.filter((j) => run.flows.has(j)).map((j) => flowFigure(run.flows.get(j) as Flow, Math.round((frames.width * scale) / 2), `frames ${frameName(j)} -> ${frameName(j + 1)}`)),
    ...motionFlows.map(({ flow, text }) => flowFigure(flow, Math.round(flow.width * scale), text)),
  );
  $('results').hidden = false;
}
