/** `eval` on a checkpoint: its own report folder (never over training's), the checkpoint's epoch, per-video scores. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCheckpoint, resolveConfig, runTraining } from '../src/index.js';

const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];

describe('evaluateCheckpoint', { timeout: 300_000 }, () => {
  it("writes eval-<checkpoint>-<split>-<clips>x<crops>/ with the checkpoint's epoch, leaves training's report alone, dumps per-video scores", async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-evalck-'));
    await runTraining(await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...SMALL, 'train.epochs=2'] }), { outDir: out, quiet: true, log: () => {} });
    const trainingReport = await readFile(path.join(out, 'eval.json'), 'utf8');
    const dump = path.join(out, 'scores.json');
    const report = await evaluateCheckpoint(path.join(out, 'latest.ckpt'), { outDir: 'auto', overrides: [{ eval: { clips: 2 } }], dump, quiet: true });
    const folder = path.join(out, 'eval-latest-val-2x1');
    expect(report.outDir).toBe(folder);
    expect(report.epoch).toBe(2);
    expect(report.views).toBe(16); // 8 videos x 2 clips
    const written = JSON.parse(await readFile(path.join(folder, 'eval.json'), 'utf8'));
    expect([written.epoch, written.split, written.views_per_video, written.clips]).toEqual([2, 'val', '2x1', 8]);
    expect(JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')).eval.clips).toBe(2);
    expect(await readFile(path.join(folder, 'run.log'), 'utf8')).toMatch(/evaluating .*latest\.ckpt \(epoch 2, step 4\) on val: 2 clips x 1 crops per video/);
    expect(existsSync(path.join(folder, 'confusion.svg'))).toBe(true);
    expect(await readFile(path.join(out, 'eval.json'), 'utf8')).toBe(trainingReport);

    const scores = JSON.parse(await readFile(dump, 'utf8'));
    expect(scores.labels).toHaveLength(8);
    expect(scores.videos).toHaveLength(8);
    expect(new Set(scores.videos.map((v: { id: string }) => v.id)).size).toBe(8);
    for (const v of scores.videos) {
      expect(v.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
      expect(v.predicted[0]).toBe(v.probabilities.indexOf(Math.max(...v.probabilities)));
    }
    // the top-1 of the dump is the report's
    const hits = scores.videos.filter((v: { predicted: number[]; label: number }) => v.predicted[0] === v.label).length;
    expect(hits / 8).toBeCloseTo(report.top1, 10);

    const refused = await evaluateCheckpoint(path.join(out, 'latest.ckpt'), { outDir: out, quiet: true }).catch((e) => e);
    expect(refused.code).toBe('BAD_INPUT');
    expect(refused.message).toContain('holds a training run');
  });
});
