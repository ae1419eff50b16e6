/** Reports for real label sets: confusion charts sized to long class names, row-normalised, with a scale; aligned tables; whole-epoch ticks. */
import { describe, expect, it } from 'vitest';
import { perClassTable, trainingCurvesSvg } from '../src/report/run-report.js';
import { heatmap, lineChart } from '../src/report/svg.js';

// Something-Something V1 class names (labels.csv of the dataset)
const SSV1 = [
  'Pretending to put something onto something',
  'Putting something next to something',
  'Pushing something from left to right',
  'Moving something and something so they collide with each other',
];

/** Helvetica at font-size 10 averages about 5.5 px a character (measured text would be wider for capitals only). */
const textWidth = (s: string) => 5.5 * s.length;

function svgSize(svg: string): { width: number; height: number } {
  const [, width, height] = /<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg) ?? [];
  return { width: Number(width), height: Number(height) };
}

describe('confusion chart', () => {
  const matrix = [
    [3, 1, 0, 0],
    [0, 2, 2, 0],
    [1, 0, 0, 0],
    [0, 0, 30, 10],
  ];
  const svg = heatmap(matrix, SSV1, { title: 'confusion', rowLabel: 'true', columnLabel: 'predicted' });
  const decodeEntities = (s: string) => s.replaceAll('&#39;', "'");

  it('row labels fit left of the matrix, slanted column labels fit below and right of it', () => {
    const { width, height } = svgSize(svg);
    const rows = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end" [^>]*font-size="10">([^<]+)</g)];
    expect(rows.map((m) => decodeEntities(m[2]))).toEqual(SSV1);
    for (const [, x, label] of rows) expect(Number(x) - textWidth(label), label).toBeGreaterThanOrEqual(0);
    const columns = [...svg.matchAll(/translate\(([\d.]+) ([\d.]+)\) rotate\(60\)" [^>]*>([^<]+)</g)];
    expect(columns).toHaveLength(SSV1.length);
    for (const [, x, y, label] of columns) {
      expect(Number(y) + textWidth(label) * Math.sin(Math.PI / 3), label).toBeLessThanOrEqual(height);
      expect(Number(x) + textWidth(label) * Math.cos(Math.PI / 3), label).toBeLessThanOrEqual(width);
    }
  });

  it('colours each cell by its share of the row: rows of 1:1 and 3:1 differ, 30:10 and 3:1 look the same', () => {
    const fills = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="\d+" height="\d+" fill="(rgb\([^)]+\))"/g)].map((m) => m[1]);
    expect(fills).toHaveLength(16);
    const cell = (i: number, j: number) => fills[i * 4 + j];
    expect(cell(3, 2)).toBe(cell(0, 0)); // 30 of 40 and 3 of 4: 75%
    expect(cell(3, 3)).toBe(cell(0, 1)); // 10 of 40 and 1 of 4: 25%
    expect(cell(1, 1)).not.toBe(cell(0, 0));
    expect(cell(2, 0)).toBe('rgb(0,0,255)'); // a row's only prediction: 100%
    expect(cell(2, 1)).toBe('rgb(255,255,255)');
  });

  it('has a colour scale from 0% to 100%', () => {
    expect(svg).toContain('<linearGradient id="row-share"');
    expect(svg).toMatch(/>0%</);
    expect(svg).toMatch(/>100%</);
  });
});

describe('per-class table', () => {
  it('aligns the accuracy column after long class names', () => {
    const lines = perClassTable({ perClass: SSV1.map((label, i) => ({ label, clips: 10 * i + 1, top1: i / 3 })) });
    expect(lines).toHaveLength(SSV1.length + 1);
    const column = lines.slice(1).map((l) => l.indexOf('%'));
    expect(new Set(column).size).toBe(1);
    for (const [i, label] of SSV1.entries()) expect(lines[i + 1]).toContain(label);
  });
});

describe('training curves', () => {
  const history = [1, 2].map((epoch) => ({ epoch, step: epoch * 3, train: { loss: 2 / epoch, loss_cls: 1.5 / epoch, loss_motionnet: 0.5 / epoch, top1: epoch / 4 }, val: { score: 0.5, top1: 0.5, top5: 1, loss: 1.2 }, seconds: 1 }));
  const steps = [1, 2, 3, 4, 5, 6].map((step) => ({
    time: '2026-01-01T00:00:00.000Z', epoch: Math.ceil(step / 3), step, lr: 0.01 * step, loss: 3 / step, losses: { loss_cls: 2 / step, loss_motionnet: 1 / step }, metrics: { top1: 0.5 }, itemsPerSecond: 1, stepSeconds: 1, dataSeconds: 0.1, memory: { rss: 1, tfBytes: 1, tensors: 1 },
  }));
  const svg = trainingCurvesSvg(history, 'joint', { steps, stepsPerEpoch: 3 });

  it('draws per-step losses with their terms, the epochs, and the learning rate', () => {
    for (const name of ['loss (steps)', 'loss_cls (steps)', 'loss_motionnet (steps)', 'train loss (all terms)', 'train loss_cls', 'val cross-entropy', 'learning rate']) expect(svg).toContain(`>${name}<`);
    expect(svg).toContain('joint: learning rate');
  });

  it('labels the epoch axes at whole epochs only', () => {
    const ticks = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle" [^>]*font-size="10">([^<]+)</g)].map((m) => Number(m[1]));
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.every(Number.isInteger), ticks.join(' ')).toBe(true);
  });
});

describe('lineChart', () => {
  it('draws a whisker from y - error to y + error on the axis, widens for a long legend, and can leave 0 out of the y axis', () => {
    const name = 'TrajectoryNet (MotionNet pretrained on the videos, frozen)';
    const svg = lineChart([{ name, points: [{ x: 1, y: 50, error: 2 }, { x: 2, y: 56 }] }], { title: 't', xLabel: 'x', yLabel: 'y', zeroY: false });
    // y axis 48..56 (the whisker's foot to the highest point) on 352 (bottom) .. 36 (top) px
    const [, top, bottom] = /d="M[\d.]+,([\d.]+)H[\d.]+M[\d.]+,[\d.]+V([\d.]+)M/.exec(svg) ?? [];
    const y = (v: number) => 352 - (316 * (v - 48)) / 8;
    expect(Number(top)).toBeCloseTo(y(52), 3);
    expect(Number(bottom)).toBeCloseTo(y(48), 3);
    // the legend's text ends inside the picture
    const { width } = svgSize(svg);
    const legendX = Number(/<text x="([\d.]+)" y="[\d.]+" font-family="[^"]+" font-size="11">TrajectoryNet/.exec(svg)?.[1]);
    expect(legendX + 6.2 * name.length).toBeLessThanOrEqual(width);
    // by default the axis starts at 0
    expect(lineChart([{ name: 'a', points: [{ x: 1, y: 50 }] }], { title: 't', xLabel: 'x', yLabel: 'y' })).toContain('>0</text>');
  });
});
