import { isOfType, matchQuality, orderByMatch, productTypeOf, type MatchQuality } from './product-type';

describe('productTypeOf', () => {
  it('is the predicted category when the model is confident of it', () => {
    expect(productTypeOf([{ path: 'Shoes/Running Shoes', probability: 0.95 }, { path: 'Shoes/Sneakers', probability: 0.05 }])).toEqual(['Shoes', 'Running Shoes']);
    expect(productTypeOf([{ path: 'Shoes/Running Shoes', probability: 0.74 }, { path: 'Shoes/Sneakers', probability: 0.26 }])).toEqual(['Shoes']);
    expect(productTypeOf([{ path: 'Toys/Printers', probability: 0.74 }, { path: 'Office/Filament', probability: 0.26 }])).toBeUndefined();
  });

  it('is the deepest category holding enough probability with what lies under it', () => {
    // No leaf reaches 0.9, their parent does.
    expect(productTypeOf([{ path: 'Shoes/Running Shoes', probability: 0.5 }, { path: 'Shoes/Sneakers', probability: 0.3 }, { path: 'Shoes/Boots', probability: 0.15 }, { path: 'Clothing/Jackets', probability: 0.05 }])).toEqual(['Shoes']);
  });

  it('is nothing when the probability is spread over unrelated categories, or there is no prediction', () => {
    expect(productTypeOf([{ path: 'Toys/Lego', probability: 0.4 }, { path: 'Food/Coffee', probability: 0.35 }, { path: 'Shoes/Boots', probability: 0.25 }])).toBeUndefined();
    expect(productTypeOf([])).toBeUndefined();
    expect(productTypeOf(undefined)).toBeUndefined();
  });
});

describe('matchQuality', () => {
  const type = ['Shoes', 'Running Shoes'];

  it('places a product of the type (or under it) by whether it failed a filter from the query', () => {
    expect(matchQuality(type, ['Shoes', 'Running Shoes'], false)).toBe('exact');
    expect(matchQuality(type, ['shoes', ' Running Shoes ', 'Trail'], false)).toBe('exact');
    expect(matchQuality(type, ['Shoes', 'Running Shoes'], true)).toBe('relaxed');
  });

  it('places any other product, or one without a category, among the other types', () => {
    expect(matchQuality(type, ['Shoes', 'Sneakers'], false)).toBe('other_type');
    expect(matchQuality(type, ['Shoes'], false)).toBe('other_type');
    expect(matchQuality(type, undefined, false)).toBe('other_type');
    expect(isOfType([], ['Anything'])).toBe(true);
  });
});

describe('orderByMatch', () => {
  it('lists exact matches, then relaxed ones, then other types, each group in its own order', () => {
    const items: { id: string; match: MatchQuality; score: number }[] = [
      { id: 'other-best', match: 'other_type', score: 9 },
      { id: 'relaxed-good', match: 'relaxed', score: 8 },
      { id: 'exact-low', match: 'exact', score: 1 },
      { id: 'exact-high', match: 'exact', score: 2 },
      { id: 'other-low', match: 'other_type', score: 0 },
    ];
    const byScore = (group: typeof items) => [...group].sort((a, b) => b.score - a.score);
    expect(orderByMatch(items, (i) => i.match, byScore).map((i) => i.id)).toEqual(['exact-high', 'exact-low', 'relaxed-good', 'other-best', 'other-low']);
  });
});
