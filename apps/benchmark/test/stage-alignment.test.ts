import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignmentTable, stageAlignment } from '../src/suites/stage-alignment.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('trajectory alignment at the feature maps', () => {
  it('zero offsets score exactly 1; the true motion aligns the trackable regime well at res3, and a 4 px error undoes part of it', { timeout: 300_000 }, async () => {
    const rows = await stageAlignment('trackable', 1);
    const by = Object.fromEntries(rows.map((r) => [r.source, r.ratio]));
    expect(Object.keys(by)).toEqual(['zero (S3D)', 'true motion', 'true motion + 1 px error', 'true motion + 2 px error', 'true motion + 4 px error', 'TV-L1']);
    // warping by zero reads the next frame unmoved: the ratio's denominator itself
    expect(by['zero (S3D)']).toEqual({ res3: 1, res4: 1 });
    expect(by['true motion'].res3).toBeLessThan(0.8);
    expect(by['true motion'].res4).toBeLessThan(1);
    expect(by['true motion + 4 px error'].res3).toBeGreaterThan(by['true motion'].res3);
    expect(by['TV-L1'].res3).toBeLessThan(0.8);
    expect(alignmentTable(rows, 'trackable', 8).rows[0]).toEqual(['zero (S3D)', '1.000', '1.000']);
  });
});
