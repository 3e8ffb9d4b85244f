import fc from 'fast-check';
import { dcgAtK, hitRateAtK, meanOverLists, ndcgAtK, rankOrder, reciprocalRank, softmax } from './list-metrics';

describe('list metrics', () => {
  it('computes DCG with exponential gain and log2 discount', () => {
    expect(dcgAtK([1, 0, 1], 3)).toBeCloseTo(1 + 1 / Math.log2(4));
    expect(dcgAtK([2], 1)).toBe(3);
    expect(dcgAtK([1, 1], 1)).toBe(1);
  });

  it('gives NDCG 1 for the ideal order, less for others, 0 with nothing relevant', () => {
    expect(ndcgAtK([3, 2, 0], 10)).toBe(1);
    expect(ndcgAtK([0, 0, 1], 10)).toBeCloseTo(0.5);
    expect(ndcgAtK([0, 1], 1)).toBe(0);
    expect(ndcgAtK([0, 0], 5)).toBe(0);
    expect(ndcgAtK([], 5)).toBe(0);
  });

  it('keeps NDCG in [0, 1] and at 1 for any list sorted by relevance', () => {
    const relevances = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 });
    fc.assert(
      fc.property(relevances, fc.integer({ min: 1, max: 20 }), (rels, k) => {
        const ndcg = ndcgAtK(rels, k);
        const ideal = ndcgAtK([...rels].sort((a, b) => b - a), k);
        return ndcg >= 0 && ndcg <= 1 + 1e-12 && (rels.some((r) => r > 0) ? Math.abs(ideal - 1) < 1e-12 : ideal === 0);
      }),
    );
  });

  it('computes hit rate and reciprocal rank', () => {
    expect(hitRateAtK([0, 0, 1], 2)).toBe(0);
    expect(hitRateAtK([0, 0, 1], 3)).toBe(1);
    expect(reciprocalRank([0, 0, 1])).toBeCloseTo(1 / 3);
    expect(reciprocalRank([0, 0])).toBe(0);
  });

  it('averages over lists with something relevant only', () => {
    expect(meanOverLists([[1], [0, 1], [0, 0]], reciprocalRank)).toBeCloseTo(0.75);
    expect(meanOverLists([[0]], reciprocalRank)).toBe(0);
  });

  it('rejects a non-positive or fractional k', () => {
    expect(() => ndcgAtK([1], 0)).toThrow(RangeError);
    expect(() => hitRateAtK([1], 1.5)).toThrow(RangeError);
  });
});

describe('softmax', () => {
  it('is exp(s) / Σ exp(s)', () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25);
    expect(p[1]).toBeCloseTo(0.75);
    expect(softmax([])).toEqual([]);
    expect(softmax([5])).toEqual([1]);
  });

  it('does not overflow for huge scores and sums to 1', () => {
    const p = softmax([1000, 1001, -1000]);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p[1]! / p[0]!).toBeCloseTo(Math.E);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (scores, t) => {
        const probabilities = softmax(scores, t);
        const sum = probabilities.reduce((s, x) => s + x, 0);
        return Math.abs(sum - 1) < 1e-9 && probabilities.every((x) => x >= 0 && x <= 1);
      }),
    );
  });

  it('keeps the order of the scores and is invariant to a shift', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 20 }), fc.double({ min: -100, max: 100, noNaN: true }), (scores, shift) => {
        const a = softmax(scores);
        const b = softmax(scores.map((s) => s + shift));
        return a.every((x, i) => Math.abs(x - b[i]!) < 1e-9) && scores.every((s, i) => scores.every((r, j) => !(s > r) || a[i]! >= a[j]!));
      }),
    );
  });

  it('flattens with a higher temperature', () => {
    expect(softmax([0, 1], 10)[1]!).toBeLessThan(softmax([0, 1], 1)[1]!);
    expect(() => softmax([1], 0)).toThrow(RangeError);
    expect(() => softmax([Number.NaN])).toThrow(RangeError);
  });

  it('ranks by score, ties in input order', () => {
    expect(rankOrder([0.1, 0.5, 0.1, 0.9])).toEqual([3, 1, 0, 2]);
  });
});
