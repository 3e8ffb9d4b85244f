import { basketPairs, pairWith, purchaseSequencePairs } from './cooccurrence';

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

  it('pairs a purchase with the last three earlier ones, stronger when closer and forwards', () => {
    const pairs = purchaseSequencePairs('new', ['p1', 'new', 'p2', 'p3', 'p4']).map((p) => `${p.itemId}>${p.neighbourId}:${p.weight}`);
    expect(pairs).toEqual(['p1>new:4', 'new>p1:2', 'p2>new:2', 'new>p2:1', 'p3>new:1', 'new>p3:1']);
    expect(purchaseSequencePairs('a', [])).toEqual([]);
  });
});
