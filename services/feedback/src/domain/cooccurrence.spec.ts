import { basketPairs, pairWith } from './cooccurrence';

describe('co-occurrence increments', () => {
  it('pairs an item with others in both directions, never with itself', () => {
    expect(pairWith('a', ['b', 'a'], 1)).toEqual([
      { itemId: 'a', neighbourId: 'b', weight: 1 },
      { itemId: 'b', neighbourId: 'a', weight: 1 },
    ]);
  });

  it('pairs every two distinct items of a basket once', () => {
    const pairs = basketPairs(['a', 'b', 'c', 'b']).map((p) => `${p.itemId}>${p.neighbourId}:${p.weight}`);
    expect(pairs.sort()).toEqual(['a>b:3', 'a>c:3', 'b>a:3', 'b>c:3', 'c>a:3', 'c>b:3']);
  });
});
