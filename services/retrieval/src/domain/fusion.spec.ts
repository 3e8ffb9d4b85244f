import { reciprocalRankFusion, weightedScoreFusion } from './fusion';

describe('fusion', () => {
  const dense = { source: 'dense', weight: 1, items: [{ id: 'a', score: 0.9 }, { id: 'b', score: 0.8 }, { id: 'c', score: 0.1 }] };
  const lexical = { source: 'lexical', weight: 1, items: [{ id: 'c', score: 12 }, { id: 'a', score: 3 }] };

  it('rewards items both sources agree on and keeps each source score and rank', () => {
    const fused = reciprocalRankFusion([dense, lexical], 60);
    expect(fused.map((c) => c.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62);
    expect(fused[0]!.sources).toEqual([
      { source: 'dense', score: 0.9, rank: 1 },
      { source: 'lexical', score: 3, rank: 2 },
    ]);
  });

  it('lets a weight shift the order', () => {
    const fused = reciprocalRankFusion([dense, { ...lexical, weight: 5 }], 60);
    expect(fused[0]!.id).toBe('c');
  });

  it('ignores a weight-0 source in the score but still reports it', () => {
    const fused = reciprocalRankFusion([dense, { ...lexical, weight: 0 }], 60);
    expect(fused.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(fused[2]!.sources.map((s) => s.source)).toEqual(['dense', 'lexical']);
  });

  it('normalises scores per source for weighted-score fusion', () => {
    // dense normalises to a=1, b=0.875, c=0; lexical to c=1, a=0.
    const fused = weightedScoreFusion([dense, { ...lexical, weight: 2 }]);
    expect(fused.map((c) => [c.id, c.score])).toEqual([
      ['c', 2],
      ['a', 1],
      ['b', 0.875],
    ]);
  });
});
