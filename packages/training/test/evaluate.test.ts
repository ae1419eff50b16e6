import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import { trainingCurvesSvg, writeEvaluation } from '../src/report/run-report.js';
import type { Recognizer } from '@trajectorynet/recognizer';
import type { ClipBatch } from '../src/data/batches.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

/** A "model" whose logits are the clip's values: clips [N, 1, 1, 1, C]. */
const identity = {
  weights: [],
  trainableVariables: () => [],
  forward: (input: { clips: tf.Tensor5D }) => ({ logits: tf.reshape(input.clips, [input.clips.shape[0], -1]) as tf.Tensor2D }),
  dispose: () => {},
} as unknown as Recognizer;

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('evaluate', () => {
  it('averages the softmax of the views of each video, then scores videos', async () => {
    // video 0 (class 0): views favour class 1 strongly once and class 0 mildly twice
    // video 1 (class 2): one view
    const views = [
      { video: 0, label: 0, logits: [0, 3, 0] },
      { video: 0, label: 0, logits: [1.2, 0, 0] },
      { video: 0, label: 0, logits: [1.2, 0, 0] },
      { video: 1, label: 2, logits: [0, 0, 2] },
    ];
    // as the loader gives them: video 0's three views in one item, video 1's one view in another batch
    async function* batches(): AsyncIterable<ClipBatch> {
      yield { clips: Float32Array.from(views.slice(0, 3).flatMap((v) => v.logits)), shape: [1, 3, 1, 1, 1], labels: Int32Array.of(0), sampleIndex: Int32Array.of(0) };
      yield { clips: Float32Array.from(views[3].logits), shape: [1, 1, 1, 1, 1], labels: Int32Array.of(2), sampleIndex: Int32Array.of(1) };
    }
    const report = await evaluate(identity, batches(), ['a', 'b', 'c']);
    const mean = [0, 1, 2].map((c) => views.slice(0, 3).reduce((acc, v) => acc + softmax(v.logits)[c], 0) / 3);
    const expectedTop = mean.indexOf(Math.max(...mean));
    expect(report.clips).toBe(2);
    expect(report.views).toBe(4);
    expect(report.confusion[0][expectedTop]).toBe(1);
    expect(report.top1).toBeCloseTo((expectedTop === 0 ? 2 : 1) / 2, 12);
    const ce = views.map((v) => -Math.log(softmax(v.logits)[v.label]));
    expect(report.loss).toBeCloseTo(ce.reduce((a, b) => a + b, 0) / 4, 5);
  });

  it('writes eval.json, confusion.csv and an SVG confusion matrix', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-eval-'));
    const report = {
      clips: 3, views: 3, loss: 0.5, clipsPerSecond: 10, top1: 2 / 3, top5: 1, meanClassAccuracy: 0.75,
      confusion: [[1, 1], [0, 1]], perClass: [{ label: 'left', clips: 2, top1: 0.5 }, { label: 'right', clips: 1, top1: 1 }],
    };
    await writeEvaluation(dir, report, ['left', 'right'], { checkpoint: 'x.ckpt' });
    const json = JSON.parse(await readFile(path.join(dir, 'eval.json'), 'utf8'));
    expect(json.checkpoint).toBe('x.ckpt');
    expect(json.top1).toBeCloseTo(2 / 3);
    expect(await readFile(path.join(dir, 'confusion.csv'), 'utf8')).toBe('true \\ predicted,left,right\nleft,1,1\nright,0,1\n');
    const svg = await readFile(path.join(dir, 'confusion.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect [^>]*fill="rgb/g)?.length).toBe(4);
  });

  it('draws training curves with one point per epoch', () => {
    const history = [1, 2, 3].map((epoch) => ({ epoch, step: epoch * 10, train: { loss: 2 / epoch, top1: epoch / 4 }, val: { score: epoch / 5, top1: epoch / 5, top5: 0.9, meanClassAccuracy: 0.5, loss: 2.5 / epoch }, seconds: 1 }));
    const svg = trainingCurvesSvg(history, 'demo');
    expect(svg.match(/<path d="M/g)?.length).toBe(5);
    expect(svg.match(/<circle /g)?.length).toBe(15);
    expect(svg).toContain('demo: accuracy');
  });
});

describe('line chart axes', () => {
  it('log axes label 1, 2 and 5 times powers of ten only', async () => {
    const { lineChart } = await import('../src/report/svg.js');
    const svg = lineChart([{ name: 'a', points: [{ x: 4, y: 40 }, { x: 256, y: 3600 }] }], { title: 't', xLabel: 'x', yLabel: 'y', logX: true, logY: true });
    const labels = [...svg.matchAll(/font-size="10">([^<]+)</g)].map((m) => m[1]);
    expect(labels).toContain('100');
    expect(labels).toContain('200');
    expect(labels).not.toContain('300');
    expect(labels).not.toContain('70');
  });
});
