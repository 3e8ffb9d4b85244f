import { CO_OCCURRENCE_SOURCE, cooccurrenceCandidates, fuseRecommendations, meanVector, POPULARITY_SOURCE } from './recommend-fusion';

describe('co-occurrence candidates', () => {
  it('sums each seed’s neighbours weighted by the seed’s recency, leaving out seeds and excluded items', () => {
    const neighbours = [
      { seedId: 's1', items: [{ itemId: 'x', score: 4 }, { itemId: 's2', score: 9 }, { itemId: 'y', score: 1 }] },
      { seedId: 's2', items: [{ itemId: 'y', score: 10 }, { itemId: 'gone', score: 50 }] },
    ];
    expect(cooccurrenceCandidates(neighbours, 0.5, new Set(['gone']))).toEqual([
      { itemId: 'y', score: 6 },
      { itemId: 'x', score: 4 },
    ]);
    expect(cooccurrenceCandidates([], 0.5)).toEqual([]);
  });
});

describe('recommendation fusion', () => {
  const vectors = new Map<string, number[]>([
    ['near', [1, 0]],
    ['far', [0, 1]],
    ['mid', [1, 1]],
    ['pop', [0, 1]],
  ]);
  const weights = { cooccurrence: 1, similarity: 2, popularity: 0.1, seedRecencyDecay: 0.5 };

  it('scores co-occurrence, similarity to the reference and (when weighted) popularity together, with every source’s hit; popularity-only items last', () => {
    const fused = fuseRecommendations({
      cooccurrence: [{ itemId: 'far', score: Math.E - 1 }], // ln(1 + e - 1) = 1
      retrieved: [
        { itemId: 'mid', sources: [{ source: 'user_interest', score: 0.7, rank: 0 }] },
        { itemId: 'near', sources: [{ source: 'similar', score: 0.9, rank: 1 }] },
      ],
      popular: [{ itemId: 'pop', score: 100 }, { itemId: 'near', score: 3 }],
      reference: [1, 0],
      vectors,
      exclude: new Set(),
      weights,
      limit: 10,
    });
    expect(fused.map((f) => f.itemId)).toEqual(['near', 'mid', 'far', 'pop']);
    expect(fused[0]!.score).toBeCloseTo(2 + 0.1 * Math.log(4));
    expect(fused[3]!.score).toBeCloseTo(Math.log(101));
    expect(fused[0]!.sources).toEqual([
      { source: 'similar', score: 0.9, rank: 1 },
      { source: POPULARITY_SOURCE, score: 3, rank: 1 },
    ]);
    expect(fused.find((f) => f.itemId === 'far')!.sources).toEqual([{ source: CO_OCCURRENCE_SOURCE, score: Math.E - 1, rank: 0 }]);
  });

  it('without a reference vector ranks by co-occurrence, then popularity-only items; excludes and cuts', () => {
    const fused = fuseRecommendations({
      cooccurrence: [{ itemId: 'a', score: 3 }, { itemId: 'seen', score: 30 }],
      retrieved: [],
      popular: [{ itemId: 'b', score: 1000 }, { itemId: 'c', score: 10 }],
      vectors: new Map(),
      exclude: new Set(['seen']),
      weights,
      limit: 2,
    });
    expect(fused.map((f) => f.itemId)).toEqual(['a', 'b']);
  });

  it('gives candidates without a vector the lowest similarity seen, not zero', () => {
    const fused = fuseRecommendations({ cooccurrence: [], retrieved: [{ itemId: 'novector', sources: [] }, { itemId: 'far', sources: [] }, { itemId: 'near', sources: [] }], popular: [], reference: [1, 0], vectors, exclude: new Set(), weights, limit: 5 });
    expect(fused.map((f) => f.itemId)).toEqual(['near', 'novector', 'far']);
    expect(fused[1]!.score).toBe(fused[2]!.score);
  });

  it('averages anchor vectors for an item or cart page', () => {
    expect(Array.from(meanVector([[1, 0], undefined, [0, 1]])!)).toEqual([0.5, 0.5]);
    expect(meanVector([undefined])).toBeUndefined();
  });
});
