import fc from 'fast-check';
import { editDistance } from './edit-distance';
import { SymmetricDeleteIndex } from './symmetric-delete-index';

describe('SymmetricDeleteIndex', () => {
  it('finds the words within the distance, nearest then most frequent first', () => {
    const index = new SymmetricDeleteIndex({ maxDistance: 2, prefixLength: 7 });
    index.add('running', 10);
    index.add('ruing', 3);
    index.add('cunning', 1);
    index.add('shoes', 5);
    expect(index.lookup('runing').map((c) => [c.word, c.distance])).toEqual([
      ['running', 1],
      ['ruing', 1],
      ['cunning', 2],
    ]);
    expect(index.lookup('running').map((c) => c.word)).toEqual(['cunning', 'ruing']); // itself excluded; cunning is 1 edit away, ruing 2
    expect(index.frequency('running')).toBe(10);
  });

  it('finds exactly what a scan of the vocabulary finds, prefix shortcut included', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'e', 'r'), minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(fc.uniqueArray(word, { maxLength: 40 }), word, (vocabulary, query) => {
        const index = new SymmetricDeleteIndex({ maxDistance: 2, prefixLength: 7 });
        vocabulary.forEach((w) => index.add(w, 1));
        const expected = vocabulary.filter((w) => w !== query && editDistance(query, w, 2) <= 2).sort();
        expect(index.lookup(query).map((c) => c.word).sort()).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
