/** How the trajectory conv's forward+backward time grows with clip length, resolution and channels. */
import { lineChart } from '@trajectorynet/training';
import type { Suite } from '../suite.js';
import { measureOps } from './ops.js';

export const scalingSuite: Suite = {
  name: 'scaling',
  description: 'trajectory vs temporal conv forward+backward time as T, H=W and C grow',
  async run({ quick, progress }) {
    const base = quick ? { n: 1, t: 4, h: 14, c: 16 } : { n: 2, t: 8, h: 28, c: 64 };
    const sweeps: Record<'t' | 'h' | 'c', number[]> = quick ? { t: [2, 4], h: [7, 14], c: [8, 16] } : { t: [4, 8, 16, 32], h: [14, 28, 56], c: [32, 64, 128, 256] };
    const charts: Record<string, string> = {};
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    for (const key of ['t', 'h', 'c'] as const) {
      const series = { trajectory: [] as { x: number; y: number }[], temporal: [] as { x: number; y: number }[] };
      for (const value of sweeps[key]) {
        const shape = { ...base, [key]: value };
        progress(`${key} = ${value}`);
        const m = await measureOps(shape, quick);
        for (const op of ['trajectory', 'temporal'] as const) {
          const r = m.find((x) => x.op === op && x.pass === 'forward+backward');
          if (r == null) continue;
          series[op].push({ x: value, y: r.ms });
          rows.push([key.toUpperCase(), value, op, r.ms]);
        }
        data.push({ shape, measurements: m });
      }
      const label = { t: 'clip length T', h: 'resolution H = W', c: 'channels C' }[key];
      charts[`scaling-${key}.svg`] = lineChart(
        [
          { name: 'trajectory conv', points: series.trajectory },
          { name: 'temporal conv', points: series.temporal },
        ],
        { title: `Forward+backward time vs ${label}`, xLabel: label, yLabel: 'ms', logX: !quick, logY: !quick },
      );
    }
    return { tables: [{ title: `Scaling around N${base.n} T${base.t} ${base.h}x${base.h} C${base.c}`, columns: ['varied', 'value', 'op', 'fwd+bwd ms'], rows }], charts, data };
  },
};
