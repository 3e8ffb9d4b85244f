import { leaveLastOut, PopularityBaseline, topKMetrics } from './amazon-interactions';

describe('leave-last-out protocol', () => {
  const sequences = [
    { userId: '0', items: ['a', 'b', 'c', 'd'] },
    { userId: '1', items: ['x', 'y'] },
  ];

  it('holds out the last item for test and the second-to-last for validation', () => {
    expect(leaveLastOut(sequences, 'test')).toEqual([
      { userId: '0', history: ['a', 'b', 'c'], target: 'd' },
      { userId: '1', history: ['x'], target: 'y' },
    ]);
    // Too short for validation: the user is skipped rather than left without history.
    expect(leaveLastOut(sequences, 'validation')).toEqual([{ userId: '0', history: ['a', 'b'], target: 'c' }]);
  });
});

describe('top-k metrics', () => {
  it('counts hits, discounts by log2(rank + 2) and averages over every user', () => {
    const m = topKMetrics(
      [
        { ranked: ['t', 'a'], target: 't' }, // rank 0
        { ranked: ['a', 'b', 't'], target: 't' }, // rank 2
        { ranked: ['a'], target: 't' }, // miss
      ],
      [1, 3],
    );
    expect(m.users).toBe(3);
    expect(m.hr[1]).toBeCloseTo(1 / 3);
    expect(m.hr[3]).toBeCloseTo(2 / 3);
    expect(m.ndcg[3]).toBeCloseTo((1 + 1 / Math.log2(4)) / 3);
    expect(m.mrr).toBeCloseTo((1 + 1 / 3) / 3);
  });

  it('is zero without users', () => {
    expect(topKMetrics([], [10]).hr[10]).toBe(0);
  });
});

describe('popularity baseline', () => {
  it('recommends the most frequent items the user has not had', () => {
    const baseline = new PopularityBaseline([['a', 'b'], ['a', 'c'], ['a', 'b']]);
    expect(baseline.recommend([], 2)).toEqual(['a', 'b']);
    expect(baseline.recommend(['a'], 5)).toEqual(['b', 'c']);
  });
});
