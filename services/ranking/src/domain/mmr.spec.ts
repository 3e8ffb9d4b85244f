import fc from 'fast-check';
import { mmrRerank, type MmrItem } from './mmr';

const item = (id: string, relevance: number, vector?: number[]): MmrItem => ({ id, relevance, ...(vector ? { vector } : {}) });
const ids = (items: readonly MmrItem[]) => items.map((i) => i.id);

describe('mmrRerank', () => {
  // Two near-duplicates of the best item and a different, slightly less relevant one.
  const items = [item('a1', 0.9, [1, 0]), item('a2', 0.89, [1, 0.01]), item('a3', 0.88, [1, 0.02]), item('b', 0.8, [0, 1])];

  it('with λ = 1 keeps pure relevance order', () => {
    expect(ids(mmrRerank(items, 1))).toEqual(['a1', 'a2', 'a3', 'b']);
  });

  it('with a lower λ moves a different item ahead of near-duplicates', () => {
    expect(ids(mmrRerank(items, 0.5))).toEqual(['a1', 'b', 'a2', 'a3']);
  });

  it('always starts with the most relevant item, even at λ = 0', () => {
    expect(mmrRerank(items, 0)[0]!.id).toBe('a1');
  });

  it('treats items without a vector as dissimilar to everything', () => {
    const withMissing = [item('a1', 0.9, [1, 0]), item('a2', 0.89, [1, 0]), item('x', 0.5)];
    expect(ids(mmrRerank(withMissing, 0.5))).toEqual(['a1', 'x', 'a2']);
  });

  it('normalises relevance, so probabilities and logits give the same order', () => {
    const logits = items.map((i) => ({ ...i, relevance: Math.log(i.relevance / (1 - i.relevance)) * 10 }));
    expect(ids(mmrRerank(logits, 0.5))).toEqual(ids(mmrRerank(items, 0.5)));
  });

  it('chooses the first k by MMR and appends the rest by relevance', () => {
    expect(ids(mmrRerank(items, 0.5, 2))).toEqual(['a1', 'b', 'a2', 'a3']);
    expect(ids(mmrRerank(items, 0.5, 0))).toEqual(['a1', 'a2', 'a3', 'b']);
  });

  it('breaks ties by input order and handles empty input', () => {
    expect(ids(mmrRerank([item('x', 1), item('y', 1), item('z', 1)], 0.7))).toEqual(['x', 'y', 'z']);
    expect(mmrRerank([], 0.5)).toEqual([]);
  });

  it('rejects λ outside [0, 1]', () => {
    expect(() => mmrRerank(items, 1.5)).toThrow(RangeError);
    expect(() => mmrRerank(items, Number.NaN)).toThrow(RangeError);
  });

  it('returns a permutation of its input, for any items and λ', () => {
    const arbitraryItem = fc.record({
      id: fc.uuid(),
      relevance: fc.double({ noNaN: true, min: -10, max: 10 }),
      vector: fc.option(fc.array(fc.double({ noNaN: true, min: -1, max: 1 }), { minLength: 3, maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(arbitraryItem, { selector: (i) => i.id, maxLength: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), (list, lambda) => {
        const clean = list.map((i) => (i.vector ? i : { id: i.id, relevance: i.relevance }));
        const out = mmrRerank(clean, lambda);
        return out.length === clean.length && new Set(ids(out)).size === clean.length && ids(out).every((id) => clean.some((i) => i.id === id));
      }),
    );
  });

  it('stays fast: 500 candidates with 64-dimensional vectors', () => {
    const many = Array.from({ length: 500 }, (_, i) => item(`i${i}`, Math.random(), Array.from({ length: 64 }, () => Math.random() - 0.5)));
    const start = performance.now();
    mmrRerank(many, 0.7, 100);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
