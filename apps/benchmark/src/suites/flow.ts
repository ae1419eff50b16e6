/**
 * TV-L1: pairs/s at 340x256 with one worker and with all workers, and EPE on
 * the FlyingChairs pairs; OpenCV's DualTVL1 on the same pairs in the same run
 * when python3 with cv2 is available (one thread), with the ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { barChart } from '@trajectorynet/training';
import { createFlowPool, endPointError, tvl1 } from '@trajectorynet/tvl1-flow';
import { readFlo, readFrames, readImage, writeFrame } from '@trajectorynet/video-io';
import { dataDir } from '../data.js';
import type { Suite } from '../suite.js';

const PYTHON = '/usr/bin/python3';

function opencvAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import cv2; cv2.optflow.DualTVL1OpticalFlow_create'], { stdio: 'ignore' }).status === 0;
}

const OPENCV_SCRIPT = `
import json, sys, time, cv2, numpy as np
cv2.setNumThreads(1)
def read_flo(p):
    with open(p, 'rb') as f:
        assert np.fromfile(f, np.float32, 1)[0] == 202021.25
        w, h = np.fromfile(f, np.int32, 2)
        return np.fromfile(f, np.float32, 2 * w * h).reshape(h, w, 2)
out = []
for a, b, gt in json.loads(sys.argv[1]):
    i0 = cv2.cvtColor(cv2.imread(a), cv2.COLOR_BGR2GRAY)
    i1 = cv2.cvtColor(cv2.imread(b), cv2.COLOR_BGR2GRAY)
    tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
    t0 = time.time()
    flow = tvl1.calc(i0, i1, None)
    seconds = time.time() - t0
    epe = None
    if gt:
        g = read_flo(gt)
        epe = float(np.mean(np.sqrt(((flow - g) ** 2).sum(-1))))
    out.append({'seconds': seconds, 'epe': epe})
print(json.dumps(out))
`;

export const flowSuite: Suite = {
  name: 'flow',
  description: 'TV-L1 speed at 340x256 (1 worker, all workers) and FlyingChairs EPE, next to OpenCV DualTVL1',
  async run({ quick, outDir, progress }) {
    const data = dataDir();
    const work = path.join(outDir, 'flow-inputs');
    await mkdir(work, { recursive: true });
    const pairCount = quick ? 2 : 8;
    const { width, height, frames } = await readFrames(path.join(data, 'videos/test.mp4'), { indices: Array.from({ length: pairCount + 1 }, (_, i) => i * 4) });
    const frame = (i: number) => ({ data: frames[i], width, height, channels: 3 as const });
    progress(`${pairCount} pairs of ${width}x${height}, one worker`);
    let t0 = performance.now();
    for (let i = 0; i < pairCount; i++) tvl1(frame(i), frame(i + 1));
    const oneWorker = pairCount / ((performance.now() - t0) / 1000);
    const workers = os.availableParallelism();
    progress(`${pairCount} pairs, ${workers} workers`);
    const pool = createFlowPool(workers);
    t0 = performance.now();
    await Promise.all(Array.from({ length: pairCount }, (_, i) => pool.compute(frame(i), frame(i + 1), {})));
    const allWorkers = pairCount / ((performance.now() - t0) / 1000);
    await pool.close();

    const chairs = (quick ? ['0000001'] : ['0000000', '0000001', '0000002']).map((id) => ({
      id,
      a: path.join(data, `flow/flyingchairs/${id}-img0.ppm`),
      b: path.join(data, `flow/flyingchairs/${id}-img1.ppm`),
      gt: path.join(data, `flow/flyingchairs/${id}-gt.flo`),
    }));
    const ours: { id: string; epe: number; seconds: number }[] = [];
    for (const c of chairs) {
      progress(`FlyingChairs ${c.id}`);
      const [a, b, gt] = [await readImage(c.a), await readImage(c.b), await readFlo(c.gt)];
      const start = performance.now();
      const flow = tvl1({ ...a, channels: 3 }, { ...b, channels: 3 });
      ours.push({ id: c.id, seconds: (performance.now() - start) / 1000, epe: endPointError(flow, gt) });
    }

    let opencv: { pairsPerSecond: number; chairs: { epe: number; seconds: number }[] } | null = null;
    if (opencvAvailable()) {
      progress('OpenCV DualTVL1 on the same pairs');
      const pngs: [string, string, string | null][] = [];
      for (let i = 0; i < pairCount; i++) {
        const [p0, p1] = [path.join(work, `pair${i}_0.png`), path.join(work, `pair${i}_1.png`)];
        await writeFrame(p0, { width, height, data: frames[i] });
        await writeFrame(p1, { width, height, data: frames[i + 1] });
        pngs.push([p0, p1, null]);
      }
      // OpenCV reads PPM itself
      const inputs = [...pngs, ...chairs.map((c) => [c.a, c.b, c.gt] as [string, string, string])];
      const script = path.join(work, 'opencv_tvl1.py');
      await writeFile(script, OPENCV_SCRIPT);
      const result = JSON.parse(execFileSync(PYTHON, [script, JSON.stringify(inputs)], { encoding: 'utf8', maxBuffer: 1 << 24 })) as { seconds: number; epe: number | null }[];
      const videoSeconds = result.slice(0, pairCount).reduce((s, r) => s + r.seconds, 0);
      opencv = { pairsPerSecond: pairCount / videoSeconds, chairs: result.slice(pairCount).map((r) => ({ epe: r.epe as number, seconds: r.seconds })) };
    } else progress('python3-opencv not importable: OpenCV columns left empty');

    const speedRows: (string | number)[][] = [
      ['ours, 1 worker', oneWorker, opencv ? oneWorker / opencv.pairsPerSecond : '-'],
      [`ours, ${workers} workers`, allWorkers, opencv ? allWorkers / opencv.pairsPerSecond : '-'],
    ];
    if (opencv) speedRows.push(['OpenCV DualTVL1, 1 thread', opencv.pairsPerSecond, 1]);
    const epeRows = ours.map((o, i) => [o.id, o.epe, o.seconds, opencv?.chairs[i]?.epe ?? '-', opencv?.chairs[i]?.seconds ?? '-']);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    epeRows.push(['mean', mean(ours.map((o) => o.epe)), mean(ours.map((o) => o.seconds)), opencv ? mean(opencv.chairs.map((c) => c.epe)) : '-', opencv ? mean(opencv.chairs.map((c) => c.seconds)) : '-']);
    return {
      tables: [
        { title: `TV-L1 speed, ${width}x${height} frames of test.mp4`, columns: ['implementation', 'pairs/s', 'ratio to OpenCV'], rows: speedRows },
        { title: 'FlyingChairs end-point error (default options vs OpenCV defaults)', columns: ['pair', 'ours EPE', 'ours s', 'OpenCV EPE', 'OpenCV s'], rows: epeRows },
      ],
      charts: {
        'flow-speed.svg': barChart(
          speedRows.map((r) => ({ group: String(r[0]), bars: [{ name: 'pairs/s', value: Number(r[1]) }] })),
          { title: `TV-L1 pairs/s at ${width}x${height}`, yLabel: 'pairs/s' },
        ),
      },
      data: { oneWorker, allWorkers, workers, ours, opencv },
    };
  },
};
