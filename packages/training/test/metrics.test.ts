import { describe, expect, it } from 'vitest';
import { confusionCsv, MetricsAccumulator, topK } from '../src/eval/metrics.js';

describe('metrics', () => {
  it('topK orders by score, ties to the lower index', () => {
    expect(topK([0.1, 0.5, 0.5, 0.2], 3)).toEqual([1, 2, 3]);
    expect(topK([1, 2], 5)).toEqual([1, 0]);
  });

  it('top-1, top-5, mean class accuracy and the confusion matrix, against hand counts', () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const m = new MetricsAccumulator(labels);
    const oneHot = (i: number, second?: number) => labels.map((_, j) => (j === i ? 1 : j === second ? 0.5 : 0));
    m.add(oneHot(0), 0); // a right
    m.add(oneHot(0), 0); // a right
    m.add(oneHot(1), 0); // a predicted b
    m.add(oneHot(2, 1), 1); // b predicted c, b second: top-5 hit
    m.add([0.6, 0.5, 0.4, 0.3, 0.2, 0.1], 5); // f ranked last: top-5 miss
    const r = m.report();
    expect(r.clips).toBe(5);
    expect(r.top1).toBeCloseTo(2 / 5, 12);
    expect(r.top5).toBeCloseTo(4 / 5, 12);
    // classes present: a (2/3), b (0), f (0)
    expect(r.meanClassAccuracy).toBeCloseTo((2 / 3 + 0 + 0) / 3, 12);
    expect(r.confusion[0]).toEqual([2, 1, 0, 0, 0, 0]);
    expect(r.confusion[1]).toEqual([0, 0, 1, 0, 0, 0]);
    expect(r.confusion[5]).toEqual([1, 0, 0, 0, 0, 0]);
    const csv = confusionCsv(r, labels).trim().split('\n');
    expect(csv[0]).toBe('true \\ predicted,a,b,c,d,e,f');
    expect(csv[1]).toBe('a,2,1,0,0,0,0');
  });

  it('rejects a score row of the wrong length', () => {
    expect(() => new MetricsAccumulator(['a', 'b']).add([1, 2, 3], 0)).toThrow(/expected 2 scores/);
  });
});
