/**
 * DataParallel.reduceStep in real processes under tfjs's wasm backend: the
 * in-place path (the flat buffer reduced on the wasm heap) and the copying
 * path give the sums computed here independently, also when the wasm memory
 * grows while Gloo holds the buffer, and agree to skip a step with a NaN.
 */
import { describe, expect, it } from 'vitest';
import { distributedAvailability } from '../src/index.js';
import { runRanks } from './harness.js';

const availability = distributedAvailability();

// the fixture's tensors (step-rank.mjs), computed here independently of the package
const SHAPES = [[3, 5], [20000], [7], [130, 130], [0], [2, 3, 4]];
const BUFFER_SHAPES = [[4], [17000]];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const valuesOf = (rank: number, tensor: number, n: number) => Array.from({ length: n }, (_, i) => ((i * 7 + rank * 13 + tensor * 29) % 101) - 50);
function sumOver(world: number, tensor: number, n: number): number[] {
  const perRank = Array.from({ length: world }, (_, r) => valuesOf(r, tensor, n));
  return Array.from({ length: n }, (_, i) => perRank.reduce((a, values) => a + values[i], 0));
}

interface StepOutput {
  inPlace: boolean;
  nonFiniteRanks: number;
  grew: boolean;
  leaked: number;
  grads: { shape: number[]; values: number[] }[] | null;
  buffers: number[][];
}

function expectReduced(out: StepOutput, world: number): void {
  expect(out.nonFiniteRanks).toBe(0);
  expect(out.leaked).toBe(0);
  expect(out.grads?.map((g) => g.shape)).toEqual(SHAPES);
  SHAPES.forEach((shape, t) => {
    expect(out.grads?.[t].values).toEqual(sumOver(world, t, size(shape)).map((v) => v * 0.25));
  });
  BUFFER_SHAPES.forEach((shape, t) => {
    expect(out.buffers[t]).toEqual(sumOver(world, 100 + t, size(shape)).map((v) => v / world));
  });
}

describe.skipIf(!availability.ok)('DataParallel.reduceStep under the wasm backend', () => {
  for (const path of ['in-place', 'copy']) {
    it(`${path}: gradients summed and scaled, statistics averaged, over 2 ranks`, async () => {
      const results = await runRanks('fixtures/step-rank.mjs', [path, 'exact'], 2);
      for (const r of results) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout) as StepOutput;
        expect(out.inPlace).toBe(path === 'in-place');
        expectReduced(out, 2);
      }
    });
  }

  it('in place: the wasm memory growing while Gloo holds the buffer changes nothing', async () => {
    const results = await runRanks('fixtures/step-rank.mjs', ['in-place', 'grow'], 2);
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expectReduced(JSON.parse(r.stdout) as StepOutput, 2);
    }
    // the growth happened while the collective was in flight on rank 0 (rank 1 joined 700 ms late)
    expect((JSON.parse(results[0].stdout) as StepOutput).grew).toBe(true);
  });

  it('in place: a NaN on one rank makes both skip, with the statistics left alone', async () => {
    const results = await runRanks('fixtures/step-rank.mjs', ['in-place', 'nan'], 2);
    for (const r of results) {
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as StepOutput;
      expect(out.grads).toBeNull();
      expect(out.nonFiniteRanks).toBe(1);
      expect(out.leaked).toBe(0);
      expect(out.buffers[0]).toEqual(valuesOf(r.rank, 100, 4));
    }
  });
});
