import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownTable, writeResults } from '../src/report.js';
import { timeIt } from '../src/timing.js';

const machine = { date: 'd', cpu: 'cpu', cores: 2, memoryGiB: 1, platform: 'p', node: 'v20', tfjs: '4.22.0', backend: 'wasm' };

describe('benchmark report', () => {
  it('formats a markdown table, escaping pipes', () => {
    const md = markdownTable({ title: 'T', columns: ['op', 'ms'], rows: [['a|b', 1.23456], ['c', 1234.5]], note: 'n' });
    expect(md).toBe('#### T\n\n| op | ms |\n| --- | --- |\n| a\\|b | 1.23 |\n| c | 1235 |\n\nn');
  });

  it('writes report.md, results.json and the charts; a failed suite is reported, not hidden', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-bench-'));
    await writeResults(
      dir,
      [
        { name: 'ops', description: 'ops suite', seconds: 2, result: { tables: [{ title: 'x', columns: ['a'], rows: [[1]] }], charts: { 'ops.svg': '<svg/>' }, data: { v: 1 } } },
        { name: 'flow', description: 'flow suite', seconds: 1, error: 'boom' },
      ],
      machine,
      'pnpm bench',
    );
    const md = await readFile(path.join(dir, 'report.md'), 'utf8');
    expect(md).toContain('## ops');
    expect(md).toContain('![ops.svg](ops.svg)');
    expect(md).toContain('**Failed:** boom');
    expect(await readFile(path.join(dir, 'ops.svg'), 'utf8')).toBe('<svg/>');
    const json = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8'));
    expect(json.machine.backend).toBe('wasm');
    expect(json.suites[0].data).toEqual({ v: 1 });
    expect(json.suites[1].error).toBe('boom');
  });

  it('timeIt runs at least minRuns times after the warm-up and reports the median', async () => {
    let calls = 0;
    const t = await timeIt(() => {
      calls += 1;
    }, { warmup: 2, minRuns: 5, minSeconds: 0 });
    expect(t.runs).toBe(5);
    expect(calls).toBe(7);
    expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
  });
});
