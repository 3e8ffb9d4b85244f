import { combinePopularity, engagementWeight, popularityDays, popularityExpireAt, POPULARITY_DAYS } from './popularity';

describe('popularity', () => {
  it('weighs engagement, not impressions', () => {
    expect(engagementWeight({ clicks: 1, carts: 1, purchases: 1 })).toBe(7);
    expect(engagementWeight({ clicks: 0, carts: 0, purchases: 0 })).toBe(0);
  });

  it('reads the last days, today first, halving every half-life', () => {
    const days = popularityDays(100);
    expect(days).toHaveLength(POPULARITY_DAYS);
    expect(days[0]).toEqual({ day: 100, weight: 1 });
    expect(days[3]!.day).toBe(97);
    expect(days[3]!.weight).toBeCloseTo(0.5);
    expect(popularityExpireAt(100)).toBe((101 + POPULARITY_DAYS) * 86_400);
  });

  it('adds up the days by weight, best first, ties by id, bounded', () => {
    const today = [
      { itemId: 'b', score: 2 },
      { itemId: 'a', score: 2 },
    ];
    const yesterday = [{ itemId: 'c', score: 8 }];
    expect(combinePopularity([today, yesterday], [1, 0.5], 10)).toEqual([
      { itemId: 'c', score: 4 },
      { itemId: 'a', score: 2 },
      { itemId: 'b', score: 2 },
    ]);
    expect(combinePopularity([today, yesterday], [1, 0.5], 1)).toEqual([{ itemId: 'c', score: 4 }]);
  });
});
