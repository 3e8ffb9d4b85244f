import { PhraseIndex } from './phrase-index';

describe('PhraseIndex', () => {
  const index = new PhraseIndex<string>();
  index.add(['black'], 'colour');
  index.add(['black', 'decker'], 'brand');
  index.add(['run', 'shoe'], 'category');

  it('matches the longest phrase at a position', () => {
    expect(index.longestAt(['black', 'decker', 'drill'], 0)).toEqual({ length: 2, values: ['brand'] });
    expect(index.longestAt(['black', 'shoe'], 0)).toEqual({ length: 1, values: ['colour'] });
    expect(index.longestAt(['red', 'run', 'shoe'], 1)).toEqual({ length: 2, values: ['category'] });
    expect(index.longestAt(['red'], 0)).toBeUndefined();
  });

  it('never matches past the given end', () => {
    expect(index.longestAt(['black', 'decker'], 0, 1)).toEqual({ length: 1, values: ['colour'] });
  });

  it('keeps every value of a phrase and counts phrases', () => {
    index.add(['black'], 'brand too');
    expect(index.get(['black'])).toEqual(['colour', 'brand too']);
    expect(index.size).toBe(3);
    expect(index.get([])).toEqual([]);
  });
});
