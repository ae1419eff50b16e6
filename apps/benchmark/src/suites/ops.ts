/** Trajectory conv vs the plain temporal conv, forward and forward+backward, on each engine (wasm, wasm + libtorch), measured side by side. */
import * as tf from '@tensorflow/tfjs';
import { temporalConv, trajectoryConv } from '@trajectorynet/trajectory-conv';
import { barChart } from '@trajectorynet/training';
import { restoreEngine, speedEngines, useEngine } from '../engines.js';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

interface Shape {
  n: number;
  t: number;
  h: number;
  c: number;
}

export interface OpMeasurement {
  op: 'trajectory' | 'temporal';
  pass: 'forward' | 'forward+backward';
  ms: number;
  gflops: number;
  leakedTensors: number;
}

/** Times one op at one shape; GFLOP/s counts 2 x the K x Cin x Cout MACs per output position (x3 with backward). */
export async function measureOps(s: Shape, quick: boolean): Promise<OpMeasurement[]> {
  const k = 3;
  const x = tf.randomNormal([s.n, s.t, s.h, s.h, s.c]);
  const offsets = tf.randomUniform([s.n, s.t, s.h, s.h, k, 2], -3, 3);
  const kernel = tf.randomNormal([k, s.c, s.c], 0, 0.05);
  const macs = s.n * s.t * s.h * s.h * k * s.c * s.c;
  const ops = {
    trajectory: (a: tf.Tensor, w: tf.Tensor) => trajectoryConv(a, offsets, w),
    temporal: (a: tf.Tensor, w: tf.Tensor) => temporalConv(a, w),
  };
  const out: OpMeasurement[] = [];
  for (const pass of ['forward', 'forward+backward'] as const) {
    for (const op of ['trajectory', 'temporal'] as const) {
      const run = () => {
        tf.tidy(() => {
          if (pass === 'forward') ops[op](x, kernel).dataSync();
          else tf.grads((a, w) => tf.sum(ops[op](a, w)))([x, kernel])[1].dataSync();
        });
      };
      run();
      const before = tf.memory().numTensors;
      const timing = await timeIt(run, { warmup: 0, minRuns: quick ? 1 : 3, minSeconds: quick ? 0 : 1 });
      const flops = 2 * macs * (pass === 'forward' ? 1 : 3);
      out.push({ op, pass, ms: timing.medianMs, gflops: flops / (timing.medianMs * 1e6), leakedTensors: tf.memory().numTensors - before });
    }
  }
  tf.dispose([x, offsets, kernel]);
  return out;
}

export const opsSuite: Suite = {
  name: 'ops',
  description: 'trajectory conv vs temporal 3x1x1 conv (K=3), forward and forward+backward',
  async run({ quick, progress }) {
    const shapes: Shape[] = quick
      ? [{ n: 1, t: 4, h: 14, c: 32 }]
      : [
          { n: 4, t: 8, h: 56, c: 64 },
          { n: 4, t: 8, h: 28, c: 128 },
          { n: 4, t: 8, h: 14, c: 256 },
        ];
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    const groups = [];
    const { engines, note } = await speedEngines({ twoThreads: false, plain: true });
    progress(`engines: ${engines.map((e) => e.label).join(', ')} (${note})`);
    for (const s of shapes) {
      const label = `N${s.n} T${s.t} ${s.h}x${s.h} C${s.c}`;
      for (const engine of engines) {
        await useEngine(engine);
        progress(`${label} on ${engine.label}`);
        const m = await measureOps(s, quick);
        data.push({ engine: engine.label, shape: s, measurements: m });
        for (const pass of ['forward', 'forward+backward'] as const) {
          const traj = m.find((r) => r.op === 'trajectory' && r.pass === pass) as OpMeasurement;
          const temp = m.find((r) => r.op === 'temporal' && r.pass === pass) as OpMeasurement;
          rows.push([engine.label, label, pass, traj.ms, temp.ms, traj.ms / temp.ms, traj.gflops, temp.gflops, traj.leakedTensors + temp.leakedTensors]);
        }
        groups.push({ group: `${label} ${engine.label}`, bars: m.map((r) => ({ name: `${r.op} ${r.pass}`, value: r.ms })) });
      }
    }
    await restoreEngine();
    return {
      tables: [
        {
          title: 'Trajectory conv vs temporal conv',
          columns: ['engine', 'shape', 'pass', 'trajectory ms', 'temporal ms', 'ratio', 'trajectory GFLOP/s', 'temporal GFLOP/s', 'leaked tensors'],
          rows,
          note: 'Median of repeated runs in one process; ratio = trajectory / temporal time. GFLOP/s counts the conv arithmetic only (bilinear sampling is extra work for the trajectory op).',
        },
      ],
      charts: { 'ops.svg': barChart(groups, { title: 'Trajectory vs temporal conv (ms, lower is better)', yLabel: 'ms' }) },
      data,
    };
  },
};
