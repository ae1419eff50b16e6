/** `pnpm bench --quick` end to end: every suite runs and leaves its tables and charts (timings are not checked). */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

describe('bench --quick', () => {
  // every suite's quick form takes 1-4 min on a busy 2-core machine
  it('runs every suite and writes report.md, results.json and the SVG charts', { timeout: 600_000 }, async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tjn-bench-'));
    execFileSync(process.execPath, [CLI, '--quick', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 540_000 });
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8'));
    expect(results.suites.map((s: { name: string }) => s.name)).toEqual(['video', 'ops', 'flow', 'motionnet', 'model', 'distributed', 'distributed-allreduce', 'scaling', 'accuracy']);
    for (const suite of results.suites) {
      expect(suite.error, suite.name).toBeUndefined();
      expect(suite.tables.length, suite.name).toBeGreaterThan(0);
    }
    const files = await readdir(out);
    for (const chart of ['video-decode.svg', 'ops.svg', 'flow-speed.svg', 'motionnet-speed.svg', 'motionnet-epe.svg', 'model-throughput.svg', 'distributed-throughput.svg', 'distributed-step.svg', 'distributed-allreduce-phases.svg', 'scaling-t.svg', 'accuracy.svg', 'accuracy-quality.svg', 'accuracy-alignment.svg']) expect(files).toContain(chart);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('## accuracy');
    expect(report).not.toContain('**Failed:**');
  });
});
